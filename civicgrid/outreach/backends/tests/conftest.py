"""The backends' tests talk to fake providers on 127.0.0.1 and to nothing else."""

from __future__ import annotations

import socket
from typing import Any

import pytest

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would carry the SDKs' requests off this machine (both SDKs
    # honour the variables), and a mistaken endpoint would reach the real provider with test
    # credentials: refuse any connection that is not to 127.0.0.1.
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    connect = socket.socket.connect

    def loopback_only(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
            "127.0.0.1",
            "::1",
        ):
            raise OSError(f"test tried to connect outside 127.0.0.1: {address!r}")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
