"""Failed logins are throttled per mobile number and per address, on both login pages."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.core.cache import cache
from django.test import Client, override_settings

from civicgrid.network.models import Person
from civicgrid.network.tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345"
LOGIN = "/console/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def post(client: Client, url: str, mobile: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        url,
        {"username": mobile, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def refused(response) -> bool:
    return response.status_code == 200 and b"Too many failed logins" in response.content


def test_five_failures_lock_the_number_with_a_message_saying_when_to_retry(client):
    person = factories.person()
    with time_machine.travel(1_800_000_000, tick=False):
        for _ in range(5):
            response = post(client, LOGIN, person.mobile, "wrong-password")
            assert b"Mobile number or password is incorrect" in response.content
        # Now even the right password is refused, saying when to come back.
        response = post(client, LOGIN, person.mobile, PASSWORD)
        assert refused(response)
        assert b"Try again in 15 minutes" in response.content
        assert "_auth_user_id" not in client.session
    with time_machine.travel(1_800_000_000 + 10 * 60, tick=False):
        assert b"Try again in 5 minutes" in post(client, LOGIN, person.mobile, PASSWORD).content
    with time_machine.travel(1_800_000_000 + 15 * 60 + 1, tick=False):
        assert post(client, LOGIN, person.mobile, PASSWORD).status_code == 302


def test_an_unknown_number_is_refused_the_same_way_as_a_known_one(client):
    known = factories.person()
    for mobile in (known.mobile, "13999999999"):
        for _ in range(5):
            post(client, LOGIN, mobile, "wrong-password")
        response = post(client, LOGIN, mobile, "wrong-password")
        assert refused(response)


def test_a_successful_login_clears_the_count_for_its_number(client):
    person = factories.person()
    for _ in range(4):
        post(client, LOGIN, person.mobile, "wrong-password")
    assert post(client, LOGIN, person.mobile, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        post(client, LOGIN, person.mobile, "wrong-password")
    assert post(client, LOGIN, person.mobile, PASSWORD).status_code == 302


def test_other_numbers_are_not_locked_by_someone_elses_failures(client):
    victim = factories.person()
    other = factories.person()
    for _ in range(5):
        post(client, LOGIN, victim.mobile, "wrong-password", ip="10.0.0.1")
    assert post(client, LOGIN, other.mobile, PASSWORD, ip="10.0.0.2").status_code == 302


@override_settings(LOGIN_FAILURES_PER_IP=8)
def test_one_address_trying_many_numbers_is_refused(client):
    person = factories.person()
    for n in range(8):
        post(client, LOGIN, f"1390000{n:04d}", "wrong-password", ip="10.9.9.9")
    assert refused(post(client, LOGIN, person.mobile, PASSWORD, ip="10.9.9.9"))
    assert post(client, LOGIN, person.mobile, PASSWORD, ip="10.0.0.3").status_code == 302


def test_the_admin_login_shares_the_count(client):
    admin = Person.objects.create_superuser(mobile="13800000001", name="管理员", password=PASSWORD)
    for _ in range(3):
        post(client, LOGIN, admin.mobile, "wrong-password")
    for _ in range(2):
        response = post(client, ADMIN_LOGIN, admin.mobile, "wrong-password")
        assert response.status_code == 200
    assert refused(post(client, ADMIN_LOGIN, admin.mobile, PASSWORD))
    assert "_auth_user_id" not in client.session


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_new_passwords_are_hashed_with_argon2():
    from civicgrid import settings as production

    # The production list, not the tests' fast one.
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    person = factories.person()
    person.set_password("a-new-password-1")
    person.save()
    person.refresh_from_db()
    assert identify_hasher(person.password).algorithm == "argon2"
    assert person.check_password("a-new-password-1")
