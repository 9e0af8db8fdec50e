"""The app's own settings, with the ceiling views of bench/ceiling.py mounted under /bench/."""

from civicgrid.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
