"""Names kept in three languages: Chinese (`name`, always there), English and traditional
Mongolian when they are filled in. A page shows the one in its language, else the Chinese."""

from __future__ import annotations

from django.utils.translation import get_language

MONGOLIAN = "mn-mong"


def english(language: str | None = None) -> bool:
    """Whether `language` (by default the active one) is English."""
    return (language or get_language() or "").startswith("en")


def mongolian(language: str | None = None) -> bool:
    """Whether `language` (by default the active one) is traditional Mongolian."""
    return (language or get_language() or "") == MONGOLIAN


def localised(
    name: str, name_en: str | None, language: str | None = None, name_mn: str | None = None
) -> str:
    """`name_en` for English and `name_mn` for Mongolian when filled in, else `name`."""
    language = language or get_language() or ""
    if name_en and english(language):
        return name_en
    if name_mn and mongolian(language):
        return name_mn
    return name
