"""The resident pages: raising a need without an account, the receipt, the tracking page,
rating and withdrawing through the tracking link."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Channel, Need, NeedPhoto, Rating, State, format_number
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key
from civicgrid.network.models import Role, RoleBinding, place_words
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


def small_jpeg(name: str = "road.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 160, 90)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_data(w: nf.World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": "路面塌了一个坑，车过不去",
        "answer_passable": "no",
        "answer_length_m": "12",
        "place": w.t["gridA"].code,
        "contact_phone": "13912345678",
        "contact_name": "巴特尔",
    }
    data.update(overrides)
    return data


def raise_url(code: str = "roads", **query: str) -> str:
    url = reverse("resident:raise", args=[code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def track(need: Need, key: str | None = None) -> str:
    url = reverse("resident:track", args=[need.number])
    return f"{url}?k={tracking_key(need.number) if key is None else key}"


# --- Raising --------------------------------------------------------------------------------


def test_home_and_category_chooser_offer_only_what_residents_may_raise(client):
    nf.ensure_seed()
    assert client.get("/").status_code == 200
    page = client.get(reverse("resident:choose"), {"at": "X1", "rep": "7"}).content.decode()
    assert raise_url("roads") + "?at=X1&amp;rep=7" in page
    assert "/raise/petitions/" not in page  # not shown to residents
    assert "/raise/infrastructure/" not in page  # a group, not a kind of need
    assert client.get(raise_url("petitions")).status_code == 404
    assert client.get(raise_url("infrastructure")).status_code == 404


def test_raising_through_the_form_creates_a_need_and_shows_the_receipt(client):
    w = nf.world()
    response = client.post(raise_url(), form_data(w, photos=[small_jpeg()], urgent="on"))
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('resident:receipt', args=[need.number])}?k={tracking_key(need.number)}"
    )
    assert need.channel == Channel.WEB and need.node == w.t["gridA"]
    assert need.priority == "urgent" and need.answers == {"passable": "no", "length_m": 12.0}
    assert need.contact_phone == "13912345678" and need.contact_name == "巴特尔"
    assert NeedPhoto.objects.filter(need=need).count() == 1

    receipt = client.get(response["Location"])
    text = receipt.content.decode()
    assert format_number(need.number) in text
    assert f"http://testserver{track(need)}" in text
    assert "no-store" in receipt["Cache-Control"]


def test_the_receipt_needs_the_key_so_the_number_alone_does_not_give_the_link(client):
    w = nf.world()
    need = nf.raise_need(w)
    url = reverse("resident:receipt", args=[need.number])
    assert client.get(url).status_code == 404
    assert client.get(url, {"k": "0123456789"}).status_code == 404
    assert client.get(url, {"k": tracking_key(need.number)}).status_code == 200


def test_location_from_the_phone_routes_to_the_grid_that_contains_it(client):
    w = nf.world()
    response = client.post(raise_url(), form_data(w, place="", lat="0.5", lon="1.5"))
    assert response.status_code == 302
    assert Need.objects.get().node == w.t["gridB"]


def test_a_location_outside_every_grid_is_accepted_unplaced(client):
    # Issue 11: never turned away for where it is (more in test_unplaced.py).
    w = nf.world()
    response = english(client).post(raise_url(), form_data(w, place="", lat="30", lon="30"))
    assert response.status_code == 302
    assert Need.objects.get().unplaced


def test_the_resident_page_keeps_its_own_limit_on_descriptions(client):
    w = nf.world()
    response = english(client).post(raise_url(), form_data(w, description="x" * 2001))
    assert response.status_code == 200 and not Need.objects.exists()
    assert "keep it under 2000" in response.content.decode()


def test_a_qr_code_binds_the_place_and_the_channel(client):
    w = nf.world()
    go = client.get(reverse("resident:go_node", args=[w.t["unitA"].code]))
    assert go["Location"] == f"/raise/?at={w.t['unitA'].code}"
    url = raise_url(at=w.t["unitA"].code)
    page = client.get(url).content.decode()
    assert "A单元" in page
    response = client.post(url, form_data(w, place=""))
    need = Need.objects.get()
    assert response.status_code == 302
    assert need.node == w.t["unitA"] and need.channel == Channel.QR


def test_a_poster_form_changes_place_on_the_same_page(client):
    # Issue 14, point 1: choosing another place is not a link away (which lost what was
    # typed); the picker and the location button are on the poster's own form.
    w = nf.world()
    url = raise_url(at=w.t["unitA"].code)
    page = client.get(url).content.decode()
    assert 'name="place"' in page and 'name="lat"' in page and "data-locate" in page
    assert f'href="{raise_url()}"' not in page
    assert reverse("resident:where") in page


def test_another_place_chosen_on_a_poster_form_keeps_the_scans_attribution(client):
    w = nf.world()
    rep = netf.person("代表", roles=[(Role.REPRESENTATIVE, w.t["big1"])])
    response = client.post(raise_url(rep=str(rep.pk)), form_data(w, place=w.t["gridA"].code))
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.node == w.t["gridA"]
    assert need.channel == Channel.QR and need.source_person == rep


def test_a_location_sent_from_a_poster_form_routes_to_its_grid(client):
    w = nf.world()
    url = raise_url(at=w.t["unitA"].code)
    response = client.post(url, form_data(w, place="", lat="0.5", lon="1.5"))
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.node == w.t["gridB"] and need.channel == Channel.QR


def test_where_names_the_grid_a_location_falls_in(client):
    w = nf.world()
    where = reverse("resident:where")
    found = client.get(where, {"lat": "0.5", "lon": "1.5"})
    assert found.status_code == 200
    assert found.json() == {"found": True, "place": place_words(w.t["gridB"])}
    assert w.t["gridB"].name in found.json()["place"]
    assert client.get(where, {"lat": "30", "lon": "30"}).json() == {"found": False, "place": ""}
    bad = english(client).get(where, {"lat": "north", "lon": "1"})
    assert bad.status_code == 400 and "latitude" in bad.json()["message"]


def test_a_form_sent_back_names_the_grid_its_location_found(client):
    w = nf.world()
    response = client.post(
        raise_url(), form_data(w, place="", lat="0.5", lon="1.5", contact_phone="1")
    )
    assert response.status_code == 200 and not Need.objects.exists()
    assert place_words(w.t["gridB"]) in response.content.decode()


def test_a_representatives_qr_code_records_them_as_the_source(client):
    w = nf.world()
    rep = netf.person("代表", roles=[(Role.REPRESENTATIVE, w.t["big1"])])
    go = client.get(reverse("resident:go_person", args=[rep.pk]))
    assert go["Location"] == f"/raise/?rep={rep.pk}"
    page = client.get(raise_url(rep=str(rep.pk))).content.decode()
    assert "代表" in page
    client.post(raise_url(rep=str(rep.pk)), form_data(w, place=""))
    need = Need.objects.get()
    assert need.source_person == rep and need.node == w.t["big1"] and need.channel == Channel.QR


def test_a_qr_link_to_someone_without_a_public_role_is_not_found(client):
    w = nf.world()
    assert client.get(reverse("resident:go_person", args=[w.leader.pk])).status_code == 404
    assert client.get(reverse("resident:go_node", args=[w.t["banner"].code])).status_code == 404


BAD_INPUT = [
    ("empty_description", {"description": "   "}, "id_description_error", "please write something"),
    ("malformed_phone", {"contact_phone": "1381234"}, "id_contact_phone_error", "not a mobile"),
    ("no_answer", {"answer_passable": ""}, "id_answer_passable_error", "Please answer"),
    ("bad_number", {"answer_length_m": "ten"}, "id_answer_length_m_error", "write a number"),
]


@pytest.mark.parametrize(("case", "overrides", "error_id", "message"), BAD_INPUT)
def test_bad_input_is_explained_in_english_and_nothing_typed_is_lost(
    client, case, overrides, error_id, message
):
    w = nf.world()
    data = form_data(w, urgent="on", anonymous="on", **overrides)
    response = english(client).post(raise_url(), data)
    text = response.content.decode()
    assert response.status_code == 200 and not Need.objects.exists()
    assert f'id="{error_id}"' in text and message in text
    assert '<html lang="en"' in text
    assert 'aria-invalid="true"' in text and 'id="r-errors"' in text
    for name in ("description", "contact_phone", "contact_name"):
        if data[name].strip():
            assert data[name] in text, name
    if overrides.get("place", "x"):
        assert f'value="{w.t["gridA"].code}" selected' in text
    assert 'name="urgent" id="id_urgent" checked' in text
    assert 'name="anonymous" id="id_anonymous" checked' in text
    if data["answer_passable"]:
        assert 'value="no" id="id_answer_passable_2" checked' in text


@pytest.mark.parametrize(("case", "overrides", "error_id", "message"), BAD_INPUT[:2])
def test_bad_input_is_explained_in_chinese_by_default(client, case, overrides, error_id, message):
    w = nf.world()
    response = client.post(raise_url(), form_data(w, **overrides))
    text = response.content.decode()
    assert response.status_code == 200 and not Need.objects.exists()
    assert '<html lang="zh-hans"' in text and f'id="{error_id}"' in text
    data = form_data(w, **overrides)
    for name in ("description", "contact_phone", "contact_name"):
        assert data[name] in text, name


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_twenty_megabyte_photo_is_refused_and_the_rest_is_kept(client, lang):
    w = nf.world()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    big = SimpleUploadedFile("big.jpg", b"\xff" * (20 * 1024 * 1024), content_type="image/jpeg")
    response = client.post(raise_url(), form_data(w, photos=[big]))
    text = response.content.decode()
    assert response.status_code == 200 and not Need.objects.exists()
    assert 'id="id_photos_error1"' in text and "20.0" in text
    assert "巴特尔" in text and "13912345678" in text
    if lang == "en":
        assert "at most 10 MB" in text and "Please choose the photos again" in text


def test_a_pdf_named_jpg_is_refused_with_a_message(client):
    w = nf.world()
    pdf = SimpleUploadedFile("scan.jpg", b"%PDF-1.4\n%fake\n", content_type="image/jpeg")
    response = english(client).post(raise_url(), form_data(w, photos=[pdf]))
    text = response.content.decode()
    assert response.status_code == 200 and not Need.objects.exists()
    assert "“scan.jpg” is not a photo we can read" in text
    assert "路面塌了一个坑" in text


def test_five_photos_are_too_many(client):
    w = nf.world()
    photos = [small_jpeg(f"p{i}.jpg") for i in range(5)]
    response = english(client).post(raise_url(), form_data(w, photos=photos))
    assert "Send at most 4 photos" in response.content.decode()
    assert not Need.objects.exists()


def test_script_in_the_text_is_stored_as_typed_and_shown_escaped(client):
    w = nf.world()
    script = "<script>alert(1)</script> 路坏了"
    # Sent back with an error first: the form shows the text escaped, never as a tag.
    again = client.post(raise_url(), form_data(w, description=script, contact_phone="12"))
    assert "<script>alert(1)" not in again.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 路坏了" in again.content.decode()
    client.post(raise_url(), form_data(w, description=script, contact_name="<b>x</b>"))
    need = Need.objects.get()
    assert need.description == script
    page = client.get(track(need)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


# --- Tracking -------------------------------------------------------------------------------


def test_an_unknown_number_is_not_found(client):
    nf.ensure_seed()
    assert client.get(reverse("resident:track", args=["ABCD2345"])).status_code == 404
    response = english(client).get(reverse("resident:track_lookup"), {"number": "abcd-2345"})
    assert response.status_code == 200 and "We found no need" in response.content.decode()


def test_a_typed_number_opens_the_tracking_page(client):
    w = nf.world()
    need = nf.raise_need(w)
    typed = f"{need.number[:4].lower()} - {need.number[4:]}"
    response = client.get(reverse("resident:track_lookup"), {"number": typed})
    assert response["Location"] == reverse("resident:track", args=[need.number])


def test_a_person_with_several_roles_appears_by_the_first_in_the_public_order(client):
    w = nf.world()
    need = nf.raise_need(w)
    RoleBinding.objects.create(person=w.dispatcher, role=Role.LEADER, node=w.t["banner"])
    RoleBinding.objects.create(person=w.dispatcher, role=Role.GRID_WORKER, node=w.t["gridA"])
    services.need_act(need=need, action="accept", by=workflow.By(w.dispatcher))
    text = english(client).get(reverse("resident:track", args=[need.number])).content.decode()
    assert "Grid worker · A网格" in text
    assert "Community staff · 一社区" not in text and "Leader" not in text


def test_the_tracking_page_shows_the_timeline_and_hides_who_the_people_are(client):
    w = nf.world()
    need = nf.raise_need(w, photos=[small_jpeg()])
    services.need_act(need=need, action="accept", by=workflow.By(w.dispatcher))
    services.need_act(need=need, action="dispatch", by=workflow.By(w.dispatcher), to=w.handler)
    english(client)
    text = client.get(reverse("resident:track", args=[need.number])).content.decode()
    assert "Road damaged" in text and "A网格" in text
    assert "Accepted by the community" in text and "Passed to a handler" in text
    assert "Community staff · 一社区" in text
    for secret in (
        need.contact_phone,
        need.contact_phone[-4:],
        "巴特尔",
        w.dispatcher.name,
        w.dispatcher.mobile,
        w.handler.name,
        w.handler.mobile,
        "路面塌了一个坑",  # the description is shown only with the key
    ):
        assert secret not in text, secret
    photo = NeedPhoto.objects.get(need=need)
    photo_url = reverse("resident:photo", args=[need.number, photo.pk])
    # Photos are public once staff publish the need (needs/publication.py).
    assert photo_url not in text and client.get(photo_url).status_code == 404
    services.need_publish(need=need, by=workflow.By(w.dispatcher))
    assert photo_url in client.get(reverse("resident:track", args=[need.number])).content.decode()
    served = client.get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    other = nf.raise_need(w)
    assert client.get(reverse("resident:photo", args=[other.number, photo.pk])).status_code == 404
    with_key = client.get(track(need)).content.decode()
    assert "路面塌了一个坑" in with_key and "巴特尔" not in with_key


def test_a_merged_need_shows_the_need_it_joined(client):
    w = nf.world()
    first = nf.raise_need(w)
    second = nf.raise_need(w)
    services.need_act(need=second, action="merge", by=workflow.By(w.dispatcher), into=first)
    services.need_act(need=first, action="accept", by=workflow.By(w.dispatcher))
    text = english(client).get(track(second)).content.decode()
    assert "joined with another need" in text and "Accepted by the community" in text
    assert first.number not in text


def resolved_need(w: nf.World) -> Need:
    need = nf.raise_need(w)
    dispatcher = workflow.By(w.dispatcher)
    services.need_act(need=need, action="dispatch", by=dispatcher, to=w.handler)
    services.need_act(need=need, action="take", by=workflow.By(w.handler))
    services.need_act(need=need, action="resolve", by=workflow.By(w.handler), reason="修好了")
    return need


def rate(client: Client, need: Need, rating: str, comment: str = "", **extra: str) -> Any:
    data = {"op": "rate", "rate-rating": rating, "rate-comment": comment}
    data["rate-k"] = extra.pop("k", tracking_key(need.number))
    data.update({f"rate-{k}": v for k, v in extra.items()})
    return client.post(track(need, key=data["rate-k"]), data)


def test_a_satisfied_resident_confirms_and_the_need_closes(client):
    w = nf.world()
    need = resolved_need(w)
    response = rate(client, need, Rating.FAIR, "还行")
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == State.CLOSED and need.rating == Rating.FAIR
    assert need.rating_comment == "还行"
    followed = english(client).get(response["Location"]).content.decode()
    # The flash message is translated when the rating is sent (in the default language, Chinese).
    assert "谢谢您的评价" in followed and "Are you satisfied?" not in followed


def test_dissatisfied_needs_a_comment_and_then_reopens_the_need(client):
    w = nf.world()
    need = resolved_need(w)
    response = rate(english(client), need, Rating.DISSATISFIED, "")
    assert response.status_code == 200
    assert "Tell us what is still wrong" in response.content.decode()
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    response = rate(client, need, Rating.DISSATISFIED, "坑还在")
    need.refresh_from_db()
    assert response.status_code == 302
    assert need.state == State.DISPATCHED and need.rating == Rating.DISSATISFIED
    assert need.events.last().note == "坑还在"


def test_a_wrong_key_is_refused(client):
    w = nf.world()
    need = resolved_need(w)
    response = rate(english(client), need, Rating.SATISFIED, k="0000000000")
    assert response.status_code == 403
    assert "does not match" in response.content.decode()
    need.refresh_from_db()
    assert need.state == State.RESOLVED


def test_the_last_four_digits_of_the_phone_stand_in_for_the_key(client):
    w = nf.world()
    need = resolved_need(w)
    page = english(client).get(reverse("resident:track", args=[need.number])).content.decode()
    assert "Last 4 digits" in page
    assert rate(client, need, Rating.SATISFIED, k="", last4="1234").status_code == 403
    response = rate(client, need, Rating.SATISFIED, k="", last4="5678")
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == State.CLOSED and need.rating == Rating.SATISFIED


def test_a_resident_withdraws_an_open_need_after_confirming(client):
    w = nf.world()
    need = nf.raise_need(w)
    url = track(need)
    data = {"op": "withdraw", "withdraw-k": tracking_key(need.number)}
    unconfirmed = english(client).post(url, data)
    assert unconfirmed.status_code == 200 and "Tick the box" in unconfirmed.content.decode()
    response = client.post(url, {**data, "withdraw-sure": "on", "withdraw-comment": "自己修好了"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == State.WITHDRAWN
    again = client.post(url, {**data, "withdraw-sure": "on"})
    assert again.status_code == 409 and "Withdrawn" in again.content.decode()
    need.refresh_from_db()
    assert need.state == State.WITHDRAWN


def test_rating_a_need_that_is_no_longer_resolved_says_so(client):
    w = nf.world()
    need = resolved_need(w)
    services.need_act(need=need, action="confirm", by=workflow.By(w.dispatcher))
    response = rate(english(client), need, Rating.SATISFIED)
    assert response.status_code == 409 and "it cannot be changed" in response.content.decode()
