"""Every backend is a `Backend`: mypy checks the annotation below against the protocol."""

from __future__ import annotations

from civicgrid.outreach.backends.base import Backend
from civicgrid.outreach.backends.log import LogBackend
from civicgrid.outreach.backends.tencent import TencentSmsBackend
from civicgrid.outreach.backends.wechat import WeChatSubscribeBackend


def test_each_backend_names_its_channel() -> None:
    backends: list[Backend] = [LogBackend(), TencentSmsBackend(), WeChatSubscribeBackend()]
    assert [b.channel for b in backends] == ["log", "sms", "wechat"]
