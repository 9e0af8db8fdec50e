"""What the apps' migrations seed, seeded again with the current models after a flush (tests,
the demo, benchmarks). It lives with the project, above the apps: it names several of them."""

from __future__ import annotations


def seed_everything() -> None:
    """Seed categories, the calendar (needs), the report lines (insights) and the assessment's
    weights (committees)."""
    from civicgrid.committees.seed import seed_weights
    from civicgrid.insights.sentences import seed_mongolian_lines, seed_report_lines
    from civicgrid.needs.models import CalendarDay, Category, CategoryDeadline, CategoryQuestion
    from civicgrid.needs.seed import seed_calendar, seed_categories, seed_mongolian_names

    seed_categories(Category, CategoryDeadline, CategoryQuestion)
    seed_mongolian_names(Category, CategoryQuestion)
    seed_calendar(CalendarDay)
    seed_report_lines()
    seed_mongolian_lines()
    seed_weights()
