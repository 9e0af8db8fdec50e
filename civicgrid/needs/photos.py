"""Photos from phones: size-limited, checked to be images, re-encoded, metadata stripped.

A stored photo keeps its pixels and its orientation, nothing else. The EXIF orientation is
applied to the pixels, colours are converted to sRGB, and the pixels are copied into a new
image that has no `info`: Pillow's JPEG encoder writes a comment (COM), XMP or an ICC profile it
finds in an image's `info`, so re-encoding the decoded image alone kept a `<script>` comment.
No EXIF (GPS position, camera, time), comment, XMP, ICC profile or other APPn marker survives;
a PDF or script renamed .jpg fails to decode and is refused.

The ICC profile is dropped rather than kept: it is free-form bytes (its text tags can carry a
payload like a comment), and converting to sRGB first keeps the colours of a wide-gamut phone
photo (Display P3) right in every browser, which assumes sRGB for an untagged JPEG.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

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
            pixels = _srgb(upright)
            pixels.thumbnail((MAX_SIDE, MAX_SIDE))
            bare = Image.new("RGB", pixels.size)  # a new image: empty `info`, no metadata
            bare.paste(pixels)
            out = io.BytesIO()
            bare.save(out, format="JPEG", quality=82, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(
            _("“%(name)s” is not a photo we can read. Send a JPEG, PNG or WebP picture.")
            % {"name": name},
            code="photo_not_image",
        ) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex[:12]}.jpg")


def _srgb(image: Image.Image) -> Image.Image:
    """The image in RGB, its colours converted to sRGB when it carries another ICC profile."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(
                image.convert("CMYK" if image.mode == "CMYK" else "RGB"),
                source,
                srgb,
                outputMode="RGB",
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken or hostile profile: keep the pixels as they are
    return image.convert("RGB")


def clean_photos(uploads: list[object]) -> list[ContentFile]:
    if len(uploads) > settings.NEED_MAX_PHOTOS:
        raise Invalid(
            _("Send at most %(max)d photos.") % {"max": settings.NEED_MAX_PHOTOS},
            code="too_many_photos",
        )
    return [clean_photo(u) for u in uploads]
