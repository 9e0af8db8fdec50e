"""The benchmarks' modules import each other from bench/ (each script runs from there)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
