"""What the public (the holder of a project's QR link) reads of a key project: its name and
its enterprise, nothing else (no team, no contacts, no matters). Every public surface asks
here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from civicgrid.butler.models import Project


def public_project(project: Project) -> dict[str, Any]:
    mongolian = (get_language() or "").startswith("mn")
    return {
        "name": (project.name_mn if mongolian and project.name_mn else project.name),
        # An organisation's name has no Mongolian form: a Mongolian page names the project.
        "enterprise": "" if mongolian else project.enterprise.name,
    }
