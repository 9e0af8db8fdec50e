"""Finding and calling gunicorn, shared by `civicgrid serve` (production) and `civicgrid demo`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def gunicorn_path() -> str | None:
    """The gunicorn installed beside this Python (the project's .venv), else the PATH's."""
    beside = Path(sys.executable).with_name("gunicorn")
    if beside.exists():
        return str(beside)
    return shutil.which("gunicorn")


def gunicorn_argv(
    gunicorn: str,
    *,
    bind: str,
    workers: int,
    threads: int = 1,
    timeout: int = 30,
    graceful_timeout: int = 30,
    access_log: str = "",
) -> list[str]:
    """The command line that serves the project's WSGI application with gunicorn.

    No --preload: each worker imports the project itself and opens its own database
    connection, which it then keeps between requests for CONN_MAX_AGE seconds (workers are
    not recycled, so the connections last). A preloaded master would hand one socket to
    every forked worker.
    """
    argv = [
        gunicorn,
        "civicgrid.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        str(graceful_timeout),
        "--error-logfile",
        "-",
        # gunicorn 24+ opens a control socket in the home folder by default; two servers on
        # one machine (or the demo beside a benchmark) would fight over it.
        "--no-control-socket",
    ]
    if access_log:
        argv += ["--access-logfile", access_log]
    return argv
