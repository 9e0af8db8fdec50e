"""Resident pages, no account needed: mounted at the site root."""

from __future__ import annotations

app_name = "resident"

urlpatterns: list = []
