"""/near/: the resident pages, no account: what is near me, a place's services, booking an
appointment and its keyed page, a station with who is on duty now, public rooms."""

from civicgrid.services.views import nearby, resident, rooms, rota

app_name = "nearby"

urlpatterns = [
    *nearby.public_urls,
    *resident.public_urls,
    *rooms.public_urls,
    *rota.public_urls,
]
