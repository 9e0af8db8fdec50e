"""A need's action forms are written once for everything they show and filled in with each
need's number and each request's CSRF token (core/fragments.py, issue 13)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from civicgrid.core import fragments
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.views import console
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db

ACTION_FORM = "needs/console/_action_form.html"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def w() -> nf.World:
    fragments.FRAGMENTS.forget()
    return nf.world()


def login(person: Person, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(headers={"accept-language": "en"}, enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(person)
    return client


def page(client: Client, need: Need) -> tuple[int, str]:
    """How many action forms this page wrote, and the page."""
    response = client.get(reverse("needs:detail", args=[need.number]))
    assert response.status_code == 200
    return sum(t.name == ACTION_FORM for t in response.templates), response.content.decode()


def test_one_form_serves_every_need_with_the_same_choices(w):
    first, second = nf.raise_need(w), nf.raise_need(w)
    client = login(w.dispatcher)
    written, _one = page(client, first)
    assert written >= 4  # accept, reject, dispatch, escalate, merge…
    again, other = page(client, second)
    assert again == 0
    assert f"/console/needs/{second.number}/act/dispatch/" in other
    assert first.number not in other.split('id="need-detail"')[1].split("</section>")[1]


def test_the_placeholders_never_reach_the_page_and_each_request_has_its_own_token(w):
    need = nf.raise_need(w)
    client = login(w.dispatcher)
    page(client, need)
    _written, html = page(client, need)
    assert fragments.TOKEN_PLACEHOLDER not in html
    assert console.NUMBER not in html
    tokens = set(TOKEN.findall(html))
    assert tokens and all(len(t) == 64 for t in tokens)


def test_a_remembered_forms_token_is_valid_for_its_session_only(w):
    need = nf.raise_need(w)
    mine = login(w.dispatcher, enforce_csrf_checks=True)
    page(mine, need)  # written once…
    _written, html = page(mine, need)  # …and found again
    form = re.search(r'data-action="accept".*?</form>', html, re.S)
    assert form is not None
    found = TOKEN.search(form[0])
    assert found is not None
    token = found[1]
    url = reverse("needs:act", args=[need.number, "accept"])
    theirs = login(w.town_staff, enforce_csrf_checks=True)
    theirs.get(reverse("needs:list"))  # a CSRF cookie of their own
    assert theirs.post(url, {"csrfmiddlewaretoken": token}).status_code == 403
    assert mine.post(url, {"csrfmiddlewaretoken": token}).status_code in (200, 302)
    need.refresh_from_db()
    assert need.state == "accepted"


def test_a_form_sent_back_with_its_error_is_written_for_its_request():
    class Reason(forms.Form):
        note = forms.CharField()

    with pytest.raises(fragments.Unremembered):
        fragments.form_fingerprint(Reason({"note": ""}))


def test_the_fingerprint_holds_the_choices_and_refuses_what_it_cannot_hold():
    def form(choices: list[tuple[str, str]]) -> forms.Form:
        class Target(forms.Form):
            target = forms.ChoiceField(choices=choices)

        return Target()

    assert fragments.form_fingerprint(form([("a", "甲")])) == fragments.form_fingerprint(
        form([("a", "甲")])
    )
    assert fragments.form_fingerprint(form([("a", "甲")])) != fragments.form_fingerprint(
        form([("a", "甲"), ("b", "乙")])
    )

    class People(forms.Form):
        person = forms.ModelChoiceField(queryset=Person.objects.all())

    with pytest.raises(fragments.Unremembered):
        fragments.form_fingerprint(People())


def test_equal_initial_values_of_another_type_are_other_forms():
    """True, 1 and 1.0 are equal in Python, but a text input writes "True", "1" and "1.0"."""

    def form(initial: object) -> forms.Form:
        class Count(forms.Form):
            n = forms.CharField(initial=initial)

        return Count()

    prints = {fragments.form_fingerprint(form(v)) for v in (True, 1, 1.0)}
    assert len(prints) == 3


def test_a_value_an_address_or_html_would_escape_is_not_filled_in(rf):
    stand_in = fragments.placeholder("x")
    request = rf.get("/")
    with pytest.raises(fragments.Unremembered):
        fragments.remembered(request, ACTION_FORM, {}, key="k", fill={stand_in: '"><script>'})
