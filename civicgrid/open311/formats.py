"""The two wire formats of GeoReport v2, written from one tree of plain values.

The JSON is the spec's "Spark convention" mapping of the XML: a list root is a bare array,
an object is an element with one child per key, a list inside an object is a wrapper element
holding one child per item (`attributes` → `attribute`). Empty values are never written as
"": they become JSON null and are left out of the XML, except in a service request, whose
every field is an element, empty when the value is (`KEEP_EMPTY`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

XML = "xml"
JSON = "json"
FORMATS = (XML, JSON)
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

# The element name of one item of each list, as the spec and its extensions name them.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
    "timeline": "event",
}

# Items whose empty fields are written as empty elements rather than left out: clients (the
# PyPI `georeport` client) index a request's fields directly and fail on a missing one.
KEEP_EMPTY = frozenset({"request"})

# Characters XML 1.0 cannot carry at all, even escaped. Error descriptions may quote what a
# client sent, control characters included; they must not make the document unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def iso(moment: dt.datetime) -> str:
    """W3C/ISO 8601 with the offset the spec requires, in the site's time zone."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _scalar(value: Any) -> Any:
    """The JSON value of a leaf; None for anything empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN is not JSON
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return _scalar(value)


def to_json(data: Any) -> bytes:
    return json.dumps(_plain(data), ensure_ascii=False).encode("utf-8", "replace")


def _text(value: Any) -> str | None:
    leaf = _scalar(value)
    if leaf is None:
        return None
    if isinstance(leaf, bool):
        return "true" if leaf else "false"
    return _NOT_XML.sub("", str(leaf))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        keep = element.tag in KEEP_EMPTY
        for key, child in value.items():
            _add(element, str(key), child, keep_empty=keep)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _add(element, item, child)
    else:
        element.text = _text(value)


def _add(parent: ET.Element, tag: str, value: Any, *, keep_empty: bool = False) -> None:
    if isinstance(value, Mapping | list | tuple):
        _fill(ET.SubElement(parent, tag), value)
    elif _text(value) is not None:
        ET.SubElement(parent, tag).text = _text(value)
    elif keep_empty:
        ET.SubElement(parent, tag)  # <description /> rather than nothing


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return (XML_DECLARATION + body).encode("utf-8", "replace")


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """`data` in `fmt`; `root` names the XML root element (the JSON has none)."""
    body = to_xml(root, data) if fmt == XML else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(
    fmt: str, status: int, descriptions: Sequence[str], *, code: int | None = None
) -> HttpResponse:
    """The spec's error document: `<errors><error><code/><description/></error></errors>`, or
    its JSON array. The body's code is the HTTP status unless a more precise one is given."""
    items = [{"code": code or status, "description": d} for d in descriptions]
    return render(fmt if fmt in FORMATS else XML, "errors", items, status=status)
