"""The demo's published login, as the demo app hands it to core in `DemoConfig.ready()`: core
refuses the password outside demo mode (`loginthrottle`) and `civicgrid serve` warns of a
database holding the demo region, without core importing the demo app."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string

_published: dict[str, str] = {}


def register_demo(*, password: str, exists: str) -> None:
    """`password` is the demo's published password; `exists` the import path of a function
    telling whether the database holds the demo region."""
    _published.update(password=password, exists=exists)


def is_demo_password(password: str) -> bool:
    published = _published.get("password", "")
    return bool(published) and constant_time_compare(password, published)


def demo_exists() -> bool:
    exists = _published.get("exists", "")
    return bool(exists) and bool(import_string(exists)())
