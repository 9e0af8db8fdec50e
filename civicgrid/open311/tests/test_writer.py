"""The XML writer gives what ElementTree gave for the same tree, byte for byte (it was
written for speed: a list of a thousand requests is ~20,000 values)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.open311 import formats


def reference(root: str, data: Any) -> bytes:
    """The ElementTree writer formats.py used before issue 13, as the oracle."""
    zone = dt.UTC

    def text(value: Any) -> str | None:
        leaf = formats._scalar(value, zone)
        if leaf is None:
            return None
        if isinstance(leaf, bool):
            return "true" if leaf else "false"
        return formats._NOT_XML.sub("", str(leaf))

    def fill(element: ET.Element, value: Any) -> None:
        if isinstance(value, Mapping):
            keep = element.tag in formats.KEEP_EMPTY
            for key, child in value.items():
                add(element, str(key), child, keep_empty=keep)
        elif isinstance(value, Sequence) and not isinstance(value, str):
            item = formats.ITEM_NAMES.get(element.tag, "item")
            for child in value:
                add(element, item, child)
        else:
            element.text = text(value)

    def add(parent: ET.Element, tag: str, value: Any, *, keep_empty: bool = False) -> None:
        if isinstance(value, Mapping | list | tuple):
            fill(ET.SubElement(parent, tag), value)
        elif text(value) is not None:
            ET.SubElement(parent, tag).text = text(value)
        elif keep_empty:
            ET.SubElement(parent, tag)

    element = ET.Element(root)
    fill(element, data)
    return (formats.XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode()


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(alphabet=st.sampled_from("ab <>&\"'\x00\x0b中\ufffe \r\n")),
    st.datetimes(timezones=st.just(dt.UTC)),
)
keys = st.sampled_from(["description", "media_url", "timeline", "values", "lat", "x"])
trees = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
roots = st.sampled_from(["service_requests", "request", "errors", "discovery"])


@settings(max_examples=300, deadline=None)
@given(root=roots, data=trees)
def test_the_xml_writer_matches_elementtree(root: str, data: Any):
    with formats.timezone.override(dt.UTC):
        assert formats.to_xml(root, data) == reference(root, data)


@pytest.mark.django_db
@pytest.mark.parametrize("extensions", ["true", ""])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_requests_are_written_as_plain_values(extensions: str, language: str):
    """The writer gives what `_plain` would leave as it is: the JSON it sends untouched is
    the JSON the general path wrote (no "" for null, times in ISO 8601 in the site's zone)."""
    from django.test import RequestFactory
    from django.utils import translation

    from civicgrid.needs import services, workflow
    from civicgrid.needs.tests import factories as nf
    from civicgrid.open311 import selectors, views

    w = nf.world()
    by = workflow.By(w.dispatcher)
    published = nf.raise_need(w, address="幸福路3号")
    services.need_publish(need=published, by=by)
    dispatched = workflow.need_accept(need=nf.raise_need(w), by=by)
    dispatched = workflow.need_dispatch(need=dispatched, by=by, to=w.unit)
    resolved = nf.force(nf.raise_need(w), state="in_progress", assignee=w.handler)
    resolved = workflow.need_resolve(
        need=resolved, by=workflow.By(w.handler), reason="已修好", public=True
    )
    merged = workflow.need_merge(need=nf.raise_need(w), by=by, into=published)
    assert merged.merged_into_id == published.pk
    with translation.override(language):
        writer = views.RequestWriter(RequestFactory().get("/"), {"extensions": extensions})
        read = selectors.read_requests(selectors.public_requests(), timeline=bool(extensions))
        answer = [writer.row(r) for r in read]
        assert len(answer) == 4
        assert formats._plain(answer, writer.zone) == answer
        assert formats.to_json(answer, plain=True) == formats.to_json(answer)


# What `RequestWriter` hands the writers (`plain=True`): text, None, numbers and booleans, in
# dicts and lists; the text may still hold what XML cannot carry.
plain_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(alphabet=st.sampled_from("ab <>&\"'\x00\x0b中\ufffe \r\n"), min_size=1),
    st.text(alphabet=st.sampled_from("ab <>&\"'中 \r\n"), min_size=1),
)
plain_trees = st.recursive(
    plain_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(root=roots, data=plain_trees)
def test_the_plain_xml_writer_matches_elementtree(root: str, data: Any):
    with formats.timezone.override(dt.UTC):
        assert formats.to_xml(root, data, plain=True) == reference(root, data)


def test_the_plain_xml_writer_writes_a_request_as_the_general_one():
    request = {
        "service_request_id": "N1",
        "status": "open",
        "description": "路灯 <不亮> & 坏了",
        "lat": 40.123,
        "long": float("nan"),
        "media_url": None,
        "extended_attributes": {"overdue": False, "timeline": [], "priority": 2},
    }
    for data in ([request], [request, {"description": "a\x00b"}], [{}], []):
        plain = formats.to_xml("service_requests", data, plain=True)
        assert plain == formats.to_xml("service_requests", data)
    assert b"<media_url />" in plain_one(request)
    assert b"<timeline />" in plain_one(request)


def plain_one(request: dict[str, Any]) -> bytes:
    return formats.to_xml("service_requests", [request], plain=True)


def test_no_character_xml_cannot_carry_is_printable():
    """The plain writer skips its search for text Python calls printable."""
    unwanted = [chr(c) for c in range(0x110000) if formats._NOT_XML.match(chr(c))]
    assert len(unwanted) == 2048 + 29 + 2
    assert not any(c.isprintable() for c in unwanted)


@pytest.mark.django_db
@pytest.mark.parametrize("timeline", [True, False])
def test_the_window_statement_reads_what_the_queryset_reads(timeline: bool):
    from django.utils import timezone

    from civicgrid.needs import services, workflow
    from civicgrid.needs.tests import factories as nf
    from civicgrid.open311 import selectors

    w = nf.world()
    by = workflow.By(w.dispatcher)
    published = nf.raise_need(w, address="幸福路3号")
    services.need_publish(need=published, by=by)
    workflow.need_merge(need=nf.raise_need(w), by=by, into=published)
    workflow.need_accept(need=nf.raise_need(w), by=by)
    nf.raise_need(w, node=w.t["gridC"])
    now = timezone.now()
    for start, end in [
        (now - dt.timedelta(days=90), now),
        (published.created_at, now),
        (now - dt.timedelta(days=90), published.created_at),
        (now - dt.timedelta(days=200), now - dt.timedelta(days=110)),
    ]:
        queryset = (
            selectors.public_requests()
            .filter(created_at__gte=start, created_at__lte=end)
            .order_by("-created_at", "-id")[: selectors.MAX_REQUESTS]
        )
        expected = selectors.read_requests(queryset, timeline=timeline)
        assert selectors.read_window(start, end, timeline=timeline) == expected
    assert len(selectors.read_window(now - dt.timedelta(days=90), now)) == 4


@pytest.mark.django_db
def test_only_lists_filtered_by_their_window_alone_are_read_by_the_statement(client, monkeypatch):
    from civicgrid.open311 import selectors

    calls = []
    real = selectors.read_window
    monkeypatch.setattr(
        selectors, "read_window", lambda *a, **kw: calls.append(a) or real(*a, **kw)
    )
    for query in ("", "?start_date=2026-11-01T00:00:00Z", "?status=open,closed"):
        assert client.get(f"/open311/v2/requests.json{query}").status_code == 200
    assert len(calls) == 3
    for query in ("?status=open", "?service_code=road", "?service_request_id=AB12CD34"):
        assert client.get(f"/open311/v2/requests.json{query}").status_code == 200
    assert len(calls) == 3
