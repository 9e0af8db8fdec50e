"""Intake, reads and their ceiling against a real server on 127.0.0.1, in one table.

    .venv/bin/python bench/run.py [--database-url URL] [--workers 4] [--duration 10]
                                  [--only intake,reads,ceiling,routing,sweep]

What it does (docs/performance.md explains every row and records the figures):

1. Prepares its own PostgreSQL database (created if missing, migrated, the 10,000-grid
   `--scale` city built if absent), a personal API token for a subdistrict's staff member and
   an Open311 application key (both new on every run).
2. Starts the app with `civicgrid serve --bind 127.0.0.1:PORT --workers N` (gunicorn) with
   HTTPS=false and OPEN311_POST_LIMIT raised so that the benchmark is not rate-limited; the
   REST calls carry the token, and token callers are never rate-limited. `civicgrid worker`
   runs beside it (it follows up the new needs) and its CPU is counted with the server's. Both
   are stopped at the end whatever happens.
3. Each cell: a short warm-up, then a fixed duration (or a cap on requests, whichever comes
   first) at concurrency 1, 8 and 32, from a small asyncio HTTP/1.1 keep-alive client on raw
   sockets in this process (its CPU share is reported):
   - intake: POST /api/v1/needs (token, each with its own Idempotency-Key) and Open311
     POST requests.json (api_key), at a random point of the city's grids, a random category;
   - reads: GET /api/v1/needs?limit=100 (a page of 100) and GET /api/v1/needs/<number>.
4. The ceiling: pgbench runs the INSERTs and UPDATEs that intakes really perform (captured from
   real intakes with CaptureQueriesContext, one pgbench script per captured intake, one
   transaction each) at the same concurrencies, so the table shows intake ÷ ceiling.
5. Routing lookups and the deadline sweep over 1,000,000 open needs come from
   bench/routing.py and bench/sweep.py (`measure(database_url)`), run on their own database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://civicgrid:civicgrid@127.0.0.1:5433/civicgrid_bench"
OTHERS_URL = "postgres://civicgrid:civicgrid@127.0.0.1:5433/civicgrid_sweep"
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
PARTS = ("intake", "reads", "ceiling", "statements", "routing", "sweep")
TOWN = "SCALE-D01-T01"  # the token's owner is community staff of this subdistrict
CAPTURED_INTAKES = 20  # real intakes whose statements become pgbench scripts
HOST = "127.0.0.1"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The database and what the clients need -----------------------------------------------


def create_database(url: str) -> None:
    """CREATE DATABASE if it does not exist yet (through the server's `postgres` database)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        say(f"creating database {name}")
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass
class Fixture:
    token: str
    open311_key: str
    categories: list[str]
    points: list[tuple[float, float]]  # (lat, lon) of every small grid of the city
    # The small grids of TOWN: the token's owner enters needs only where their role writes.
    town_points: list[tuple[float, float]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # needs the token's owner may read
    session: str = ""  # a console session cookie of the token's owner
    keys: dict[str, str] = field(default_factory=dict)  # tracking keys of `numbers`
    public_numbers: list[str] = field(default_factory=list)  # needs Open311 shows
    # (start, end) ranges of created_at holding 100 public needs each, as ISO 8601 in UTC
    windows: list[tuple[str, str]] = field(default_factory=list)


def prepare() -> Fixture:
    """Migrate, build the city if absent, make a token and an Open311 key."""
    from django.core.management import call_command

    from civicgrid.api import services as api_services
    from civicgrid.demo.scale import SCALE_CODE, scale_exists
    from civicgrid.needs.models import Category
    from civicgrid.network.models import Node, NodeKind, Person, Role
    from civicgrid.open311 import services as open311_services
    from civicgrid.open311.models import Application
    from civicgrid.seed import seed_everything

    say("migrating")
    call_command("migrate", verbosity=0)
    # The console and resident pages name their files through collectstatic's manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    if not Category.objects.exists():
        seed_everything()
    if not scale_exists():
        say("building the 10,000-grid city (about a minute)")
        call_command("seed_demo", scale=True, verbosity=0)

    quiet_queue()

    person = Person.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__node__code=TOWN)
    staff = person.order_by("pk").first()
    if staff is None:
        raise SystemExit(f"No community staff at {TOWN}: is the scale city complete?")
    for row in staff.api_tokens.filter(revoked_at__isnull=True, name="bench"):
        api_services.token_revoke(person=staff, token_id=row.pk)
    _row, token = api_services.token_create(person=staff, name="bench")

    application = Application.objects.filter(name="bench").first()
    if application is None:
        application, key = open311_services.application_create(name="bench")
    else:
        key = open311_services.application_rotate_key(application=application)

    # Categories a resident may choose (Open311 offers only those) with no required question.
    categories = [
        c.code
        for c in Category.objects.filter(
            is_active=True, shown_to_residents=True, children__isnull=True
        ).prefetch_related("questions")
        if not any(q.required for q in c.questions.all())
    ]
    grids = Node.objects.filter(kind=NodeKind.SMALL_GRID, code__startswith=SCALE_CODE)
    points = [(lat, lon) for lat, lon in grids.values_list("lat", "lon") if lat is not None]
    town = grids.filter(path__startswith=Node.objects.get(code=TOWN).path)
    town_points = [(lat, lon) for lat, lon in town.values_list("lat", "lon") if lat is not None]
    return Fixture(
        token=token,
        open311_key=key,
        categories=categories,
        points=points,
        town_points=town_points,
    )


def quiet_queue() -> None:
    """The worker that runs beside the server is stopped with it, leaving queued deliveries and
    needs to follow up behind, and pgbench's replayed intakes enqueue deliveries of their own;
    the sweep would find the earlier runs' needs overdue. Start from an empty queue, every need
    followed up and no periodic task due for a day, so that the worker's CPU in the table is
    this run's intakes' follow-up and deliveries."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from civicgrid.core.models import Schedule
    from civicgrid.core.scheduler import periodic_tasks
    from civicgrid.needs.workflow import follow_up_pending

    DBTaskResult.objects.all().delete()
    later = timezone.now() + dt.timedelta(days=1)
    for name in periodic_tasks():
        Schedule.objects.update_or_create(name=name, defaults={"next_run_at": later})
    follow_up_pending()


def readable_numbers(fixture: Fixture, *, at_least: int = 200) -> list[str]:
    """Tracking numbers of needs in the token owner's subdistrict (raising some if needed)."""
    from civicgrid.needs import services, workflow
    from civicgrid.needs.models import Category, Need
    from civicgrid.network.models import Node, NodeKind

    town = Node.objects.get(code=TOWN)
    inside = Need.objects.filter(node__path__startswith=town.path)
    missing = at_least - inside.count()
    if missing > 0:
        grids = list(Node.objects.filter(kind=NodeKind.SMALL_GRID, path__startswith=town.path))
        categories = list(Category.objects.filter(code__in=fixture.categories))
        for _i in range(missing):
            services.need_raise(
                by=workflow.RESIDENT,
                category=random.choice(categories),
                description="bench",
                channel="web",
                node=random.choice(grids),
                contact_phone="13800000000",
            )
    return list(inside.order_by("-id").values_list("number", flat=True)[:1000])


def prepare_reads(fixture: Fixture) -> None:
    """What the read rows send: numbers the token's owner may read with their tracking keys,
    a console session of that person, and Open311 date ranges of 100 public needs each."""
    from django.conf import settings
    from django.test import Client

    from civicgrid.api.models import ApiToken
    from civicgrid.needs.tracking import tracking_key
    from civicgrid.open311.selectors import public_requests

    fixture.numbers = readable_numbers(fixture)
    fixture.keys = {n: tracking_key(n) for n in fixture.numbers}
    owner = ApiToken.objects.filter(name="bench", revoked_at__isnull=True).latest("pk").person
    client = Client()
    client.force_login(owner)
    fixture.session = client.cookies[settings.SESSION_COOKIE_NAME].value
    rows = list(
        public_requests().order_by("-created_at", "-id").values_list("number", "created_at")[:5000]
    )
    fixture.public_numbers = [number for number, _at in rows[:1000]]
    for first in range(0, len(rows) - 99, 100):
        newest, oldest = rows[first][1], rows[first + 99][1]
        fixture.windows.append((iso(oldest), iso(newest)))
    if not fixture.windows:
        raise SystemExit("fewer than 100 public needs: run the intake part first")


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- The server -----------------------------------------------------------------------------


class Server:
    """`civicgrid serve` in its own process group, stopped by `stop()` whatever happened."""

    def __init__(self, *, url: str, port: int, workers: int, threads: int) -> None:
        self.port = port
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "HTTPS": "false",
            "ALLOWED_HOSTS": HOST,
            # The benchmark posts far more than an Open311 client may in production.
            "OPEN311_POST_LIMIT": "1000000000",
            "API_TOKEN_CREATES_PER_MINUTE": "1000000000",
            "LOG_LEVEL": "WARNING",
            # Connections kept for the whole run (production: 60 s), so that the CPU of the
            # backends is read from the same processes from start to end of a cell.
            "CONN_MAX_AGE": "3600",
            "DEBUG": "false",
            # Production's way: the worker notifies the dispatchers of new needs and counts
            # them, in batches; its CPU is counted with the server's.
            "INTAKE_FOLLOW_UP": "worker",
        }
        env.pop("CIVICGRID_DEMO", None)
        # The app's settings plus the ceiling views under /bench/ (bench/ceiling.py).
        env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        env["PYTHONPATH"] = os.pathsep.join(x for x in (str(ROOT), env.get("PYTHONPATH")) if x)
        command = [
            str(ROOT / ".venv/bin/civicgrid"),
            "serve",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        # gunicorn puts its working directory first on sys.path: the server runs the tree this
        # script belongs to, as the script itself does (setup_django), whatever PYTHONPATH
        # says. To measure another tree, run that tree's own bench/run.py.
        app_root = ROOT
        self.process = subprocess.Popen(
            command, env=env, cwd=app_root, stdout=self.log, stderr=self.log, start_new_session=True
        )
        self.worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/civicgrid"), "worker"],
            env=env, cwd=app_root, stdout=self.log, stderr=self.log, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise SystemExit(f"the server stopped:\n{self.log.read().decode()[-3000:]}")
            try:
                status, _body = asyncio.run(_one_get(self.port, "/healthz"))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("the server did not answer /healthz within a minute")

    def pids(self) -> list[int]:
        """The gunicorn master and its workers (for their CPU time)."""
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def cpu(self) -> dict[int, float]:
        """The CPU seconds of the web processes and of the worker (under its negated pid)."""
        return {
            **{pid: process_cpu(pid) for pid in self.pids()},
            -self.worker.pid: process_cpu(self.worker.pid),
        }

    def stop(self) -> None:
        for process in (self.process, self.worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # our own process groups only
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.log.close()


# --- The client: asyncio, HTTP/1.1 keep-alive, raw sockets -----------------------------------


class Connection:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, close, chunked = 0, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _sep, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if chunked:
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                body += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            body = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def request(method: str, path: str, *, body: bytes = b"", headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _one_get(port: int, path: str) -> tuple[int, bytes]:
    connection = Connection(port)
    try:
        return await asyncio.wait_for(connection.send(request("GET", path, headers={})), 5)
    finally:
        connection.close()


@dataclass
class Cell:
    latencies: list[float]
    errors: int
    elapsed: float
    client_cpu: float  # seconds of this process's CPU during the measured part
    machine_cpu: float  # seconds of CPU used by the whole machine meanwhile
    server_cpu: float = 0.0  # seconds of CPU of the gunicorn processes and the worker meanwhile
    db_cpu: float = 0.0  # seconds of CPU of the PostgreSQL backends serving the benchmark
    worker_cpu: float = 0.0  # of server_cpu, the worker's (following up new needs)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def machine_busy() -> float:
    """CPU seconds the machine has spent not idle since boot (all cores)."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to `database` (the server's
    persistent connections), read from their process titles."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            found[int(entry.name)] = process_cpu(int(entry.name))
    return found


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by processes alive at the second (a process
    that started in between counts whole; one that ended is left out)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _load(
    port: int,
    make: Callable[[], bytes],
    expect: int,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    cap: int,
    probe: Callable[[], tuple[dict[int, float], dict[int, float]]] | None = None,
) -> Cell:
    start = time.perf_counter()
    measure_from = start + warmup
    end = measure_from + duration
    latencies: list[float] = []
    errors = 0
    last = measure_from
    marks: dict[str, float] = {}
    probed: list[tuple[dict[int, float], dict[int, float]]] = []

    async def one_client() -> None:
        nonlocal errors, last
        connection = Connection(port)
        try:
            while True:
                now = time.perf_counter()
                if now >= end or len(latencies) + errors >= cap:
                    return
                if now >= measure_from and "cpu" not in marks:
                    marks["cpu"], marks["machine"] = own_cpu(), machine_busy()
                    if probe is not None:
                        probed.append(probe())
                raw = make()
                sent = time.perf_counter()
                try:
                    status, _body = await connection.send(raw)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection.close()
                    status = 0
                done = time.perf_counter()
                if sent >= measure_from:
                    if status == expect:
                        latencies.append(done - sent)
                    else:
                        errors += 1
                    last = max(last, done)
        finally:
            connection.close()

    await asyncio.gather(*(one_client() for _i in range(concurrency)))
    client = own_cpu() - marks.get("cpu", own_cpu())
    machine = machine_busy() - marks.get("machine", machine_busy())
    server = db = worker = 0.0
    if probe is not None and probed:
        (server_then, db_then), (server_now, db_now) = probed[0], probe()
        server, db = cpu_spent(server_then, server_now), cpu_spent(db_then, db_now)
        worker = sum(server_now[pid] - server_then.get(pid, 0.0) for pid in server_now if pid < 0)
    return Cell(
        latencies, errors, last - measure_from, client, machine,
        server_cpu=server, db_cpu=db, worker_cpu=worker,
    )  # fmt: skip


def run_cell(port: int, make: Callable[[], bytes], expect: int, **options: Any) -> Cell:
    return asyncio.run(_load(port, make, expect, **options))


def makers(fixture: Fixture) -> dict[str, tuple[Callable[[], bytes], int]]:
    """What each row sends, and the status that counts as success."""
    bearer = {"Authorization": f"Bearer {fixture.token}"}

    def rest_create() -> bytes:
        lat, lon = random.choice(fixture.town_points)
        body = {
            "category": random.choice(fixture.categories),
            "description": "Benchmark: the street lamp is out.",
            "lat": lat,
            "lon": lon,
            "contact_phone": "13800000000",
        }
        headers = {
            **bearer,
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        return request("POST", "/api/v1/needs", body=json.dumps(body).encode(), headers=headers)

    def open311_create() -> bytes:
        lat, lon = random.choice(fixture.points)
        form = {
            "api_key": fixture.open311_key,
            "service_code": random.choice(fixture.categories),
            "description": "Benchmark: the street lamp is out.",
            "lat": lat,
            "long": lon,
            "phone": "13800000000",
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        body = urllib.parse.urlencode(form).encode()
        return request("POST", "/open311/v2/requests.json", body=body, headers=headers)

    return {
        "intake REST POST /api/v1/needs": (rest_create, 201),
        "intake Open311 POST requests.json": (open311_create, 200),
    }


# What each read row is measured against: the bare view returning as many rows.
ONE_ROW = "ceiling: bare view, one row"
HUNDRED_ROWS = "ceiling: bare view, 100 rows"
THOUSAND_ROWS = "ceiling: bare view, 1,000 rows"
NO_PARAMETERS = "read Open311 GET requests.json, no parameters"


@dataclass
class Read:
    make: Callable[[], bytes]
    ceiling: str  # the ceiling row it is divided by ("" for none)
    target: str  # what the issue asks, printed beside the figure
    single: bool = False  # measured at concurrency 1 only


def reads(fixture: Fixture) -> dict[str, Read]:
    """The read rows, each with the ceiling it is compared to."""
    bearer = {"Authorization": f"Bearer {fixture.token}"}
    session = {"Cookie": f"sessionid={fixture.session}"}

    def get(path: str, headers: dict[str, str] | None = None) -> bytes:
        return request("GET", path, headers=headers or {})

    def window() -> str:
        start, end = random.choice(fixture.windows)
        return urllib.parse.urlencode({"start_date": start, "end_date": end})

    def public() -> str:
        return random.choice(fixture.public_numbers)

    def mine() -> str:
        return random.choice(fixture.numbers)

    def tracked() -> bytes:
        number = mine()
        return get(f"/track/{number}/?k={fixture.keys[number]}")

    single, listed = "≥ 65 % of one row", "≥ 50 % of 100 rows"
    return {
        ONE_ROW: Read(lambda: get(f"/bench/one/{public()}"), "", ""),
        HUNDRED_ROWS: Read(lambda: get(f"/bench/hundred?{window()}"), "", ""),
        "read Open311 GET requests/{id}.json": Read(
            lambda: get(f"/open311/v2/requests/{public()}.json"), ONE_ROW, single
        ),
        "read Open311 GET requests.json, 100 items": Read(
            lambda: get(f"/open311/v2/requests.json?{window()}"), HUNDRED_ROWS, listed
        ),
        "read REST GET /api/v1/needs/{number}": Read(
            lambda: get(f"/api/v1/needs/{mine()}", bearer), ONE_ROW, single
        ),
        "read REST GET /api/v1/needs?limit=100": Read(
            lambda: get("/api/v1/needs?limit=100", bearer), HUNDRED_ROWS, listed
        ),
        THOUSAND_ROWS: Read(lambda: get("/bench/thousand"), "", "", single=True),
        NO_PARAMETERS: Read(
            lambda: get("/open311/v2/requests.json"), THOUSAND_ROWS, "≥ 25 req/s", single=True
        ),
        NO_PARAMETERS.replace(".json", ".xml"): Read(
            lambda: get("/open311/v2/requests.xml"), THOUSAND_ROWS, "≥ 25 req/s", single=True
        ),
        "read console needs list": Read(lambda: get("/console/needs/", session), "", ""),
        "read console need page": Read(lambda: get(f"/console/needs/{mine()}/", session), "", ""),
        "read resident tracking page": Read(tracked, "", ""),
    }


# --- The ceiling: pgbench running the statements of real intakes ----------------------------

# Need ids of the captured intakes are drawn from here up, so that they cannot be mistaken for
# any other number in the captured SQL (node ids, counters) when they are replaced.
CAPTURE_IDS_FROM = 9_000_000_000


def capture_intakes(fixture: Fixture, count: int) -> list[str]:
    """pgbench scripts: the INSERT/UPDATE statements of `count` real intakes (the service the
    REST endpoint calls), one transaction each, with the unique values made random."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from civicgrid.api.services import need_raise_once
    from civicgrid.needs import workflow
    from civicgrid.needs.models import Category
    from civicgrid.network.models import Person, Role

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('needs_need', 'id'), %s) "
            "WHERE (SELECT max(id) FROM needs_need) IS NULL OR "
            "(SELECT max(id) FROM needs_need) < %s",
            [CAPTURE_IDS_FROM, CAPTURE_IDS_FROM],
        )
    staff = Person.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__node__code=TOWN)
    by = workflow.By(staff.order_by("pk").first())
    categories = list(Category.objects.filter(code__in=fixture.categories))
    scripts = []
    for _i in range(count):
        lat, lon = random.choice(fixture.town_points)
        key = str(uuid.uuid4())
        # Inline: every write an intake causes, its follow-up included, in its own transaction
        # (the server leaves the follow-up to the worker, which batches it).
        with (
            override_settings(INTAKE_FOLLOW_UP="inline"),
            CaptureQueriesContext(connection) as captured,
        ):
            need, _made = need_raise_once(
                client="bench-capture",
                key=key,
                by=by,
                category=random.choice(categories),
                description="Benchmark: the street lamp is out.",
                channel="api",
                lat=lat,
                lon=lon,
                contact_phone="13800000000",
            )
        scripts.append(to_pgbench(captured.captured_queries, need, key))
    return scripts


