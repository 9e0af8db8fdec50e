"""API keys: issued once, stored as a hash, deactivated in the admin; the demo key."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from civicgrid.core.errors import Invalid
from civicgrid.open311 import services
from civicgrid.open311.models import Application

pytestmark = pytest.mark.django_db

KEY_IN = re.compile(r"[A-Za-z0-9_\-]{32}")  # a generated key in the admin's message


def test_a_new_key_is_returned_once_and_only_its_hash_is_stored():
    app, key = services.application_create(name=" Bus stop app ")
    assert app.name == "Bus stop app"
    assert len(key) >= 32
    assert app.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert app.key_prefix == key[:8]
    assert key not in str(Application.objects.values().get())
    assert services.application_for_key(key) == app.pk
    assert services.application_for_key(key[:-1] + "!") is None
    assert services.application_for_key(None) is None


def test_a_key_is_checked_in_one_statement_among_applications_sharing_its_prefix(
    django_assert_num_queries,
):
    first, first_key = services.application_create(name="A", key="sharedpfx-one-key")
    second, second_key = services.application_create(name="B", key="sharedpfx-two-key")
    with django_assert_num_queries(1):
        assert services.application_for_key(second_key) == second.pk
    assert services.application_for_key(first_key) == first.pk
    assert services.application_for_key("sharedpfx-three-key") is None
    Application.objects.filter(pk=first.pk).update(is_active=False)
    assert services.application_for_key(first_key) is None
    assert services.application_for_key(second_key) == second.pk
    assert services.application_for_key("sharedpfx'; DROP TABLE x; --") is None  # not a key


def test_keys_are_unique_and_well_formed():
    services.application_create(name="A", key="same-key-12345")
    with pytest.raises(Invalid):
        services.application_create(name="B", key="same-key-12345")
    with pytest.raises(Invalid):
        services.application_create(name="C", key="short")
    with pytest.raises(Invalid):
        services.application_create(name="", key="another-key-123")


def test_a_replaced_key_stops_working():
    app, old = services.application_create(name="A")
    new = services.application_rotate_key(application=app)
    assert services.application_for_key(old) is None
    assert services.application_for_key(new) == app.pk


def test_the_demo_application_exists_only_in_demo_mode():
    with pytest.raises(ImproperlyConfigured):
        services.ensure_demo_application()
    assert not Application.objects.exists()
    with override_settings(DEMO_MODE=True):
        first = services.ensure_demo_application()
        Application.objects.update(is_active=False)
        again = services.ensure_demo_application()
        assert first.pk == again.pk and again.is_active
        assert services.application_for_key("demo-open311-key") == first.pk
    assert services.application_for_key("demo-open311-key") is None


def test_the_admin_issues_a_key_and_shows_it_once(admin_client):
    response = admin_client.post(
        "/admin/open311/application/add/",
        {"name": "FixMyStreet", "contact": "ops@example.org", "is_active": "on"},
        follow=True,
    )
    app = Application.objects.get()
    [message] = [str(m) for m in response.context["messages"] if m.level == messages.WARNING]
    key = KEY_IN.findall(message)[0]
    assert services.application_for_key(key) == app.pk
    # The change page never shows it again.
    page = admin_client.get(f"/admin/open311/application/{app.pk}/change/").content.decode()
    assert key not in page and app.key_prefix in page


def test_the_admin_deactivates_and_replaces_keys(admin_client):
    app, key = services.application_create(name="A")
    changelist = "/admin/open311/application/"
    admin_client.post(changelist, {"action": "deactivate", "_selected_action": [app.pk]})
    assert services.application_for_key(key) is None
    admin_client.post(changelist, {"action": "activate", "_selected_action": [app.pk]})
    assert services.application_for_key(key) == app.pk
    response = admin_client.post(
        changelist, {"action": "replace_key", "_selected_action": [app.pk]}, follow=True
    )
    [message] = [str(m) for m in response.context["messages"] if m.level == messages.WARNING]
    new = KEY_IN.findall(message)[0]
    assert services.application_for_key(key) is None
    assert services.application_for_key(new) == app.pk
