"""Background work of the reviews module, run by `civicgrid worker`: open rounds past their
last day are closed (each close locks the round and checks its state, so two workers close
it once)."""

from __future__ import annotations

from django_tasks import task

from civicgrid.reviews import rounds


@task()
def close_due_rounds() -> dict[str, int]:
    return {"closed": rounds.close_due()}
