"""The log backend: the message in the log, the mobile masked, the openid never whole."""

from __future__ import annotations

import logging
import re

import pytest

from civicgrid.outreach.backends.base import Text
from civicgrid.outreach.backends.log import LogBackend

TEXT = Text(
    kind="taken",
    language="zh-hans",
    body="您的诉求 K7M4QXP2 已有人受理 https://example.org/track/K7M4QXP2?k=abc",
    params={"number": "K7M4QXP2"},
    mobile="13812345678",
    openid="oVxRz5abcdefghijklmnopqrstuv",
)


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "civicgrid.outreach"]


def test_the_message_is_logged_with_the_mobile_masked_and_the_openid_cut(caplog):
    caplog.set_level(logging.INFO, logger="civicgrid.outreach")
    message_id = LogBackend().send(TEXT)
    [line] = logged(caplog)
    assert TEXT.body in line and "taken" in line and message_id in line
    assert "138****5678" in line and "13812345678" not in line
    assert "****stuv" in line and "oVxRz5" not in line


def test_each_message_gets_its_own_id():
    ids = {LogBackend().send(TEXT) for _ in range(3)}
    assert len(ids) == 3 and all(re.fullmatch(r"log-[0-9a-f]{32}", i) for i in ids)


def test_anyone_can_be_told_through_the_log(caplog):
    caplog.set_level(logging.INFO, logger="civicgrid.outreach")
    nobody = Text(kind="received", language="en", body="Need K7M4QXP2 received")
    assert LogBackend().can_send(nobody) and LogBackend().channel == "log"
    LogBackend().send(nobody)
    assert "to nobody: Need K7M4QXP2 received" in logged(caplog)[0]


def test_a_short_openid_is_not_shown_at_all(caplog):
    caplog.set_level(logging.INFO, logger="civicgrid.outreach")
    LogBackend().send(Text(kind="received", language="en", body="hi", openid="abcdef"))
    [line] = logged(caplog)
    assert "to openid ****: hi" in line and "abcdef" not in line
