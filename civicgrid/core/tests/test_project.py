"""Project-level promises: health check, settings that fail loudly, the URL map."""

from __future__ import annotations

import os
import subprocess
import sys

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
