"""Builders for the privacy tests."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.needs import workflow
from civicgrid.needs.models import Need, Rating
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 160, 90)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def closed_need(w: nf.World, **overrides: Any) -> Need:
    """A need raised in grid A, taken, resolved with a photo and confirmed with a comment."""
    need = nf.raise_need(
        w,
        description="我家楼下路面塌了，电话13912345678",
        address="幸福路8号",
        lat=0.5,
        lon=0.5,
        node=None,
        photos=[jpeg()],
        **overrides,
    )
    workflow.transition(need, Action.TAKE, By(w.grid_worker))
    workflow.transition(need, Action.RESOLVE, By(w.grid_worker), photos=[jpeg("after.jpg")])
    workflow.transition(
        need, Action.CONFIRM, workflow.RESIDENT, rating=Rating.SATISFIED, reason="巴特尔很满意"
    )
    need.refresh_from_db()
    return need
