"""Photos from phones: size-limited, checked to be images, re-encoded, metadata stripped.

Re-encoding from decoded pixels drops every EXIF block, the GPS position included, and any
payload hidden in the file; a PDF or script renamed .jpg fails to decode and is refused.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from civicgrid.core.errors import Invalid

MAX_SIDE = 1600
# Refuse decompression bombs well before they use the machine's memory.
Image.MAX_IMAGE_PIXELS = 50_000_000


def clean_photo(upload: object) -> ContentFile:
    """A re-encoded JPEG of the uploaded image, or Invalid with a message for the resident."""
    name = getattr(upload, "name", "") or "photo"
    size = getattr(upload, "size", None)
    limit = settings.NEED_PHOTO_MAX_MB * 1024 * 1024
    if size is not None and size > limit:
        raise Invalid(
            _("Photo “%(name)s” is %(size).1f MB; each photo may be at most %(max)d MB.")
            % {"name": name, "size": size / 1024 / 1024, "max": settings.NEED_PHOTO_MAX_MB},
            code="photo_too_large",
        )
    try:
        upload.seek(0)  # type: ignore[attr-defined]
        with Image.open(upload) as original:  # type: ignore[arg-type]
            original.load()
            upright = ImageOps.exif_transpose(original)
            pixels = upright.convert("RGB")
            pixels.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            pixels.save(out, format="JPEG", quality=82, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(
            _("“%(name)s” is not a photo we can read. Send a JPEG, PNG or WebP picture.")
            % {"name": name},
            code="photo_not_image",
        ) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex[:12]}.jpg")


def clean_photos(uploads: list[object]) -> list[ContentFile]:
    if len(uploads) > settings.NEED_MAX_PHOTOS:
        raise Invalid(
            _("Send at most %(max)d photos.") % {"max": settings.NEED_MAX_PHOTOS},
            code="too_many_photos",
        )
    return [clean_photo(u) for u in uploads]
