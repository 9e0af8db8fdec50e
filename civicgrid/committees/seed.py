"""What the committees' migrations seed, for `civicgrid/seed.py` to seed again after a flush."""

from __future__ import annotations

from decimal import Decimal

# The assessment's default weights (0002_default_assessment_weights writes the same).
DEFAULT_WEIGHTS = {
    "tasks_done": Decimal("25"),
    "on_time": Decimal("20"),
    "returned": Decimal("10"),
    "needs": Decimal("15"),
    "attendance": Decimal("10"),
    "peer": Decimal("20"),
}


def seed_weights() -> None:
    from civicgrid.committees.models import AssessmentWeight

    for measure, weight in DEFAULT_WEIGHTS.items():
        AssessmentWeight.objects.get_or_create(measure=measure, defaults={"weight": weight})
