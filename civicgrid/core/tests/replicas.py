"""A "replica" alias for a test, made and removed around it (test_dbrouter.py, test_standby.py)."""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

from civicgrid.core import dbrouter
from civicgrid.core.dbrouter import REPLICA


@contextmanager
def replica_alias(*, connect: bool, **changes: Any) -> Iterator[None]:
    """The test database's settings with `changes` (HOST, PORT, NAME…) as the "replica"
    alias, with no health remembered from before; removed afterwards whatever happened."""
    alias = copy.deepcopy(connections["default"].settings_dict)
    alias.update(changes)
    connections.settings[REPLICA] = alias
    dbrouter.forget_replica_health()
    if connect:
        # Connected here: Django's test case refuses to open connections to aliases the test
        # did not declare, and this alias did not exist when the test case was set up. (The
        # health check opens connections of its own, which the test case does not see.)
        connections[REPLICA].connect()
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        dbrouter.forget_replica_health()


def closed_port() -> int:
    """A local port nothing listens on: a replica that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