def to_pgbench(queries: list[dict[str, str]], need: Any, key: str) -> str:
    lines = ["BEGIN;"]
    for query in queries:
        sql = " ".join(query["sql"].split("\n"))
        if not sql.startswith(("INSERT", "UPDATE")):
            continue  # reads, savepoints and the transaction's own BEGIN/COMMIT
        if sql.startswith('INSERT INTO "needs_need" '):
            unique = "upper(substr(md5(random()::text), 1, 12))"
            sql = sql.replace(f"VALUES ('{need.number}',", f"VALUES ({unique},")
            lines.append(sql + " \\gset")
            continue
        sql = re.sub(rf"\b{need.pk}\b", ":id", sql)
        sql = re.sub(r"VALUES \('[0-9a-f]{32}'::uuid", "VALUES (gen_random_uuid()", sql)
        sql = sql.replace(f"'{key}'", "md5(random()::text)")
        lines.append(sql + ";")
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def pgbench(url: str, scripts: list[str], *, concurrency: int, duration: float) -> Cell:
    parts = urllib.parse.urlsplit(url)
    env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(parts.password or "")}
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index, script in enumerate(scripts):
            path = Path(folder) / f"intake{index}.sql"
            path.write_text(script)
            files += ["-f", str(path)]
        command = [
            PGBENCH, "-n", "-h", parts.hostname or HOST, "-p", str(parts.port or 5432),
            "-U", parts.username or "postgres", "-c", str(concurrency),
            "-j", str(min(concurrency, 2)), "-T", str(max(1, round(duration))), "-l",
            *files, parts.path.lstrip("/"),
        ]  # fmt: skip
        busy = machine_busy()
        done = subprocess.run(
            command, env=env, cwd=folder, capture_output=True, text=True, check=False
        )
        machine = machine_busy() - busy
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{done.stderr[-2000:]}")
        latencies: list[float] = []
        for log in Path(folder).glob("pgbench_log.*"):
            for line in log.read_text().splitlines():
                latencies.append(int(line.split()[2]) / 1e6)
        failed = int(m.group(1)) if (m := re.search(r"failed: (\d+)", done.stdout)) else 0
        tps = re.search(r"tps = ([\d.]+) \(without", done.stdout)
        elapsed = len(latencies) / float(tps.group(1)) if tps else duration
    return Cell(latencies, failed, elapsed, 0.0, machine)


