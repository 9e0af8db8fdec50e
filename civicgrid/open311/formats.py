"""The two wire formats of GeoReport v2, written from one tree of plain values.

The JSON is the spec's "Spark convention" mapping of the XML: a list root is a bare array,
an object is an element with one child per key, a list inside an object is a wrapper element
holding one child per item (`attributes` → `attribute`). Empty values are never written as
"": they become JSON null and are left out of the XML, except in a service request, whose
every field is an element, empty when the value is (`KEEP_EMPTY`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from django.http import HttpResponse
from django.utils import timezone

from civicgrid.core.writtentimes import WrittenTimes

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


def iso(moment: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """W3C/ISO 8601 with the offset the spec requires, in the site's time zone."""
    return moment.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds")


@functools.cache
def iso_times(zone: dt.tzinfo) -> WrittenTimes:
    """`iso` in `zone`, remembered (`core.writtentimes`): one per zone and process."""
    return WrittenTimes(lambda moment: iso(moment, zone))


# Both writers run once per value of a list of up to a thousand requests (~20,000 values):
# the common types are told apart by `type(…) is`, the zone is looked up once per document.


def _scalar(value: Any, zone: dt.tzinfo) -> Any:
    """The JSON value of a leaf; None for anything empty."""
    kind = type(value)
    if kind is str:
        return value or None
    if value is None:
        return None
    if kind is dt.datetime:
        return iso(value, zone)
    if kind is bool or kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else None  # NaN is not JSON
    if value == "":
        return None
    if isinstance(value, dt.datetime):
        return iso(value, zone)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float):
        return value
    return str(value)


_LEAVES = frozenset({str, int, float, bool, type(None), dt.datetime})


def _plain(value: Any, zone: dt.tzinfo) -> Any:
    kind = type(value)
    if kind in _LEAVES:
        return _scalar(value, zone)
    if kind is dict or (kind is not str and isinstance(value, Mapping)):
        return {str(k): _plain(v, zone) for k, v in value.items()}
    if kind is list or kind is tuple or (kind is not str and isinstance(value, Sequence)):
        return [_plain(v, zone) for v in value]
    return _scalar(value, zone)


def to_json(data: Any, *, plain: bool = False) -> bytes:
    """`plain`: the caller wrote only what `_plain` would leave as it is (strings that are not
    empty, None, numbers, booleans, lists and dicts of them; times already in ISO 8601)."""
    if not plain:
        data = _plain(data, timezone.get_current_timezone())
    try:
        return orjson.dumps(data)  # UTF-8, compact: a thousand requests in ~1 ms (issue 13)
    except orjson.JSONEncodeError:
        # What orjson refuses (a lone surrogate in a description, an integer past 64 bits):
        # the standard library writes it, with the characters UTF-8 cannot carry replaced.
        return json.dumps(data, ensure_ascii=False).encode("utf-8", "replace")


def _text(value: Any, zone: dt.tzinfo) -> str | None:
    leaf = _scalar(value, zone)
    if leaf is None:
        return None
    if leaf is True or leaf is False:
        return "true" if leaf else "false"
    return _NOT_XML.sub("", str(leaf))


def _escape(text: str) -> str:
    """Character data as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _element(out: list[str], tag: str, value: Any, zone: dt.tzinfo) -> None:
    """`<tag>` holding `value`: a mapping's keys or a list's items as children, or text;
    `<tag />` when it holds nothing (ElementTree's own writing, byte for byte)."""
    opened = len(out)
    out.append(f"<{tag}>")
    if type(value) is dict or isinstance(value, Mapping):
        keep = tag in KEEP_EMPTY
        for key, child in value.items():
            _child(out, str(key), child, zone, keep_empty=keep)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item = ITEM_NAMES.get(tag, "item")
        for child in value:
            _child(out, item, child, zone)
    else:
        text = _text(value, zone)
        if text:
            out.append(_escape(text))
    if len(out) == opened + 1:
        out[opened] = f"<{tag} />"
    else:
        out.append(f"</{tag}>")


def _child(
    out: list[str], tag: str, value: Any, zone: dt.tzinfo, *, keep_empty: bool = False
) -> None:
    if type(value) not in _LEAVES and isinstance(value, Mapping | list | tuple):
        _element(out, tag, value, zone)
        return
    text = _text(value, zone)
    if text:
        out.append(f"<{tag}>{_escape(text)}</{tag}>")
    elif text is not None or keep_empty:
        out.append(f"<{tag} />")  # <description /> rather than nothing


class _NotPlain(Exception):
    """Text holding characters XML cannot carry: the general writer drops them."""


def _plain_leaf(value: Any) -> str | None:
    """A leaf of plain data as XML text, unescaped; None for nothing."""
    kind = type(value)
    if kind is str:
        # Printable text holds none of them (they are controls, surrogates, non-characters):
        # the C check spares most values the expression.
        if not value.isprintable() and _NOT_XML.search(value):
            raise _NotPlain
        return value or None
    if value is None:
        return None
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return str(value) if math.isfinite(value) else None
    raise _NotPlain  # not plain after all


def _plain_element(out: list[str], tag: str, value: Any) -> None:
    """`_element` for plain data (see `to_json`). A child is written in place in both
    loops, not by a shared helper: a call per value costs ~1.3 ms of a thousand requests."""
    opened = len(out)
    out.append(f"<{tag}>")
    kind = type(value)
    if kind is dict:
        keep = tag in KEEP_EMPTY
        for key, child in value.items():
            if type(child) is dict or type(child) is list:
                _plain_element(out, key, child)
                continue
            text = _plain_leaf(child)
            if text:
                out.append(f"<{key}>{_escape(text)}</{key}>")
            elif keep:
                out.append(f"<{key} />")
    elif kind is list:
        item = ITEM_NAMES.get(tag, "item")
        for child in value:
            if type(child) is dict or type(child) is list:
                _plain_element(out, item, child)
                continue
            text = _plain_leaf(child)
            if text:
                out.append(f"<{item}>{_escape(text)}</{item}>")
    else:
        text = _plain_leaf(value)
        if text:
            out.append(_escape(text))
    if len(out) == opened + 1:
        out[opened] = f"<{tag} />"
    else:
        out.append(f"</{tag}>")


def to_xml(root: str, data: Any, *, plain: bool = False) -> bytes:
    """`plain`: as for `to_json`. Plain data is written by a leaner walk (a thousand
    requests in about half the time); a value that is not plain after all, or text holding
    characters XML cannot carry (a description with a control character), sends the whole
    document to the general writer, which drops those characters value by value."""
    if plain:
        out = [XML_DECLARATION]
        try:
            _plain_element(out, root, data)
        except _NotPlain:
            pass
        else:
            return "".join(out).encode("utf-8")
    out = [XML_DECLARATION]
    _element(out, root, data, timezone.get_current_timezone())
    return "".join(out).encode("utf-8", "replace")


def render(
    fmt: str, root: str, data: Any, *, status: int = 200, plain: bool = False
) -> HttpResponse:
    """`data` in `fmt`; `root` names the XML root element (the JSON has none). `plain`: see
    `to_json`."""
    body = to_xml(root, data, plain=plain) if fmt == XML else to_json(data, plain=plain)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(
    fmt: str, status: int, descriptions: Sequence[str], *, code: int | None = None
) -> HttpResponse:
    """The spec's error document: `<errors><error><code/><description/></error></errors>`, or
    its JSON array. The body's code is the HTTP status unless a more precise one is given."""
    items = [{"code": code or status, "description": d} for d in descriptions]
    return render(fmt if fmt in FORMATS else XML, "errors", items, status=status)
