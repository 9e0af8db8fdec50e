"""The staff console's need pages: mounted at /console/needs/."""

from __future__ import annotations

app_name = "needs"

urlpatterns: list = []
