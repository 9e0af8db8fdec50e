"""Test settings: the real settings with a fast hasher and no on-disk SQLite file."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret")

from civicgrid.settings import *  # noqa: F403
from civicgrid.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "zh-hans"
