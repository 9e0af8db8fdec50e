"""/console/serve/: the organisers' pages (registrations, teams, activities, wishes, reports)."""

from civicgrid.volunteers.views import activities, members, registrations, wishes

app_name = "volunteers"

urlpatterns = [
    *registrations.console_urls,
    *activities.console_urls,
    *wishes.console_urls,
    *members.console_urls,
]