# --- Statements per read: pg_stat_statements with track_planning ----------------------------

STATEMENT_SAMPLES = 40  # requests per read row, one at a time
# The worker beside the server polls its queue and schedule meanwhile: not the reads' work.
WORKER_TABLES = ("django_tasks", "core_schedule")


def statement_table(port: int, fixture: Fixture, url: str) -> list[str]:
    """For each read row: statements per request and their planning and execution time,
    from pg_stat_statements (reset before each row), and the costliest statement."""
    import psycopg

    lines = [
        "| read | statements / request | planning ms / request | execution ms / request "
        "| costliest statement (plan / exec ms per call) |",
        "|---|--:|--:|--:|---|",
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
            tracked = conn.execute("SHOW pg_stat_statements.track_planning").fetchone()
        except psycopg.Error as exc:
            say(f"pg_stat_statements is not available: {str(exc).splitlines()[0]}")
            return [
                "statements: not measured (preload pg_stat_statements and set "
                "pg_stat_statements.track_planning = on; bench/README.md)"
            ]
        if not tracked or tracked[0] != "on":
            say("pg_stat_statements.track_planning is off: planning times will read 0")
        for name, read in reads(fixture).items():
            run_cell(port, read.make, 200, concurrency=1, warmup=0, duration=30, cap=5)
            conn.execute("SELECT pg_stat_statements_reset()")
            cell = run_cell(
                port, read.make, 200, concurrency=1, warmup=0, duration=60, cap=STATEMENT_SAMPLES
            )
            rows = conn.execute(
                """
                SELECT s.query, s.calls, s.total_plan_time, s.total_exec_time
                FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                WHERE d.datname = current_database() AND s.query NOT ILIKE '%pg_stat_statements%'
                """
            ).fetchall()
            rows = [r for r in rows if not any(t in r[0] for t in WORKER_TABLES)]
            done = max(1, len(cell.latencies) + cell.errors)
            calls = sum(r[1] for r in rows)
            plan = sum(r[2] for r in rows)
            execute = sum(r[3] for r in rows)
            top = max(rows, key=lambda r: r[2] + r[3], default=None)
            costliest = ""
            if top is not None:
                text = " ".join(top[0].split())[:90].replace("|", "/")
                costliest = f"{text}… ({top[2] / top[1]:.2f} / {top[3] / top[1]:.2f})"
            lines.append(
                f"| {name} | {calls / done:.1f} | {plan / done:.2f} | {execute / done:.2f} "
                f"| {costliest} |"
            )
    return lines


# --- The table ------------------------------------------------------------------------------


def row(what: str, conc: str, rate: str, p50: str, p99: str, ratio: str, note: str) -> str:
    return f"| {what} | {conc} | {rate} | {p50} | {p99} | {ratio} | {note} |"


def cell_note(cell: Cell, cap: int) -> str:
    notes = []
    if cell.errors:
        notes.append(f"{cell.errors} errors")
    if len(cell.latencies) + cell.errors >= cap:
        notes.append("request cap reached")
    done = len(cell.latencies) + cell.errors
    if done and cell.server_cpu:
        per = 1000 / done
        notes.append(
            f"CPU ms/req: server {cell.server_cpu * per:.1f} (worker {cell.worker_cpu * per:.1f} "
            f"of it), PostgreSQL {cell.db_cpu * per:.1f}, client {cell.client_cpu * per:.2f}"
        )
    if cell.machine_cpu > 0 and cell.client_cpu > 0:
        notes.append(f"client {cell.client_cpu / cell.machine_cpu:.0%} of the machine's CPU")
    return "; ".join(notes)


def other_rows(module_name: str, url: str) -> list[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        module = __import__(module_name)
    except ImportError:
        return [row(f"{module_name}", "", "not run", "", "", "", f"bench/{module_name}.py missing")]
    try:
        results = module.measure(url)
    except Exception as exc:
        return [row(module_name, "", "failed", "", "", "", str(exc).splitlines()[0][:120])]
    lines = []
    for r in results:
        target = f"target {r['target']}" if r["target"] else ""
        note = "; ".join(part for part in (target, r["note"]) if part)
        lines.append(row(r["what"], "", str(r["value"]), "", "", "", note))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="docs/performance.md explains the rows and records the figures.",
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"(default {DEFAULT_URL})")
    parser.add_argument(
        "--others-database-url",
        default=OTHERS_URL,
        help=f"database for the routing and sweep rows (default {OTHERS_URL})",
    )
    parser.add_argument("--port", type=int, default=8621, help="server port (default 8621)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (default 1)")
    parser.add_argument(
        "--concurrency",
        default="1,8,32",
        help="of the intake rows, comma-separated (default 1,8,32)",
    )
    parser.add_argument(
        "--read-concurrency", default="4,8", help="of the read rows, comma-separated (default 4,8)"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per cell (default 2)")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds per cell (default 10)"
    )
    parser.add_argument(
        "--max-requests", type=int, default=20_000, help="cap per cell (default 20000)"
    )
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {', '.join(PARTS)} (default all)",
    )
    args = parser.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if parts - set(PARTS):
        parser.error(f"--only takes {', '.join(PARTS)}")
    levels = [int(c) for c in args.concurrency.split(",")]
    read_levels = [int(c) for c in args.read_concurrency.split(",")]

    lines = [
        row("what", "conc.", "req/s", "p50 ms", "p99 ms", "÷ ceiling", "note"),
        row("---", "--:", "--:", "--:", "--:", "--:", "---"),
    ]
    ceilings: dict[int, float] = {}
    measured: dict[tuple[str, int], Cell] = {}
    statements: list[str] = []
    if parts & {"intake", "reads", "ceiling", "statements"}:
        create_database(args.database_url)
        setup_django(args.database_url)
        fixture = prepare()
        if "ceiling" in parts:
            say(f"capturing {CAPTURED_INTAKES} real intakes for pgbench")
            scripts = capture_intakes(fixture, CAPTURED_INTAKES)
            for level in levels:
                say(f"pgbench, concurrency {level}")
                cell = pgbench(
                    args.database_url, scripts, concurrency=level, duration=args.duration
                )
                ceilings[level] = cell.rate
                measured[("ceiling", level)] = cell
            quiet_queue()  # the deliveries pgbench's scripts enqueued are no one's
        if parts & {"reads", "statements"}:
            prepare_reads(fixture)
        from django.db import connections

        connections.close_all()  # the server has the database to itself
        server = Server(
            url=args.database_url, port=args.port, workers=args.workers, threads=args.threads
        )
        try:
            server.wait_ready()
            # Every worker builds its grid index on its first located request: do that before
            # anything is timed, with more connections than workers so each one gets some.
            say("warming up every worker")
            make, expect = makers(fixture)["intake REST POST /api/v1/needs"]
            run_cell(
                server.port, make, expect, concurrency=2 * args.workers * args.threads,
                warmup=0, duration=max(3.0, args.warmup), cap=args.max_requests,
            )  # fmt: skip
            database = urllib.parse.urlsplit(args.database_url).path.lstrip("/")

            def probe() -> tuple[dict[int, float], dict[int, float]]:
                return server.cpu(), backends_cpu(database)

            wanted = [name for name in makers(fixture) if "intake" in parts]
            for name in wanted:
                make, expect = makers(fixture)[name]
                for level in levels:
                    say(f"{name}, concurrency {level}")
                    measured[(name, level)] = run_cell(
                        server.port,
                        make,
                        expect,
                        concurrency=level,
                        warmup=args.warmup,
                        duration=args.duration,
                        cap=args.max_requests,
                        probe=probe,
                    )
            for name, spec in reads(fixture).items() if "reads" in parts else ():
                for level in [1] if spec.single else read_levels:
                    say(f"{name}, concurrency {level}")
                    measured[(name, level)] = run_cell(
                        server.port,
                        spec.make,
                        200,
                        concurrency=level,
                        warmup=args.warmup,
                        duration=args.duration,
                        cap=args.max_requests,
                        probe=probe,
                    )
            if "statements" in parts:
                statements = statement_table(server.port, fixture, args.database_url)
        finally:
            server.stop()
        for (name, level), cell in measured.items():
            if name == "ceiling":
                continue
            ratio, note = "", cell_note(cell, args.max_requests)
            if name.startswith("intake") and ceilings.get(level):
                ratio = f"{cell.rate / ceilings[level]:.0%}"
            read = reads(fixture).get(name)
            if read is not None:
                base = measured.get((read.ceiling, level))
                if base is not None and base.rate:
                    ratio = f"{cell.rate / base.rate:.0%}"
                note = "; ".join(
                    x for x in (f"target {read.target}" if read.target else "", note) if x
                )
            lines.append(
                row(
                    name, str(level), f"{cell.rate:,.0f}", f"{cell.percentile(50):.1f}",
                    f"{cell.percentile(99):.1f}", ratio, note,
                )
            )  # fmt: skip
        for level in levels:
            cell = measured.get(("ceiling", level))  # type: ignore[assignment]
            if cell is not None:
                lines.append(
                    row(
                        "ceiling: pgbench, an intake's writes", str(level), f"{cell.rate:,.0f}",
                        f"{cell.percentile(50):.1f}", f"{cell.percentile(99):.1f}", "100%",
                        f"{cell.errors} failed" if cell.errors else "",
                    )
                )  # fmt: skip
    for part in ("routing", "sweep"):
        if part in parts:
            say(f"{part} (bench/{part}.py)")
            lines += other_rows(part, args.others_database_url)
        else:
            lines.append(row(part, "", "not run", "", "", "", "left out by --only"))
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nload average at the end (1 / 5 / 15 min): {load} on {os.cpu_count()} cores\n"
        f"server: civicgrid serve --workers {args.workers} --threads {args.threads}; "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per cell (cap {args.max_requests:,})"
    )
    print("\n".join(lines))
    if statements:
        print("\n" + "\n".join(statements))


if __name__ == "__main__":
    main()
