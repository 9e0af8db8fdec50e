"""How the API writes JSON, and a way around validating a hot answer twice.

The renderer writes with orjson what ninja's encoder wrote (times as Django writes them, to
the millisecond with "Z"; lazy text; models), compact and in UTF-8: a page of a hundred needs
took ~5 ms in `json` and its encoder's `default`, and takes a fraction of one (issue 13).
What orjson refuses (an integer past 64 bits) goes through ninja's renderer as before.

django-ninja validates what an operation returns against its response schema before writing
it: for a page of a hundred needs that took more time than reading them (issue 13, the
schema's wrapper wraps every row to read each field by name). The selectors behind the hot
reads already shape their rows field for field as the schema says, in its order; `shaped`
writes such an answer as ninja would have written it, without the second pass.
`api/tests/test_rendering.py` holds each of them to its schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from civicgrid.core.writtentimes import WrittenTimes

_NINJA = NinjaJSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_TIMES = WrittenTimes(_NINJA.default)  # a page of needs prints four times each


def _default(value: Any) -> Any:
    """What orjson does not write itself, as ninja's encoder writes it; times remembered."""
    if type(value) is dt.datetime:
        return _TIMES(value)
    return _NINJA.default(value)


class Utf8Renderer(JSONRenderer):
    # Chinese text as UTF-8, not \\uXXXX escapes: a third of the bytes, and readable in curl.
    json_dumps_params = {"ensure_ascii": False}

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        try:
            return orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(request, data, response_status=response_status)


RENDERER = Utf8Renderer()


def shaped(request: HttpRequest, data: Any, *, status: int = 200) -> HttpResponse:
    """`data`, already in its response schema's shape, as the API's JSON."""
    body = RENDERER.render(request, data, response_status=status)
    return HttpResponse(body, status=status, content_type=RENDERER.media_type)
