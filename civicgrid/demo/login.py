"""The demo's published login and the mark of a database holding the demo region: light on
purpose, read at every start-up (`DemoConfig.ready()` hands them to `core/demoguard.py`)
without loading the region builder."""

from __future__ import annotations

from civicgrid.network.models import Node

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - published on purpose: it is the demo's password
# The demo exists when this node does: Bayannur city, the root holding Shanba's grids. A build
# runs in one transaction, so it is never there half-built.
ROOT_CODE = "150800"


def demo_exists() -> bool:
    return Node.objects.filter(code=ROOT_CODE).exists()
