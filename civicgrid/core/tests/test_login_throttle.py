"""Failed logins are throttled per (number, address) with a short lock, per number with a growing
delay, and per address only across many numbers; on both login pages. Outside demo mode the demo
password opens nothing."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.core.cache import cache
from django.test import Client, override_settings

from civicgrid.demo.region import DEMO_PASSWORD
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


T0 = 1_800_000_000


def test_five_failures_from_one_address_lock_that_pair_briefly_with_a_message(client):
    person = factories.person()
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            response = post(client, LOGIN, person.mobile, "wrong-password")
            assert b"Mobile number or password is incorrect" in response.content
    # The account's back-off (1 s) has passed; the number from this address is still locked.
    with time_machine.travel(T0 + 10, tick=False):
        response = post(client, LOGIN, person.mobile, PASSWORD)
        assert refused(response)
        assert b"Try again in 5 minutes" in response.content
        assert "_auth_user_id" not in client.session
    with time_machine.travel(T0 + 5 * 60 + 1, tick=False):
        assert post(client, LOGIN, person.mobile, PASSWORD).status_code == 302


def test_five_bad_passwords_from_one_address_do_not_lock_the_owner_elsewhere(client):
    person = factories.person()
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            post(client, LOGIN, person.mobile, "wrong-password", ip="10.6.6.6")
        # Back-off, not a lock: right after the fifth failure the account waits a second...
        response = post(client, LOGIN, person.mobile, PASSWORD, ip="10.0.0.2")
        assert refused(response)
        assert b"Try again in 1 second" in response.content
    # ...and then its owner, from their own address, logs in.
    with time_machine.travel(T0 + 2, tick=False):
        assert post(client, LOGIN, person.mobile, PASSWORD, ip="10.0.0.2").status_code == 302


def test_failures_from_many_addresses_make_the_account_wait_longer_but_never_lock_it(client):
    person = factories.person()
    now = float(T0)
    waits = []
    for n in range(30):
        with time_machine.travel(now, tick=False):
            response = post(client, LOGIN, person.mobile, "wrong-password", ip=f"10.1.{n}.1")
            assert not refused(response)
            wait = ratelimit_wait(person.mobile)
        waits.append(wait)
        now += wait + 1
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:8] == [1, 2, 4, 8]
    assert max(waits) == 300  # the cap: the owner never waits longer than five minutes
    with time_machine.travel(now, tick=False):
        assert post(client, LOGIN, person.mobile, PASSWORD, ip="10.0.0.2").status_code == 302
    # Success clears the back-off.
    client.logout()
    with time_machine.travel(now + 1, tick=False):
        post(client, LOGIN, person.mobile, "wrong-password", ip="10.9.0.1")
        assert post(client, LOGIN, person.mobile, PASSWORD, ip="10.0.0.2").status_code == 302


def ratelimit_wait(mobile: str) -> int:
    from civicgrid.core import loginthrottle

    return loginthrottle.account_wait(mobile)


def test_an_unknown_number_is_refused_the_same_way_as_a_known_one(client):
    known = factories.person()
    for mobile in (known.mobile, "13999999999"):
        with time_machine.travel(T0, tick=False):
            for _ in range(5):
                post(client, LOGIN, mobile, "wrong-password")
        with time_machine.travel(T0 + 10, tick=False):
            response = post(client, LOGIN, mobile, "wrong-password")
            assert refused(response)
            assert b"Try again in 5 minutes" in response.content


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
    assert post(client, LOGIN, other.mobile, PASSWORD, ip="10.0.0.1").status_code == 302


def test_fifty_failures_for_one_account_behind_a_nat_do_not_lock_the_office(client):
    clumsy = factories.person()
    colleague = factories.person()
    now = float(T0)
    failures = 0
    while failures < 50:
        with time_machine.travel(now, tick=False):
            response = post(client, LOGIN, clumsy.mobile, "wrong-password", ip="10.8.8.8")
            failures += not refused(response)
        now += 60
    with time_machine.travel(now, tick=False):
        assert post(client, LOGIN, colleague.mobile, PASSWORD, ip="10.8.8.8").status_code == 302


def test_fifty_typos_by_ten_colleagues_behind_a_nat_do_not_lock_the_office(client):
    office = [factories.person() for _ in range(11)]
    with time_machine.travel(T0, tick=False):
        for person in office[:10]:
            for _ in range(5):
                post(client, LOGIN, person.mobile, "wrong-password", ip="10.8.8.8")
        assert post(client, LOGIN, office[10].mobile, PASSWORD, ip="10.8.8.8").status_code == 302


def test_one_address_trying_many_numbers_is_refused(client):
    person = factories.person()
    with time_machine.travel(T0, tick=False):
        for n in range(20):
            post(client, LOGIN, f"1390000{n:04d}", "wrong-password", ip="10.9.9.9")
        response = post(client, LOGIN, person.mobile, PASSWORD, ip="10.9.9.9")
        assert refused(response)
        assert b"Try again in 15 minutes" in response.content
        assert post(client, LOGIN, person.mobile, PASSWORD, ip="10.0.0.3").status_code == 302


def test_the_same_number_again_and_again_counts_once_for_the_address(client):
    person = factories.person()
    with time_machine.travel(T0, tick=False):
        for n in range(19):
            for _ in range(3):
                post(client, LOGIN, f"1390000{n:04d}", "wrong-password", ip="10.9.9.9")
        assert post(client, LOGIN, person.mobile, PASSWORD, ip="10.9.9.9").status_code == 302


def test_the_admin_login_shares_the_count(client):
    admin = Person.objects.create_superuser(mobile="13800000001", name="管理员", password=PASSWORD)
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            post(client, LOGIN, admin.mobile, "wrong-password")
        for _ in range(2):
            response = post(client, ADMIN_LOGIN, admin.mobile, "wrong-password")
            assert response.status_code == 200
    with time_machine.travel(T0 + 10, tick=False):
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


def demo_password_person() -> Person:
    person = factories.person()
    person.set_password(DEMO_PASSWORD)
    person.save()
    return person


@override_settings(DEMO_MODE=False)
def test_the_demo_password_opens_nothing_outside_demo_mode(client):
    person = demo_password_person()
    for url in (LOGIN, ADMIN_LOGIN):
        response = post(client, url, person.mobile, DEMO_PASSWORD)
        assert response.status_code == 200
        assert b"still has the demo password" in response.content
        assert "_auth_user_id" not in client.session


@override_settings(DEMO_MODE=True)
def test_the_demo_password_works_in_demo_mode(client):
    person = demo_password_person()
    assert post(client, LOGIN, person.mobile, DEMO_PASSWORD).status_code == 302
