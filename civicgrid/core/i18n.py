"""Names kept in two languages: the English one when the page is in English and there is one."""

from __future__ import annotations

from django.utils.translation import get_language


def english(language: str | None = None) -> bool:
    """Whether `language` (by default the active one) is English."""
    return (language or get_language() or "").startswith("en")


def localised(name: str, name_en: str | None, language: str | None = None) -> str:
    """`name_en` for English when it is filled in, else `name`."""
    return name_en if name_en and english(language) else name
