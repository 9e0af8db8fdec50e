"""How the API writes JSON, and a way around validating a hot answer twice.

django-ninja validates what an operation returns against its response schema before writing
it: for a page of a hundred needs that took more time than reading them (issue 13, the
schema's wrapper wraps every row to read each field by name). The selectors behind the hot
reads already shape their rows field for field as the schema says, in its order; `shaped`
writes such an answer as ninja would have written it, without the second pass.
`api/tests/test_rendering.py` holds each of them to its schema.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer


class Utf8Renderer(JSONRenderer):
    # Chinese text as UTF-8, not \\uXXXX escapes: a third of the bytes, and readable in curl.
    json_dumps_params = {"ensure_ascii": False}


RENDERER = Utf8Renderer()


def shaped(request: HttpRequest, data: Any, *, status: int = 200) -> HttpResponse:
    """`data`, already in its response schema's shape, as the API's JSON."""
    body = RENDERER.render(request, data, response_status=status)
    return HttpResponse(body, status=status, content_type=RENDERER.media_type)
