"""Run a benchmark script in a child process and read its rows.

Django is configured once per process, for one database, so bench/run.py runs routing.py and
sweep.py as children with their own DATABASE_URL; each prints its rows (what, value, target,
note) as JSON on its last line when given --json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def rows_from_child(script: str, database_url: str, *, timeout: int) -> list[dict[str, Any]]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.setdefault("SECRET_KEY", "bench-only-secret")
    done = subprocess.run(
        [sys.executable, str(Path(script).resolve()), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(script).name} failed:\n{done.stderr[-3000:]}")
    rows: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows
