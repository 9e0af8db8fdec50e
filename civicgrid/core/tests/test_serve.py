"""`civicgrid serve` becomes gunicorn: it answers on the given address, its pid is gunicorn's
master (so SIGTERM from systemd reaches gunicorn), and production settings redirect to https
everywhere except the health check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

PORT = 8601
CIVICGRID = str(Path(sys.executable).with_name("civicgrid"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(path: str) -> tuple[int, dict[str, str]]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(f"http://127.0.0.1:{PORT}{path}", timeout=5) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def _wait_until_up(proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server stopped"
        try:
            _get("/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 30 s")


def production_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a production server (no demo, no debug, https) on a scratch
    database, with nothing collected in STATIC_ROOT."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CIVICGRID_DEMO", "DEBUG", "HTTPS", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        SECRET_KEY="serve-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    return env


def test_serve_execs_gunicorn_which_stops_on_sigterm(tmp_path: Path):
    env = production_env(tmp_path)
    proc = subprocess.Popen(
        [CIVICGRID, "serve", "--bind", f"127.0.0.1:{PORT}", "--workers", "1", "--without-static"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(proc)
        assert "gunicorn" in Path(f"/proc/{proc.pid}/cmdline").read_text()
        status, _ = _get("/healthz")
        assert status == 200  # load balancers may check over plain http
        status, headers = _get("/console/login/")
        assert status == 301
        assert headers["Location"].startswith("https://")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_refuses_nonsense_numbers():
    with pytest.raises(CommandError):
        call_command("serve", "--workers", "1", "--threads", "-1")


def test_serve_refuses_to_start_before_collectstatic(tmp_path: Path):
    env = {**production_env(tmp_path), "LANGUAGE_CODE": "en"}
    done = subprocess.run(
        [CIVICGRID, "serve", "--bind", f"127.0.0.1:{PORT}", "--workers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "civicgrid collectstatic --noinput" in done.stderr


@pytest.mark.django_db
def test_serve_warns_when_the_database_holds_the_demo_region(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from civicgrid.demo.region import ROOT_CODE
    from civicgrid.network.models import NodeKind
    from civicgrid.network.services import node_create

    execs: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: execs.append(argv))
    call_command("serve", "--workers", "1", "--without-static")
    assert len(execs) == 1
    assert "demo" not in capsys.readouterr().err

    node_create(code=ROOT_CODE, name="巴彦淖尔市", kind=NodeKind.LEAGUE, parent=None)
    with translation.override("en"):
        call_command("serve", "--workers", "1", "--without-static")
    err = capsys.readouterr().err
    assert len(execs) == 2
    assert "WARNING" in err
    assert "demo region" in err
    assert "published" in err
