"""Photos keep their pixels and their orientation, nothing else (issue 11, point 10): a JPEG
comment carrying a script, the EXIF block with the GPS position, XMP and ICC are all gone from
what is stored, whether the photo came through the service or through the resident form."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.needs.models import Need, NeedPhoto
from civicgrid.needs.photos import clean_photo
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tests.test_resident_views import form_data, raise_url

SCRIPT = b"<script>alert(document.cookie)</script>"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">xmp-secret-payload</x:xmpmeta>'
GPS_MARK = b"GPS-secret-place"
ICC_MARK = b"icc-secret-profile"


def hostile_jpeg() -> bytes:
    """A 60 × 20 picture, red on its left half, stored sideways (EXIF orientation 6: rotate
    90° clockwise to view), with every kind of metadata a phone or an attacker adds."""
    image = Image.new("RGB", (60, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 30, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010E] = GPS_MARK.decode()  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    gps[27] = GPS_MARK  # GPSProcessingMethod
    out = io.BytesIO()
    image.save(
        out,
        format="JPEG",
        quality=95,
        exif=exif.tobytes(),
        comment=SCRIPT,
        xmp=XMP,
        icc_profile=ICC_MARK * 4,
    )
    data = out.getvalue()
    for mark in (SCRIPT, b"xmp-secret-payload", GPS_MARK, ICC_MARK):
        assert mark in data  # the test file carries what the upload must lose
    return data


def assert_clean(stored: bytes) -> None:
    for mark in (SCRIPT, b"<script", b"xmp-secret-payload", b"xmpmeta", GPS_MARK, ICC_MARK):
        assert mark not in stored, mark
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "comment" not in image.info
        assert "xmp" not in image.info and "icc_profile" not in image.info
        assert not [m for m, _data in getattr(image, "applist", []) if m != "APP0"]
        # Orientation applied to the pixels: the sideways 60 × 20 is now upright 20 × 60,
        # and the red half (the picture's left) is at the top once turned clockwise.
        assert image.size == (20, 60)
        rgb = image.convert("RGB")
        top, bottom = rgb.getpixel((10, 5)), rgb.getpixel((10, 55))
        assert isinstance(top, tuple) and isinstance(bottom, tuple)
        assert top[0] > 200 and top[2] < 60
        assert bottom[2] > 200 and bottom[0] < 60


def test_the_photo_service_keeps_pixels_and_orientation_only():
    upload = SimpleUploadedFile("x.jpg", hostile_jpeg(), content_type="image/jpeg")
    assert_clean(clean_photo(upload).read())


@pytest.mark.django_db
def test_a_photo_sent_through_the_resident_form_is_stored_without_its_metadata(client):
    w = nf.world()
    upload = SimpleUploadedFile("x.jpg", hostile_jpeg(), content_type="image/jpeg")
    response = client.post(raise_url(), form_data(w, photos=[upload]))
    assert response.status_code == 302
    photo = NeedPhoto.objects.get(need=Need.objects.get())
    with photo.image.open("rb") as stored:
        assert_clean(stored.read())
