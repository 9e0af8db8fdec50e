"""The two service workers, and the grid worker's home-screen app.

- The resident pages' worker is served from the site's root so that it may look after every
  resident page (a worker's scope is the folder it is served from). It keeps the resident shell
  on the device: the home page, the category list, the lookups and the stylesheet, scripts and
  Mongolian font they use, so that a resident without signal can still open the intake form;
  `static/js/offline.js` keeps what is typed and sends it later.
- The console's worker is served from /console/needs/ and looks after the need pages only: it
  keeps the stylesheet and scripts, and the pages `static/js/console-offline.js` asks it to
  keep (a grid worker's "my needs" list and each need on it), so that they can be read without
  signal, showing when they were synced. What is done without signal is queued by that script.
- The manifest makes the console's need pages installable on a phone's home screen.

Neither the workers nor the manifest hold anything personal: they are served to anyone.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import PrefixNode, static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# What the worker stores when it is installed: these pages and these files.
SHELL_PAGES = ("resident:home", "resident:choose", "resident:track_lookup")
SHELL_FILES = (
    "css/resident.css",
    "js/intake.js",
    "js/device-store.js",
    "js/offline.js",
    "img/favicon.svg",
    "vendor/noto-sans-mongolian-2.001/NotoSansMongolian-Regular.woff2",
)


# The console's worker keeps these files when it is installed; pages only when asked to.
CONSOLE_FILES = (
    "css/civicgrid.css",
    "vendor/htmx-2.0.11/htmx.min.js",
    "js/console.js",
    "js/device-store.js",
    "js/console-offline.js",
    "img/favicon.svg",
    "img/icon-192.png",
)


def _version(*parts: object) -> str:
    # A new version whenever a file's hashed name changes: the worker then replaces its cache.
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


def _script(template: str, context: dict[str, object]) -> HttpResponse:
    body = render_to_string(template, {k: json.dumps(v) for k, v in context.items()})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    patch_cache_control(response, no_cache=True)  # the browser checks for a new one each time
    return response


def _static_prefix() -> str:
    # Not static(""): the hashed-names storage has no entry for a folder.
    return PrefixNode.handle_simple("STATIC_URL")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    pages = [reverse(name) for name in SHELL_PAGES]
    files = [static(path) for path in SHELL_FILES]
    return _script(
        "needs/offline/sw.js",
        {
            "version": f"civicgrid-resident-{_version(pages, files)}",
            "shell": pages + files,
            "static_prefix": _static_prefix(),
        },
    )


@require_GET
def console_service_worker(request: HttpRequest) -> HttpResponse:
    files = [static(path) for path in CONSOLE_FILES]
    return _script(
        "needs/offline/console-sw.js",
        {
            "version": f"civicgrid-console-{_version(files)}",
            "shell": files,
            "static_prefix": _static_prefix(),
            "scope": reverse("needs:list"),
            "login": reverse("console:login"),
        },
    )


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The console's need pages as a home-screen app, opening on the grid worker's list."""
    home = reverse("needs:list")
    body = {
        "name": _("CivicGrid for grid workers"),
        "short_name": _("Grid work"),
        "description": _("Your needs, with or without signal."),
        "lang": get_language(),
        "start_url": f"{home}?tab=mine",
        "scope": home,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3161b",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    patch_cache_control(response, max_age=3600)
    return response
