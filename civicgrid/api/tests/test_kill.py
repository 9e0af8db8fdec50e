"""Nothing lost: the app server is killed with SIGKILL in the middle of a stream of creates.

The real server (`civicgrid serve`: gunicorn, two workers) runs against this test's database.
A few clients stream POST /api/v1/needs, each create with its own Idempotency-Key; half-way
the whole server, master and workers, is killed. After a restart: every create that got a
2xx exists exactly once, and retrying every create with its key makes each of the others
exactly once and returns the same need for the answered ones. No need without its key, no
key without its need, one "raise" event each, and the rollups still equal a recount, before
and after the worker follows the needs up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from civicgrid.api.models import IdempotencyKey
from civicgrid.api.tests.conftest import token_of
from civicgrid.core.models import Notification
from civicgrid.insights.kpis import Period
from civicgrid.insights.tests.checks import assert_rollups_equal_a_recount
from civicgrid.needs import workflow
from civicgrid.needs.models import Need, NeedEvent
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import RAISE

CLIENTS = 4
KILL_AFTER = 30  # answered creates before the kill
AFTER_KILL = 0.5  # seconds the clients keep trying against the dead server
TIMEOUT = 5  # seconds a client waits for one answer


def free_port() -> int:
    """A port nothing listens on, chosen by the system among the ephemeral ones: two runs of
    this test at once (developers, helpers) get different ports, so no server answers the
    other's clients."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    """The URL of this test's own database (pytest-django's test_… database or file)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    """`civicgrid serve` in a process group of its own (it execs gunicorn, whose workers
    join the group), with production settings against the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "kill-test-only",
        "HTTPS": "false",
        "DEBUG": "false",
        "CIVICGRID_DEMO": "",
        # One token sends every create of the stream and all their retries.
        "API_TOKEN_CREATES_PER_MINUTE": "100000",
    }
    command = [str(Path(sys.executable).with_name("civicgrid")), "serve"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--without-static"]
    with log.open("ab") as out:
        server = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped at start:\n{log.read_text()[-3000:]}")
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    kill(server)
    pytest.fail(f"the server did not answer within 30 s:\n{log.read_text()[-3000:]}")


def kill(server: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the whole group: the master and every worker, no chance to clean up."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One request on a fresh connection: (status, headers, JSON body). Raises OSError (or
    http.client's errors) when the server refuses, resets or never answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), json.loads(data or b"null")
    finally:
        conn.close()


@dataclass
class Create:
    key: str
    status: int | None = None  # None: refused, reset or never answered
    number: str = ""
    body: Any = None
    refused: bool = False  # sent after the kill: nobody listened


def description(key: str) -> str:
    return f"断电测试 {key}"


def create(port: int, token: str, node_id: int, attempt: Create) -> tuple[int, dict[str, str], Any]:
    body = {
        "category": "roads",
        "description": description(attempt.key),
        "answers": {"passable": "no"},
        "node": node_id,
        "contact_phone": "13912345678",
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": attempt.key,
    }
    return request(port, "POST", "/api/v1/needs", body, headers)


@pytest.mark.django_db(transaction=True)
def test_a_killed_app_server_loses_no_create_and_makes_none_twice(tmp_path):
    w = nf.world()
    token = token_of(w.dispatcher)
    node_id = w.t["gridA"].pk
    log = tmp_path / "server.log"
    creates: list[Create] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            attempt = Create(key=str(uuid.uuid4()))
            with lock:
                creates.append(attempt)
            try:
                status, _headers, body = create(port, token, node_id, attempt)
            except (OSError, http.client.HTTPException) as exc:
                # Refused (sent after the kill), or cut off in flight (reset, no answer).
                attempt.refused = isinstance(exc, ConnectionRefusedError)
                time.sleep(0.05)
                continue
            attempt.status, attempt.body = status, body
            attempt.number = (body or {}).get("number", "")

    port = free_port()
    server = start_server(port, log)
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while sum(c.status is not None for c in creates) < KILL_AFTER:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.01)
        kill(server)
        time.sleep(AFTER_KILL)
        stop.set()
        for t in threads:
            t.join(timeout=TIMEOUT + 5)
        server = start_server(port, log)

        answered = [c for c in creates if c.status is not None]
        lost = [c for c in creates if c.status is None]
        assert {c.status for c in answered} == {201}, [c.body for c in answered][:3]
        in_flight = [c for c in lost if not c.refused]
        assert in_flight, "the kill cut off no create in flight: nothing was tested"
        # Every create that got a 2xx exists, exactly once.
        for c in answered:
            assert Need.objects.filter(number=c.number, description=description(c.key)).exists()
            assert Need.objects.filter(description=description(c.key)).count() == 1
        # Retry every create with its key: the answered ones return their need, the others
        # are made now (or, committed just before the kill, returned).
        made_before_the_kill = 0
        for c in creates:
            status, headers, body = create(port, token, node_id, c)
            if c.status is not None:
                assert (status, body["number"]) == (200, c.number), body
                assert headers.get("Idempotent-Replay") == "true"
            else:
                assert status in (200, 201), body
                made_before_the_kill += status == 200
            assert Need.objects.filter(description=description(c.key)).count() == 1
    finally:
        stop.set()
        kill(server)

    # One need per key, one key per need, one "raise" event per need.
    keys = {c.key for c in creates}
    assert Need.objects.count() == len(keys) == IdempotencyKey.objects.count()
    assert {description(k.key) for k in IdempotencyKey.objects.select_related("need")} == {
        n.description for n in Need.objects.all()
    }
    assert all(
        k.need.description == description(k.key)
        for k in IdempotencyKey.objects.select_related("need")
    )
    raises = NeedEvent.objects.filter(action=RAISE).values("need_id").annotate(n=Count("id"))
    assert len(raises) == len(keys) and {r["n"] for r in raises} == {1}
    today = timezone.localdate()
    period = Period(today - dt.timedelta(1), today)
    # The server runs as in production (INTAKE_FOLLOW_UP=worker): the needs wait for the
    # worker, the rollups already agree with the event log, and after the worker's pass with
    # a count of the raw needs too, each need announced once.
    assert Need.objects.filter(awaiting_follow_up=True).count() == len(keys)
    assert_rollups_equal_a_recount(w.t["league"], period)
    assert workflow.follow_up_pending() == len(keys)
    assert_rollups_equal_a_recount(w.t["league"], period)
    announced = Notification.objects.filter(kind="need_new").values("url").annotate(n=Count("id"))
    assert len(announced) == len(keys)
    print(
        f"\n{len(creates)} creates: {len(answered)} answered before the kill, "
        f"{len(in_flight)} cut off in flight ({made_before_the_kill} of them committed "
        f"unanswered), {len(lost) - len(in_flight)} refused after it"
    )
