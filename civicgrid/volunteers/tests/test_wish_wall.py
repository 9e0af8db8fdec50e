"""Micro-wish pages: the public wall (and its JSON) keeps the person's name and phone out, a
member claims and fulfils, the person confirms by a texted code, and the console's list, post
form, actions and phone reveal keep to the staff's scope (a leader reads, another community's
staff see nothing)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from civicgrid.core import phonecode
from civicgrid.core.models import RevealLog
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import wishes
from civicgrid.volunteers.models import Wish, WishState
from civicgrid.volunteers.tests import factories as vf
from civicgrid.volunteers.wishes import By

pytestmark = pytest.mark.django_db

NAME = "王秀兰"
PHONE = "13812345678"


@pytest.fixture
def c() -> vf.Crew:
    cache.clear()
    return vf.crew()


@pytest.fixture(autouse=True)
def english(client: Client) -> Iterator[Client]:
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield client


def post(c: vf.Crew, **overrides: Any) -> Wish:
    fields: dict[str, Any] = {
        "by": By(c.w.dispatcher),
        "community": c.w.t["comm1"],
        "title": "一件冬衣",
        "story": "独居老人，冬天缺一件厚棉衣。",
        "public_name": "一位老人",
        "person_name": NAME,
        "person_mobile": PHONE,
        "needed_by": timezone.localdate() + dt.timedelta(days=10),
    }
    fields.update(overrides)
    return wishes.wish_post(**fields)


def wall_url(c: vf.Crew) -> str:
    return reverse("serve:wishes_wall", args=[c.w.t["comm1"].code])


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 20)).save(out, format="JPEG")
    return SimpleUploadedFile("done.jpg", out.getvalue(), content_type="image/jpeg")


def text(response: Any) -> str:
    return response.content.decode()


def all_states(c: vf.Crew) -> list[Wish]:
    """A wish in every state the wall shows, each with the person's name and phone."""
    waiting = post(c, title="等人认领")
    claimed = post(c, title="已认领")
    wishes.wish_claim(wish=claimed, by=By(c.member))
    fulfilled = post(c, title="待确认")
    wishes.wish_claim(wish=fulfilled, by=By(c.member))
    wishes.wish_fulfil(wish=fulfilled, by=By(c.member), note="暗中送去了")
    confirmed = post(c, title="已实现")
    wishes.wish_claim(wish=confirmed, by=By(c.volunteer))
    wishes.wish_fulfil(wish=confirmed, by=By(c.volunteer), note="棉衣送到家")
    wishes.wish_confirm(wish=confirmed, by=By(c.w.dispatcher))
    withdrawn = post(c, title="撤下了")
    wishes.wish_withdraw(wish=withdrawn, by=By(c.w.dispatcher), reason="家人买了")
    return [waiting, claimed, fulfilled, confirmed, withdrawn]


# --- The public wall ----------------------------------------------------------------------


def test_the_wall_groups_and_counts_and_never_shows_the_person(client: Client, c: vf.Crew):
    all_states(c)
    for url in (wall_url(c), reverse("serve:wishes_wall", args=[c.w.t["comm1"].pk])):
        page = text(client.get(url))
        for secret in (NAME, PHONE, "138****5678", "5678", c.member.name, c.volunteer.name):
            assert secret not in page, secret
        assert "等人认领" in page and "已认领" in page and "已实现" in page
        assert "撤下了" not in page
        # The note of a fulfilment shows once confirmed, not before.
        assert "棉衣送到家" in page and "暗中送去了" not in page
        assert 'data-count="posted">4<' in page
        assert 'data-count="claimed">3<' in page
        assert 'data-count="fulfilled">1<' in page


def test_the_walls_json_never_holds_the_person(client: Client, c: vf.Crew):
    all_states(c)
    response = client.get(reverse("serve:wishes_wall_json", args=[c.w.t["comm1"].code]))
    assert response.status_code == 200
    raw = response.content.decode()
    for secret in (NAME, PHONE, "138****5678", "5678", c.member.name, c.volunteer.name):
        assert secret not in raw, secret
    body = json.loads(raw)
    assert body["counts"] == {"posted": 4, "waiting": 1, "claimed": 3, "fulfilled": 1}
    cards = [card for group in body["groups"].values() for card in group]
    assert {card["title"] for card in cards} == {"等人认领", "已认领", "待确认", "已实现"}
    keys = set(cards[0])
    assert keys == {
        "id",
        "title",
        "story",
        "shown_as",
        "community",
        "state",
        "state_label",
        "needed_by",
        "fulfilled_note",
        "photo_url",
    }
    notes = {card["title"]: card["fulfilled_note"] for card in cards}
    assert notes["待确认"] == "" and notes["已实现"] == "棉衣送到家"


def test_an_unknown_community_is_a_404(client: Client, c: vf.Crew):
    assert client.get(reverse("serve:wishes_wall", args=["nothing"])).status_code == 404
    grid = c.w.t["gridA"].code  # a place, but no community
    assert client.get(reverse("serve:wishes_wall", args=[grid])).status_code == 404


def test_anonymous_visitors_are_asked_to_log_in_and_members_get_a_button(
    client: Client, c: vf.Crew
):
    wish = post(c)
    page = text(client.get(wall_url(c)))
    assert f"/console/login/?next={wall_url(c)}" in page
    assert reverse("serve:wish_claim", args=[wish.pk]) not in page
    client.force_login(c.member)
    page = text(client.get(wall_url(c)))
    assert reverse("serve:wish_claim", args=[wish.pk]) in page


# --- A member claims and fulfils ----------------------------------------------------------


def test_a_member_claims_and_the_second_is_told_someone_has_it(client: Client, c: vf.Crew):
    wish = post(c)
    url = reverse("serve:wish_claim", args=[wish.pk])
    client.force_login(c.member)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("serve:wishes_mine")
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED and wish.claimed_by_id == c.member.pk

    client.force_login(c.volunteer)
    response = client.post(url)
    assert response.status_code == 409
    assert "Someone has already claimed this wish." in text(response)
    wish.refresh_from_db()
    assert wish.claimed_by_id == c.member.pk


def test_a_member_claims_for_their_unit(client: Client, c: vf.Crew):
    wish = post(c)
    client.force_login(c.leader)
    unit = c.team.organisation
    assert f'value="{unit.pk}"' in text(client.get(wall_url(c)))
    client.post(reverse("serve:wish_claim", args=[wish.pk]), {"unit": unit.pk})
    wish.refresh_from_db()
    assert wish.claimed_unit_id == unit.pk
    # Another's unit, and nonsense: refused, nothing changes.
    other = post(c, title="另一个")
    client.force_login(c.member)
    assert (
        client.post(reverse("serve:wish_claim", args=[other.pk]), {"unit": unit.pk}).status_code
        == 403
    )
    assert (
        client.post(reverse("serve:wish_claim", args=[other.pk]), {"unit": "x"}).status_code == 404
    )
    other.refresh_from_db()
    assert other.state == WishState.POSTED


