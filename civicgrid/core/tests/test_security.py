"""Production security: the deploy check is clean, HTTPS settings follow one switch, every
response carries the Content-Security-Policy, static files are hashed, compressed and cached
for a year."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from civicgrid.core.security import content_security_policy, tile_source

PROJECT_DIR = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    **{
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "CIVICGRID_DEMO",
            "DEBUG",
            "HTTPS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    },
    "SECRET_KEY": "k3Y-for-the-deploy-check-only-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "grid.example.cn",
    "DJANGO_SETTINGS_MODULE": "civicgrid.settings",
}


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_deploy_check_is_clean_with_production_settings(tmp_path: Path):
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = _run(
        "from civicgrid.cli import main; "
        "main(['civicgrid', 'check', '--deploy', '--fail-level', 'WARNING'])",
        env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SHOW = (
    "import civicgrid.settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER is not None)"
)


def _settings(**env: str) -> str:
    result = _run(SHOW, {**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_is_https_by_default_and_https_false_serves_plain_http():
    assert _settings() == "True True True 31536000 False"
    assert _settings(HTTPS="false") == "False False False 0 False"
    assert _settings(CIVICGRID_DEMO="1") == "False False False 0 False"
    # Behind a proxy, its X-Forwarded-Proto says whether the client used https.
    assert _settings(TRUSTED_PROXY_COUNT="1").endswith("True")


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client: Client):
    response = client.get("/console/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_map_tiles_may_come_from_the_tile_host():
    assert tile_source("https://{s}.tile.example.cn/{z}/{x}/{y}.png") == "https://*.tile.example.cn"
    assert tile_source("") == ""
    with override_settings(MAP_TILE_URL="https://tiles.example.cn/{z}/{x}/{y}.png"):
        assert "img-src 'self' data: blob: https://tiles.example.cn;" in content_security_policy()


# --- Static files ---------------------------------------------------------------------------

STATIC_STORAGE = "civicgrid.core.staticstorage.StaticStorage"  # production and the demo


@pytest.mark.django_db
def test_collected_static_files_are_hashed_compressed_and_cached_for_a_year(tmp_path: Path):
    from django.conf import settings

    root = tmp_path / "static"
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
    # Every file is hashed (a reference to a missing file fails here, as it would in
    # production); compressing is tested on the stylesheets only, to keep the test fast.
    skip = ["js", "map", "png", "svg", "jpg", "gif", "ico", "woff", "woff2", "ttf", "txt", "md"]
    with override_settings(
        STATIC_ROOT=root,
        STORAGES=storages,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=skip,
        DEBUG=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.templatetags.static import static

        url = static("css/civicgrid.css")
        assert url != "/static/css/civicgrid.css"  # hashed name
        hashed = root / url.removeprefix("/static/")
        assert hashed.with_name(hashed.name + ".gz").exists()

        client = Client()
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in response["Cache-Control"]
        assert "immutable" in response["Cache-Control"]
        # Only hashed names are kept (WHITENOISE_KEEP_ONLY_HASHED_FILES): every page names
        # its files through the manifest, and each kept file is compressed once, not twice.
        assert client.get("/static/css/civicgrid.css").status_code == 404
