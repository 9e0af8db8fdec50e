"""/serve/: the member's phone pages and the public ones (activities open to all, the wishes
wall, check-in by QR)."""

from civicgrid.volunteers.views import activities, members, registrations, wishes

app_name = "serve"

urlpatterns = [
    *members.public_urls,
    *registrations.public_urls,
    *activities.public_urls,
    *wishes.public_urls,
]
