"""Hostile input on the resident raise form: oversized, malformed, wrong-type, script-bearing
and non-image uploads. Each is refused with a message next to its field (the rest of what was
typed kept) or stored as plain text and shown escaped; none is a server error."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def w() -> nf.World:
    return nf.world()


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form(w: nf.World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": "路灯坏了",
        "answer_passable": "no",
        "place": w.t["gridA"].code,
        "contact_phone": "13912345678",
        "contact_name": "巴特尔",
    }
    data.update(overrides)
    return data


RAISE = "/raise/roads/"


def refused(response: Any, field_id: str, message: str) -> str:
    """The form came back (200, nothing saved) with `message` next to the field."""
    text = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert not Need.objects.exists()
    assert f'id="{field_id}"' in text, field_id
    assert message in text
    return text


# --- Oversized ------------------------------------------------------------------------------


def test_a_one_megabyte_description_is_refused_next_to_the_field(client, w):
    text = refused(
        english(client).post(RAISE, form(w, description="坑" * 1024 * 1024)),
        "id_description_error",
        "Description is 1048576 characters long; keep it under 2000.",
    )
    assert "13912345678" in text and "巴特尔" in text


def test_a_ten_thousand_character_name_is_refused_next_to_the_field(client, w):
    text = refused(
        english(client).post(RAISE, form(w, contact_name="名" * 10_000)),
        "id_contact_name_error",
        "Name is 10000 characters long; keep it under 64.",
    )
    assert "路灯坏了" in text and "13912345678" in text


def test_a_body_too_large_to_read_gets_an_explained_page_in_the_readers_language(client, w):
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = english(client).post(RAISE, form(w, description=big))
    assert response.status_code == 413
    text = response.content.decode()
    assert "Too much to send" in text and "larger than we can accept" in text
    assert "at most 4 photos of at most 10 MB each" in text and '<html lang="en"' in text
    assert not Need.objects.exists()
    chinese = Client().post(RAISE, form(w, description=big))
    assert chinese.status_code == 413 and '<html lang="zh-hans"' in chinese.content.decode()


# --- Malformed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("north", "east", "We could not read your location"),
        ("NaN", "NaN", "not a valid latitude and longitude"),
        ("Infinity", "-Infinity", "not a valid latitude and longitude"),
        ("91", "0.5", "not a valid latitude and longitude"),
        ("0.5", "181", "not a valid latitude and longitude"),
        ("1e400", "0.5", "not a valid latitude and longitude"),
        ("0.5", "", "We could not read your location"),
    ],
)
def test_a_location_that_is_not_a_point_is_refused_next_to_the_place(client, w, lat, lon, message):
    data = form(w, place="", lat=lat, lon=lon)
    text = refused(english(client).post(RAISE, data), "id_place_error", message)
    assert "路灯坏了" in text


def test_invalid_utf8_is_read_as_replacement_characters_not_a_crash(client, w):
    body = (
        "description=%E8%B7%AF%FF%FE%C0%AF&answer_passable=no"
        f"&place={w.t['gridA'].code}&contact_phone=13912345678&contact_name=%ED%A0%80"
    )
    response = client.post(RAISE, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.description.startswith("路") and "\ufffd" in need.description
    need.description.encode("utf-8")  # storable and printable: no lone surrogates


def test_invalid_utf8_in_a_multipart_field_is_no_crash(client, w):
    boundary = "XyZ"
    parts = [
        ("description", b"\xe8\xb7\xaf\xff\xfe bad bytes"),
        ("answer_passable", b"no"),
        ("place", w.t["gridA"].code.encode()),
        ("contact_phone", b"13912345678"),
    ]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in parts
    )
    body += f"--{boundary}--\r\n".encode()
    response = client.post(RAISE, body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    assert "\ufffd" in Need.objects.get().description


def test_multipart_garbage_is_no_crash(client, w):
    garbage = b"--nope\r\nthis is not multipart\x00\xff\r\n"
    response = client.post(RAISE, garbage, content_type="multipart/form-data; boundary=XyZ")
    assert response.status_code in (200, 400)
    assert not Need.objects.exists()
    no_boundary = client.post(RAISE, garbage, content_type="multipart/form-data")
    assert no_boundary.status_code in (200, 400)


def test_json_sent_to_the_form_is_refused_like_an_empty_form(client, w):
    response = english(client).post(RAISE, form(w), content_type="application/json")
    refused(response, "id_description_error", "please write something")


def test_arrays_where_one_value_goes_take_one_value_or_are_refused(client, w):
    data = form(
        w,
        description=["第一", "第二"],
        place=[w.t["gridB"].code, w.t["gridA"].code],
        contact_phone=["abc", "13912345678"],
    )
    response = client.post(RAISE, data)
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.description == "第二" and need.node == w.t["gridA"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"place": "no-such-place"},
        {"place": str(2**70)},
        {"place": "-1"},
        {"answer_passable": "maybe"},
    ],
)
def test_unknown_choices_are_refused_next_to_their_field(client, w, overrides):
    response = english(client).post(RAISE, form(w, **overrides))
    text = response.content.decode()
    assert response.status_code == 200 and not Need.objects.exists()
    assert 'class="r-error"' in text and "路灯坏了" in text


@pytest.mark.parametrize(
    "url",
    [
        "/raise/no-such-kind/",
        "/raise/" + "x" * 5000 + "/",
        "/track/" + "X" * 5000 + "/",
        "/track/ABCD2345/photo/99999999999999999999999999/",
        "/q/p/99999999999999999999999999/",
        "/poster/o/99999999999999999999999999/",
    ],
)
def test_unknown_kinds_numbers_and_ids_are_not_found(client, w, url):
    assert client.get(url).status_code == 404


HUGE = "99999999999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/console/network/{HUGE}/",
        f"/console/network/{HUGE}/children/",
        f"/console/inbox/{HUGE}/",
        f"/console/needs/ABCD2345/photos/{HUGE}/",
        f"/console/map/?node={HUGE}",
        f"/console/needs/posters/?node={HUGE}",
        f"/dashboard/?node={HUGE}",
        f"/dashboard/ledgers/kpis.xlsx?node={HUGE}",
        f"/console/needs/?node={HUGE}&category={HUGE}&page={HUGE}",
    ],
)
def test_huge_ids_in_console_addresses_are_not_found_or_refused(client, w, url):
    client.force_login(w.dispatcher)
    assert client.get(url).status_code in (200, 400, 404)
    assert client.post(f"/console/tokens/{HUGE}/revoke/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"rep": "99999999999999999999999999"},
        {"rep": "-1"},
        {"at": "x" * 5000},
    ],
)
def test_a_broken_qr_code_binds_nothing(client, w, query):
    page = client.get(RAISE, query)
    assert page.status_code == 200
    response = client.post(f"{RAISE}?{'&'.join(f'{k}={v}' for k, v in query.items())}", form(w))
    assert response.status_code == 302
    assert Need.objects.get().node == w.t["gridA"]


def test_null_bytes_are_refused_next_to_their_field(client, w):
    english(client).post(RAISE, form(w, place="\x00"))
    assert not Need.objects.exists()
    for field in ("description", "contact_name", "contact_phone"):
        data = form(w, **{field: "路\x00灯"})
        text = refused(
            english(client).post(RAISE, data),
            f"id_{field}_error",
            "Null characters are not allowed.",
        )
        assert "13912345678" in text or field == "contact_phone"


@pytest.mark.parametrize(
    "url",
    ["/track/%00/", "/qr/n/%00.svg", "/track/?number=AB%00CD", f"{RAISE}?at=%00", "/q/n/a%00/"],
)
def test_a_null_byte_in_the_address_is_an_explained_400(client, w, url):
    # PostgreSQL can neither store nor compare NUL: refused before any lookup.
    response = english(client).get(url)
    assert response.status_code == 400
    assert "We could not read what was sent" in response.content.decode()


# --- Script-bearing text ----------------------------------------------------------------------


def test_script_bearing_text_is_stored_as_typed_and_never_markup(client, w):
    description = f"{SCRIPT} {IMG} javascript:alert(1)"
    response = client.post(
        RAISE, form(w, description=description, contact_name=IMG[:60], answer_length_m="")
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.description == description and need.contact_name == IMG[:60]
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    escaped_img = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"

    track = client.get(f"/track/{need.number}/?k={tracking_key(need.number)}")
    receipt = client.get(
        reverse("resident:receipt", args=[need.number]), {"k": tracking_key(need.number)}
    )
    staff = Client()
    staff.force_login(w.dispatcher)
    console = staff.get(f"/console/needs/{need.number}/")
    for page in (track, console):
        text = page.content.decode()
        assert page.status_code == 200
        assert escaped_script in text and escaped_img in text
        assert "<script>alert" not in text and "<img src=x" not in text
    assert "<img src=x" not in receipt.content.decode()


# --- Photos -----------------------------------------------------------------------------------


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


NOT_PHOTOS = {
    "text": ("note.jpg", b"just some text, honestly\n" * 40),
    "truncated": ("cut.jpg", jpeg_bytes()[:300]),
    "pdf": ("scan.jpg", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
    "empty": ("empty.jpg", b""),
    "svg": ("vector.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
}


@pytest.mark.parametrize("kind", NOT_PHOTOS)
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_file_that_is_not_a_photo_is_refused_next_to_the_photo_field(client, w, kind, lang):
    name, content = NOT_PHOTOS[kind]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(RAISE, form(w, photos=[upload], urgent="on"))
    text = response.content.decode()
    assert response.status_code == 200 and not Need.objects.exists()
    assert 'id="id_photos_error1"' in text and name in text
    if lang == "en":
        assert "is not a photo we can read" in text
    else:
        assert "is not a photo we can read" not in text  # translated
    assert "路灯坏了" in text and "13912345678" in text and "巴特尔" in text
    assert 'name="urgent" id="id_urgent" checked' in text


def test_a_twenty_megabyte_photo_is_refused_and_a_small_one_beside_it_is_not_kept(client, w):
    big = SimpleUploadedFile("big.jpg", b"\xff" * (20 * 1024 * 1024), content_type="image/jpeg")
    fine = SimpleUploadedFile("fine.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = english(client).post(RAISE, form(w, photos=[fine, big]))
    text = refused(response, "id_photos_error1", "each photo may be at most 10 MB")
    assert "Please choose the photos again" in text and "路灯坏了" in text


def test_photos_larger_than_the_memory_threshold_are_read_from_disk_and_accepted(client, w):
    # Past FILE_UPLOAD_MAX_MEMORY_SIZE Django streams an upload to a temporary file.
    noisy = Image.effect_noise((2000, 2000), 90).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE < len(out.getvalue()) < 10 * 1024 * 1024
    upload = SimpleUploadedFile("noise.png", out.getvalue(), content_type="image/png")
    response = client.post(RAISE, form(w, photos=[upload]))
    assert response.status_code == 302
    assert Need.objects.get().photos.count() == 1
