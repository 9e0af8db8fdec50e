"""Where a `next` may lead: a page of this site only (no open redirect)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def this_site(request: HttpRequest, url: str) -> bool:
    """Whether `url` is a page of this site: a path, or an address on this host (on https when
    the request came by https). A scheme-relative `//host`, `/\\host`, another host or a
    `javascript:` address is not."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
