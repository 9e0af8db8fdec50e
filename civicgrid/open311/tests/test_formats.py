"""The writers: the Spark convention, and no empty strings in either format."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

from civicgrid.open311 import formats


def test_json_is_the_bare_list_with_nulls_for_empty_values():
    data = [{"a": "", "b": None, "c": 1.5, "d": True, "e": float("nan"), "f": []}]
    assert json.loads(formats.to_json(data)) == [
        {"a": None, "b": None, "c": 1.5, "d": True, "e": None, "f": []}
    ]


def test_xml_leaves_empty_values_out_and_names_list_items():
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    body = formats.to_xml(
        "services",
        [{"service_code": "a", "description": "", "metadata": False, "when": moment}],
    )
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><services><service>')
    service = ET.fromstring(body).find("service")  # noqa: S314
    assert service is not None
    assert [c.tag for c in service] == ["service_code", "metadata", "when"]
    assert service.findtext("metadata") == "false"
    assert service.findtext("when") == "2026-01-02T11:04:05+08:00"


def test_xml_drops_characters_it_cannot_carry():
    body = formats.to_xml("errors", [{"code": 400, "description": "a\x00b\x1fc"}])
    assert (
        ET.fromstring(body).findtext(  # noqa: S314
            "error/description"
        )
        == "abc"
    )


def test_json_carries_any_text_and_number_a_client_sent():
    """Text with a lone surrogate (which no UTF-8 can carry) and integers past 64 bits are
    written too: the character replaced, the number whole."""
    data = [{"description": "坑\ud800洞", "big": 2**70, "zh": "路灯不亮", "quote": 'a"b\\c\n'}]
    assert json.loads(formats.to_json(data)) == [
        {"description": "坑?洞", "big": 2**70, "zh": "路灯不亮", "quote": 'a"b\\c\n'}
    ]
    assert "路灯不亮".encode() in formats.to_json([{"zh": "路灯不亮"}])  # UTF-8, not \\u escapes


def test_remembered_times_are_what_iso_writes_in_each_zone():
    import zoneinfo

    zones = [zoneinfo.ZoneInfo("Asia/Shanghai"), zoneinfo.ZoneInfo("Europe/London"), dt.UTC]
    moments = [
        dt.datetime(2026, m, 1, h, 30, 59, 999_999, tzinfo=tz)
        for m in (1, 7)
        for h in (0, 23)
        for tz in (dt.UTC, zoneinfo.ZoneInfo("America/New_York"))
    ]
    for _ in range(2):  # the second time from what was remembered
        for zone in zones:
            times = formats.iso_times(zone)
            assert times is formats.iso_times(zone)
            for moment in moments:
                assert times(moment) == formats.iso(moment, zone)
    assert formats.iso_times(zones[0])(moments[0]) == "2026-01-01T08:30:59+08:00"
