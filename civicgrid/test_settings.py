"""Test settings: the real settings with a fast hasher and tasks run immediately."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret")
# Tests talk plain http to the test client and the live server (no https redirect).
os.environ.setdefault("HTTPS", "false")

from civicgrid.settings import *  # noqa: F403
from civicgrid.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ON_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if ON_SQLITE:
    # A file, not :memory:, so that tests with several connections (the take race) meet
    # SQLite's real locking, as production on SQLite does. One file per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "zh-hans"
# As in production: a raised need is followed up (dispatchers told, rollups counted) by the
# worker a moment later. A test that reads those effects runs the worker's part first
# (`needs/tests/factories.follow_up()`); the inline setting is tested where it is set.
INTAKE_FOLLOW_UP = "worker"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# `seed_demo` in tests lives six weeks at a tenth of the volume: the full year is the same code
# for longer (demo/tests/test_demo.py lives a year at a quarter), and on PostgreSQL, in one
# test transaction, it took minutes.
DEMO_HISTORY_DAYS = 42
DEMO_HISTORY_PERCENT = 10
# One folder per database: scripts/test.sh runs the two suites side by side.
MEDIA_ROOT = VAR_DIR / ("test-media" if ON_SQLITE else "test-media-pg")  # noqa: F405
