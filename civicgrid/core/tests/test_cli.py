"""The `civicgrid` command on a machine with no configuration: help works, a missing setting
is one line saying what to set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

# Nothing of the project's configuration: no SECRET_KEY, no DATABASE_URL, no settings module.
EMPTY = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}

RUN_CLI = "import sys; from civicgrid.cli import main; main(['civicgrid', *sys.argv[1:]])"

# Every command's --help in one process (one Python start instead of forty-odd); each call
# goes through cli.main as a fresh command line would.
EVERY_HELP = """
import contextlib, io, json, sys
from civicgrid.cli import main
failed = {}
for name in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main(["civicgrid", name, "--help"])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    except Exception as exc:  # noqa: BLE001
        code = repr(exc)
    if code != 0 or "usage: civicgrid " + name not in out.getvalue():
        failed[name] = [code, out.getvalue()[-300:]]
print(json.dumps(failed))
"""


def civicgrid(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-c", RUN_CLI, *args],
        env={**EMPTY, **(env or {})},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_help_lists_every_command_with_no_configuration(tmp_path):
    result = civicgrid(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "not properly configured" not in result.stdout + result.stderr
    for name in ("serve", "worker", "backup", "import_network", "rebuild_rollups", "migrate"):
        assert f"    {name}\n" in result.stdout


@pytest.mark.parametrize("args", [("serve", "--help"), ("help", "serve"), ("serve", "-h")])
def test_a_commands_help_works_with_no_configuration(tmp_path, args):
    result = civicgrid(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: civicgrid serve")
    assert "--bind" in result.stdout


def test_every_commands_help_works_with_no_configuration(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", EVERY_HELP, *sorted(get_commands())],
        env=EMPTY,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {}


def test_a_missing_secret_key_is_one_line_saying_what_to_set(tmp_path):
    result = civicgrid(tmp_path, "serve")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("civicgrid: SECRET_KEY is not set. Set it in the environment")


def test_a_wrong_setting_is_one_line_too_and_traceback_shows_where(tmp_path):
    result = civicgrid(tmp_path, "check", env={"SECRET_KEY": "x", "DEBUG": "maybe"})
    assert (result.returncode, result.stderr) == (
        2,
        "civicgrid: DEBUG must be true or false, not 'maybe'\n",
    )
    traced = civicgrid(tmp_path, "check", "--traceback", env={"SECRET_KEY": "x", "DEBUG": "maybe"})
    assert "Traceback" in traced.stderr and "ImproperlyConfigured" in traced.stderr


def test_help_is_not_taken_for_a_value_after_a_double_dash():
    from civicgrid.cli import asks_for_help

    assert asks_for_help(["civicgrid"])
    assert asks_for_help(["civicgrid", "help", "serve"])
    assert asks_for_help(["civicgrid", "serve", "--help"])
    assert not asks_for_help(["civicgrid", "serve"])
    assert not asks_for_help(["civicgrid", "shell", "--", "--help"])
