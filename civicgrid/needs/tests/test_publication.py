"""The publication rule (needs/publication.py): what the public reads of a need on the tracking
page without its key, and how staff publish, unpublish and reply in public (issue 11, point 4)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Category, Channel, Kind, Need, NeedEvent, NeedPhoto
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key

pytestmark = pytest.mark.django_db

# What the attack found in a test need: a name, an address and an ID-card number.
PRIVATE = "我是张三，住幸福路3号2单元501，身份证110101199003071234"
DISPATCH_NOTE = "井盖堵塞，请今天去看一下"


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (90, 90, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("hole.jpg", out.getvalue(), content_type="image/jpeg")


def public_page(client, need: Need) -> str:
    response = client.get(reverse("resident:track", args=[need.number]))
    assert response.status_code == 200
    return response.content.decode()


def owner_page(client, need: Need) -> str:
    url = reverse("resident:track", args=[need.number])
    return client.get(f"{url}?k={tracking_key(need.number)}").content.decode()


# --- The tracking page without its key -----------------------------------------------------


def test_the_public_tracking_page_shows_no_staff_note_resident_comment_or_photo(client):
    w = nf.world()
    need = nf.raise_need(w, description=PRIVATE, photos=[jpeg()])
    dispatcher = workflow.By(w.dispatcher)
    services.need_act(need=need, action="dispatch", by=dispatcher, reason=DISPATCH_NOTE)
    services.need_act(
        need=need, action="withdraw", by=workflow.RESIDENT, reason="别打我电话13811112222"
    )
    page = public_page(client, need)
    for secret in (PRIVATE, DISPATCH_NOTE, "13811112222"):
        assert secret not in page, secret
    photo = NeedPhoto.objects.get(need=need)
    url = reverse("resident:photo", args=[need.number, photo.pk])
    assert url not in page
    assert client.get(url).status_code == 404


def test_the_key_holder_still_sees_their_own_text_and_photos_but_no_internal_note(client):
    w = nf.world()
    need = nf.raise_need(w, description=PRIVATE, photos=[jpeg()])
    services.need_act(
        need=need, action="dispatch", by=workflow.By(w.dispatcher), reason=DISPATCH_NOTE
    )
    page = owner_page(client, need)
    assert PRIVATE in page and DISPATCH_NOTE not in page
    photo = NeedPhoto.objects.get(need=need)
    url = reverse("resident:photo", args=[need.number, photo.pk])
    keyed = f"{url}?k={tracking_key(need.number)}"
    assert keyed.replace("&", "&amp;") in page or keyed in page
    assert client.get(keyed).status_code == 200
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?k=wrongkey00").status_code == 404


def test_a_public_reply_is_shown_to_everyone_and_an_internal_note_to_no_one_outside(client):
    w = nf.world()
    need = nf.raise_need(w)
    by = workflow.By(w.dispatcher)
    services.need_comment(need=need, by=by, text="内部：先别告诉居民")
    services.need_comment(need=need, by=by, text="已安排明天维修", public=True)
    services.need_act(need=need, action="reject", by=by, reason="不属于本社区", public=True)
    page = public_page(client, need)
    assert "已安排明天维修" in page and "不属于本社区" in page
    assert "先别告诉居民" not in page
    assert "先别告诉居民" not in owner_page(client, need)
    assert list(need.events.filter(public=True).values_list("action", flat=True)) == [
        "comment",
        "reject",
    ]


def test_residents_cannot_make_their_comments_public():
    w = nf.world()
    need = nf.force(nf.raise_need(w), state="resolved")
    services.need_act(
        need=need, action="reopen", by=workflow.RESIDENT, reason="还是坏的 13811112222", public=True
    )
    assert not need.events.filter(public=True).exists()


def test_a_published_need_shows_its_summary_to_the_public_never_the_original(client):
    w = nf.world()
    need = nf.raise_need(w, description=PRIVATE, photos=[jpeg()])
    services.need_publish(need=need, by=workflow.By(w.dispatcher), summary="幸福路路面塌陷")
    page = public_page(client, need)
    assert "幸福路路面塌陷" in page and PRIVATE not in page
    photo = NeedPhoto.objects.get(need=need)
    assert client.get(reverse("resident:photo", args=[need.number, photo.pk])).status_code == 200
    services.need_unpublish(need=need, by=workflow.By(w.dispatcher))
    assert "幸福路路面塌陷" not in public_page(client, need)
    assert client.get(reverse("resident:photo", args=[need.number, photo.pk])).status_code == 404
    assert list(need.events.values_list("action", flat=True)) == ["raise", "publish", "unpublish"]


# --- The rule itself --------------------------------------------------------------------------


def _needs_of_every_kind(w: nf.World) -> list[Need]:
    petitions = Category.objects.get(code="petitions")
    made = [nf.raise_need(w)]
    made.append(nf.raise_need(w, anonymous=True))
    made.append(nf.raise_need(w, by=workflow.By(w.dispatcher), channel=Channel.PHONE))
    made.append(nf.force(nf.raise_need(w), category=petitions))
    made.append(nf.force(nf.raise_need(w), kind=Kind.VISIT))
    return made


def test_only_resident_reports_in_public_kinds_can_be_published():
    from civicgrid.needs import publication

    w = nf.world()
    plain, anonymous, by_phone, petition, visit = _needs_of_every_kind(w)
    staff = workflow.By(w.dispatcher)
    services.need_publish(need=plain, by=staff)
    for excluded in (anonymous, by_phone, petition, visit):
        with pytest.raises(services.Invalid):
            services.need_publish(need=excluded, by=staff)
        nf.force(excluded, published_at=plain.published_at)  # even if set behind its back
    for need in Need.objects.select_related("category"):
        assert publication.is_published(need) == (need.pk == plain.pk), need.channel
        assert publication.public_description(need) == (
            need.description if need.pk == plain.pk else ""
        )
    listed = set(Need.objects.filter(publication.published_q()).values_list("pk", flat=True))
    assert listed == {plain.pk}


def test_publishing_is_for_those_who_may_change_the_need():
    w = nf.world()
    need = nf.raise_need(w)
    for outsider in (w.leader, w.stranger):
        with pytest.raises(services.NotAllowed):
            services.need_publish(need=need, by=workflow.By(outsider))
    need.refresh_from_db()
    assert need.published_at is None


def test_a_category_published_by_default_publishes_from_intake_but_never_the_excluded_kinds():
    from civicgrid.needs import publication

    w = nf.world()
    Category.objects.filter(code="roads").update(public_by_default=True)
    plain = nf.raise_need(w, category=Category.objects.get(code="roads"))
    anonymous = nf.raise_need(w, category=Category.objects.get(code="roads"), anonymous=True)
    by_phone = nf.raise_need(
        w,
        category=Category.objects.get(code="roads"),
        by=workflow.By(w.dispatcher),
        channel=Channel.PHONE,
    )
    assert publication.is_published(plain)
    assert not publication.is_published(anonymous)
    assert not publication.is_published(by_phone)


def test_the_public_point_is_coarse():
    from civicgrid.needs import publication

    w = nf.world()
    grid = w.t["gridA"]
    exact = nf.raise_need(w, lat=46.0812345, lon=121.9453999)
    assert publication.public_point(exact) in ((grid.lat, grid.lon), (46.081, 121.945))
    assert publication.public_point(exact) != (exact.lat, exact.lon)
    type(grid).objects.filter(pk=grid.pk).update(lat=None, lon=None)
    again = Need.objects.select_related("node").get(pk=exact.pk)
    assert publication.public_point(again) == (46.081, 121.945)


def test_public_notes_are_staff_replies_only():
    from civicgrid.needs import publication

    w = nf.world()
    need = nf.raise_need(w)
    by = workflow.By(w.dispatcher)
    services.need_comment(need=need, by=by, text="内部")
    services.need_comment(need=need, by=by, text="公开", public=True)
    notes = [publication.public_note(e, need) for e in need.events.all()]
    assert notes == ["", "", "公开"]
    assert NeedEvent.objects.filter(need=need, public=True).count() == 1


# --- The console ------------------------------------------------------------------------------


def test_the_console_says_which_note_is_public_and_publishes_with_a_summary(client):
    w = nf.world()
    need = nf.raise_need(w, description=PRIVATE)
    client.force_login(w.dispatcher)
    detail = reverse("needs:detail", args=[need.number])
    page = client.get(detail).content.decode()
    assert 'name="public"' in page  # the "public reply" tick box, unticked: internal
    assert reverse("needs:publish", args=[need.number]) in page
    client.post(reverse("needs:comment", args=[need.number]), {"text": "内部备注"})
    client.post(reverse("needs:comment", args=[need.number]), {"text": "对外答复", "public": "on"})
    assert dict(need.events.filter(action="comment").values_list("note", "public")) == {
        "内部备注": False,
        "对外答复": True,
    }
    response = client.post(
        reverse("needs:publish", args=[need.number]), {"summary": "幸福路路面塌陷"}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.published_at is not None and need.public_summary == "幸福路路面塌陷"
    client.post(reverse("needs:unpublish", args=[need.number]))
    need.refresh_from_db()
    assert need.published_at is None
    assert list(need.events.filter(action__in=["publish", "unpublish"]).values_list("action")) == [
        ("publish",),
        ("unpublish",),
    ]


def test_a_read_only_leader_cannot_publish(client):
    w = nf.world()
    need = nf.raise_need(w)
    client.force_login(w.leader)
    assert (
        reverse("needs:publish", args=[need.number])
        not in client.get(reverse("needs:detail", args=[need.number])).content.decode()
    )
    response = client.post(reverse("needs:publish", args=[need.number]), {"summary": "x"})
    assert response.status_code == 403
    need.refresh_from_db()
    assert need.published_at is None


def test_an_action_note_is_internal_unless_ticked(client):
    w = nf.world()
    need = nf.raise_need(w)
    client.force_login(w.dispatcher)
    client.post(reverse("needs:act", args=[need.number, "accept"]), {"reason": "内部"})
    client.post(
        reverse("needs:act", args=[need.number, "reject"]),
        {"reason": "不属于本社区", "public": "on"},
    )
    assert dict(need.events.exclude(action="raise").values_list("action", "public")) == {
        "accept": False,
        "reject": True,
    }


def test_the_rest_api_sends_a_public_reply_and_says_which_notes_are_public(client):
    w = nf.world()
    need = nf.raise_need(w)
    client.force_login(w.dispatcher)
    response = client.post(
        f"/api/v1/needs/{need.number}/actions/reject",
        {"reason": "不属于本社区", "public": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    timeline = client.get(f"/api/v1/needs/{need.number}").json()["timeline"]
    assert [(e["action"], e["public"]) for e in timeline] == [("raise", False), ("reject", True)]


def test_the_public_figures_page_carries_nothing_a_resident_typed(client):
    w = nf.world()
    need = nf.raise_need(w, description=PRIVATE)
    services.need_publish(need=need, by=workflow.By(w.dispatcher))
    assert PRIVATE not in client.get("/public/").content.decode()
