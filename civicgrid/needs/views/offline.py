"""The service worker of the resident pages, served from the site's root so that it may look
after every resident page (a worker's scope is the folder it is served from).

It keeps the resident shell on the device: the home page, the category list, the lookups and
the stylesheet, scripts and Mongolian font they use, so that a resident without signal can
still open the intake form; `static/js/offline.js` keeps what is typed and sends it later.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import PrefixNode, static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

# What the worker stores when it is installed: these pages and these files.
SHELL_PAGES = ("resident:home", "resident:choose", "resident:track_lookup")
SHELL_FILES = (
    "css/resident.css",
    "js/intake.js",
    "js/offline.js",
    "img/favicon.svg",
    "vendor/noto-sans-mongolian-2.001/NotoSansMongolian-Regular.woff2",
)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    pages = [reverse(name) for name in SHELL_PAGES]
    files = [static(path) for path in SHELL_FILES]
    # A new version whenever a file's hashed name changes: the worker then replaces its cache.
    version = hashlib.sha256(json.dumps([pages, files]).encode()).hexdigest()[:12]
    body = render_to_string(
        "needs/offline/sw.js",
        {
            "version": json.dumps(f"civicgrid-{version}"),
            "shell": json.dumps(pages + files),
            # Not static(""): the hashed-names storage has no entry for a folder.
            "static_prefix": json.dumps(PrefixNode.handle_simple("STATIC_URL")),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    patch_cache_control(response, no_cache=True)  # the browser checks for a new one each time
    return response
