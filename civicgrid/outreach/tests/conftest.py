from __future__ import annotations

import pytest

from civicgrid.needs.tests import factories as nf
from civicgrid.outreach.tests.fakes import FakeBackend


@pytest.fixture
def w() -> nf.World:
    return nf.world()


@pytest.fixture
def fake(settings) -> type[FakeBackend]:
    """Messages go through the fake backend (first `Unreachable`, which reaches nobody)."""
    settings.OUTREACH_BACKENDS = [
        "civicgrid.outreach.tests.fakes.Unreachable",
        "civicgrid.outreach.tests.fakes.FakeBackend",
    ]
    FakeBackend.reset()
    return FakeBackend
