"""Static files collected the production (and demo) way, for tests: core/staticstorage.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def collect(tmp_path: Path, settings: Any, files: dict[str, str]) -> Path:
    """Write `files` (path: text) as the only static source, collect them with the hashed,
    precompressed storage into a fresh STATIC_ROOT, and return it."""
    from django.core.management import call_command

    source = tmp_path / "source"
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "civicgrid.core.staticstorage.StaticStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT
