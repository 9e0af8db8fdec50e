"""Project-level promises: health check, settings that fail loudly, the URL map."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

PROJECT_ENV = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CIVICGRID_DEMO")}


@pytest.mark.django_db
def test_healthz_answers_200_with_a_small_json_body(client: Client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("url", ["/track/ABC123/", "/api/v1/"])
@pytest.mark.django_db
def test_parts_not_built_yet_answer_404_not_a_placeholder(client: Client, url: str):
    assert client.get(url).status_code == 404


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import civicgrid.settings"],
        env={**PROJECT_ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_settings_refuse_to_start_without_a_secret_key_outside_demo_mode():
    result = _import_settings({})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_demo_mode_starts_without_a_secret_key():
    assert _import_settings({"CIVICGRID_DEMO": "1"}).returncode == 0


def test_a_malformed_boolean_setting_says_what_to_fix():
    result = _import_settings({"CIVICGRID_DEMO": "1", "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_defaults_are_shanghai_time_and_simplified_chinese():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"


def _demo_secret(var_dir: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "from civicgrid import settings; print(settings.SECRET_KEY)"],
        env={**PROJECT_ENV, "CIVICGRID_DEMO": "1", "CIVICGRID_VAR_DIR": str(var_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_demo_secret_key_is_random_per_data_folder_and_kept_private(tmp_path: Path):
    # The secret signs sessions and makes the tracking links' keys: a published constant would
    # let anyone compute the key of any need's link on any demo-built database.
    first, second = tmp_path / "one", tmp_path / "two"
    key = _demo_secret(first)
    assert key == _demo_secret(first)  # kept: links and sessions survive a restart
    assert key != _demo_secret(second)
    assert len(key) >= 50
    assert "demo-only-insecure-key" not in key
    stored = first / "demo-secret-key"
    assert stored.read_text().strip() == key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
