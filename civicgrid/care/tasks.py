"""Background work of the care module, run by `civicgrid worker` (registered in
`care/wiring.py`): missed care visits reminded. Each reminder claims its mark with a
conditional UPDATE, so two workers never send it twice."""

from __future__ import annotations

from django_tasks import task

from civicgrid.care import visits


@task()
def remind_missed_visits() -> dict[str, int]:
    return {"reminded": visits.remind_missed()}
