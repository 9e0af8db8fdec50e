"""Content-Security-Policy: every page may load scripts, styles and data only from this site.

No 'unsafe-inline' and no 'unsafe-eval': our templates carry no inline <script>, <style>,
style="" or on...= attributes (JavaScript lives in static/js; htmx's indicator <style> is
turned off by the htmx-config meta tag in base.html). Scripts may still set element.style
(Leaflet, ECharts), which CSP allows. Map tiles may come from the MAP_TILE_URL host.
tests/browser/test_csp.py loads the main pages and fails on any violation.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def tile_source(url: str) -> str:
    """The CSP source for a tile URL template: https://{s}.tile.example.cn/{z}/{x}/{y}.png
    gives https://*.tile.example.cn; an empty or relative URL gives ""."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def content_security_policy() -> str:
    images = ["'self'", "data:", "blob:"]
    tiles = tile_source(settings.MAP_TILE_URL)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that has none of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
