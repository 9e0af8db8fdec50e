from __future__ import annotations

import pytest
from django.core.cache import cache

from civicgrid.mailbox.tests.factories import fixed_code

__all__ = ["fixed_code"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()
