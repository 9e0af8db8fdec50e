"""The providers' approved templates (`ProviderTemplate`, set up in the admin once a provider
approves them): which one a message of a kind in a language goes out on."""

from __future__ import annotations

from collections.abc import Iterable

from civicgrid.outreach.models import FALLBACK_LANGUAGE, ProviderTemplate


def approved(provider: str, kinds: Iterable[str], language: str) -> dict[str, ProviderTemplate]:
    """Per kind, the provider's active template in `language`, else in FALLBACK_LANGUAGE; a
    kind with neither is absent."""
    chosen: dict[str, ProviderTemplate] = {}
    rows = ProviderTemplate.objects.filter(
        provider=provider,
        kind__in=list(kinds),
        language__in=[language, FALLBACK_LANGUAGE],
        active=True,
    )
    for row in rows:
        if row.kind not in chosen or row.language == language:
            chosen[row.kind] = row
    return chosen
