"""Background work of the services close to home, run by `civicgrid worker` (registered in
`ServicesConfig.ready()`): residents reminded of their appointments a day ahead. Each reminder
claims its mark with a conditional UPDATE, so two workers never send it twice."""

from __future__ import annotations

from django_tasks import task

from civicgrid.services import bookings


@task()
def remind_appointments() -> dict[str, int]:
    return {"reminded": bookings.remind_due()}