def test_no_claim_without_being_a_member(client: Client, c: vf.Crew):
    wish = post(c)
    url = reverse("serve:wish_claim", args=[wish.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    resident = nf.person("居民", roles=[(Role.RESIDENT, c.w.t["gridA"])])
    for who in (resident, c.w.leader, c.w.stranger):
        client.force_login(who)
        assert client.post(url).status_code == 403, who.name
    wish.refresh_from_db()
    assert wish.state == WishState.POSTED


def test_a_member_fulfils_with_a_photo_and_it_is_public_once_confirmed(
    client: Client, c: vf.Crew, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    client.force_login(c.member)
    mine = text(client.get(reverse("serve:wishes_mine")))
    assert reverse("serve:wish_fulfil", args=[wish.pk]) in mine
    # Another member cannot fulfil it.
    client.force_login(c.volunteer)
    refused = client.post(reverse("serve:wish_fulfil", args=[wish.pk]), {"note": "我来"})
    assert refused.status_code == 403
    client.force_login(c.member)
    empty = client.post(reverse("serve:wish_fulfil", args=[wish.pk]), {"note": ""})
    assert empty.status_code == 400
    response = client.post(
        reverse("serve:wish_fulfil", args=[wish.pk]), {"note": "棉衣送到了", "photo": jpeg()}
    )
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.state == WishState.FULFILLED and wish.fulfilled_photo

    photo = reverse("serve:wish_photo", args=[wish.pk])
    assert client.get(photo).status_code == 200  # the claimer sees it
    anonymous = Client()
    assert anonymous.get(photo).status_code == 404  # not public yet
    assert "棉衣送到了" not in text(anonymous.get(wall_url(c)))

    wishes.wish_confirm(wish=wish, by=By(c.w.dispatcher))
    assert anonymous.get(photo).status_code == 200
    page = text(anonymous.get(wall_url(c)))
    assert "棉衣送到了" in page and photo in page


def test_a_member_gives_a_wish_back(client: Client, c: vf.Crew):
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    client.force_login(c.volunteer)
    assert client.post(reverse("serve:wish_release", args=[wish.pk])).status_code == 403
    client.force_login(c.member)
    assert client.post(reverse("serve:wish_release", args=[wish.pk])).status_code == 302
    wish.refresh_from_db()
    assert wish.state == WishState.POSTED and wish.claimed_by_id is None


# --- The person confirms by a code ----------------------------------------------------------


def fulfilled(c: vf.Crew, **overrides: Any) -> Wish:
    wish = post(c, **overrides)
    wishes.wish_claim(wish=wish, by=By(c.member))
    wishes.wish_fulfil(wish=wish, by=By(c.member), note="送到了")
    return wish


def test_the_person_confirms_with_the_code_texted_to_their_phone(
    client: Client, c: vf.Crew, monkeypatch
):
    monkeypatch.setattr(phonecode.secrets, "randbelow", lambda n: 123456)
    wish = fulfilled(c)
    url = reverse("serve:wish_confirm", args=[wish.pk])
    page = text(client.get(url))
    assert "Send me a code" in page and PHONE not in page and NAME not in page
    sent = client.post(url)
    assert sent.status_code == 200 and "6-digit code" in text(sent)
    wrong = client.post(url, {"code": "654321"})
    assert wrong.status_code == 400 and "not right" in text(wrong)
    wish.refresh_from_db()
    assert wish.state == WishState.FULFILLED
    done = client.post(url, {"code": "123456"})
    assert done.status_code == 200 and "confirmed" in text(done)
    wish.refresh_from_db()
    assert wish.state == WishState.CONFIRMED
    # The code is spent: it confirms once.
    assert phonecode.check(PHONE, purpose=f"wish-confirm:{wish.pk}", code="123456") is (
        phonecode.Checked.SPENT
    )


def test_a_code_for_one_wish_does_not_confirm_another(client: Client, c: vf.Crew, monkeypatch):
    monkeypatch.setattr(phonecode.secrets, "randbelow", lambda n: 123456)
    first, second = fulfilled(c), fulfilled(c, title="第二个")
    client.post(reverse("serve:wish_confirm", args=[first.pk]))
    response = client.post(reverse("serve:wish_confirm", args=[second.pk]), {"code": "123456"})
    assert response.status_code == 400
    second.refresh_from_db()
    assert second.state == WishState.FULFILLED


def test_nothing_to_confirm_without_a_phone_or_before_fulfilment(client: Client, c: vf.Crew):
    no_phone = fulfilled(c, person_mobile="")
    waiting = post(c)
    for wish in (no_phone, waiting):
        response = client.post(reverse("serve:wish_confirm", args=[wish.pk]), {"code": "1"})
        assert response.status_code == 200 and "nothing to confirm" in text(response)
        wish.refresh_from_db()
        assert wish.state != WishState.CONFIRMED
    assert client.get(reverse("serve:wish_confirm", args=[999999])).status_code == 404


def test_asking_for_codes_is_rate_limited(client: Client, c: vf.Crew, settings):
    settings.RESIDENT_CODE_LIMIT = 2
    wish = fulfilled(c)
    url = reverse("serve:wish_confirm", args=[wish.pk])
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 429


# --- The console --------------------------------------------------------------------------


def test_staff_list_their_communitys_wishes_and_others_see_none(client: Client, c: vf.Crew):
    wish = post(c)
    url = reverse("volunteers:wishes_list")
    for who in (c.w.dispatcher, c.w.town_staff, c.w.grid_worker, c.w.leader):
        client.force_login(who)
        page = text(client.get(url))
        assert wish.title in page, who.name
        assert wish.title in text(client.get(url, {"state": "posted"})), who.name
        assert wish.title not in text(client.get(url, {"state": "claimed"})), who.name
    client.force_login(c.w.stranger)
    assert wish.title not in text(client.get(url))
    assert wish.title not in text(client.get(url, {"community": c.w.t["comm1"].pk}))
    assert client.get(reverse("volunteers:wish_detail", args=[wish.pk])).status_code == 404
    # Nonsense filters are ignored, never a 500.
    client.force_login(c.w.dispatcher)
    assert client.get(url, {"state": "nope", "community": "x", "page": "z"}).status_code == 200


def test_the_detail_masks_the_phone_and_a_reveal_is_logged(client: Client, c: vf.Crew):
    wish = post(c)
    detail = reverse("volunteers:wish_detail", args=[wish.pk])
    reveal = reverse("volunteers:wish_phone", args=[wish.pk])
    client.force_login(c.w.dispatcher)
    page = text(client.get(detail))
    assert NAME in page and "138****5678" in page and PHONE not in page and reveal in page
    shown = client.post(reveal)
    assert shown.status_code == 200 and PHONE in text(shown)
    log = RevealLog.objects.get()  # one row per reveal
    assert (log.actor_id, log.subject, log.field) == (
        c.w.dispatcher.pk,
        f"wish:{wish.pk}",
        "person_mobile",
    )
    partial = client.post(reveal, headers={"HX-Request": "true"})
    assert text(partial).startswith('<span class="phone" id="wish-phone">')
    assert PHONE in text(partial)
    assert RevealLog.objects.count() == 2
    # A leader reads it masked, with no button, and is refused a reveal.
    client.force_login(c.w.leader)
    page = text(client.get(detail))
    assert "138****5678" in page and PHONE not in page and reveal not in page
    assert client.post(reveal).status_code == 403
    client.force_login(c.w.stranger)
    assert client.post(reveal).status_code == 404
    assert RevealLog.objects.count() == 2


def test_staff_post_a_wish_and_a_double_send_posts_it_once(client: Client, c: vf.Crew):
    client.force_login(c.w.dispatcher)
    url = reverse("volunteers:wish_new")
    form = text(client.get(url))
    key = form.split('name="key" value="')[1].split('"')[0]
    data = {
        "community": c.w.t["comm1"].pk,
        "title": "一个书包",
        "public_name": "小明",
        "person_name": "李小明",
        "person_mobile": "",
        "needed_by": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "key": key,
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second["Location"] == first["Location"]
    assert Wish.objects.filter(title="一个书包").count() == 1


BAD_FORMS = [
    ({"person_mobile": "12345"}, "11-digit mainland mobile"),
    ({"needed_by": "2020-01-01"}, "in the past"),
    ({"public_name": "李小明"}, "full name"),
    ({"needed_by": "tomorrow"}, "Enter a valid date"),
    ({"community": "999999"}, "Select a valid choice"),
]


@pytest.mark.parametrize(("change", "message"), BAD_FORMS)
def test_the_post_form_says_what_to_fix(client: Client, c: vf.Crew, change, message):
    client.force_login(c.w.dispatcher)
    data = {
        "community": c.w.t["comm1"].pk,
        "title": "一个书包",
        "public_name": "小明",
        "person_name": "李小明",
        "person_mobile": "13812345678",
        "needed_by": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    }
    data.update(change)
    response = client.post(reverse("volunteers:wish_new"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert not Wish.objects.exists()


def test_another_communitys_staff_and_a_leader_cannot_post_there(client: Client, c: vf.Crew):
    data = {
        "community": c.w.t["comm1"].pk,
        "title": "一个书包",
        "needed_by": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    }
    client.force_login(c.w.stranger)
    assert client.post(reverse("volunteers:wish_new"), data).status_code == 400  # not a choice
    client.force_login(c.w.leader)
    assert client.post(reverse("volunteers:wish_new"), data).status_code == 403
    assert not Wish.objects.exists()


def test_staff_confirm_send_back_and_withdraw_from_the_console(client: Client, c: vf.Crew):
    wish = fulfilled(c)
    client.force_login(c.w.dispatcher)
    act = lambda w, a, **d: client.post(reverse("volunteers:wish_act", args=[w.pk, a]), d)  # noqa: E731
    response = act(wish, "return")
    assert response.status_code == 400 and "Give a reason" in text(response)
    assert act(wish, "return", reason="没收到").status_code == 302
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED
    wishes.wish_fulfil(wish=wish, by=By(c.member), note="这次送到了")
    assert act(wish, "confirm").status_code == 302
    wish.refresh_from_db()
    assert wish.state == WishState.CONFIRMED
    page = text(client.get(reverse("volunteers:wish_detail", args=[wish.pk])))
    assert "这次送到了" in page and "没收到" in page  # the timeline
    # A wrong state is a 409 with the reason; an unknown action a 404.
    assert act(wish, "withdraw", reason="x").status_code == 409
    assert act(wish, "accept").status_code == 404
    other = post(c, title="撤下")
    assert act(other, "withdraw", reason="家人已买").status_code == 302


def test_a_leader_and_another_communitys_staff_cannot_act(client: Client, c: vf.Crew):
    wish = fulfilled(c)
    url = reverse("volunteers:wish_act", args=[wish.pk, "confirm"])
    client.force_login(c.w.leader)
    assert client.post(url).status_code == 403
    client.force_login(c.w.stranger)
    assert client.post(url).status_code == 404
    wish.refresh_from_db()
    assert wish.state == WishState.FULFILLED
