"""/console/services/: the catalogue, appointments (and the provider's phone list), rooms and
their calendars, the stations' duty rota, ledgers."""

from civicgrid.services.views import appointments, catalogue, ledgers, rooms, rota

app_name = "services"

urlpatterns = [
    *catalogue.console_urls,
    *appointments.console_urls,
    *rooms.console_urls,
    *rota.console_urls,
    *ledgers.console_urls,
]
