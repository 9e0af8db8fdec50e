"""/console/committees/: a joint committee's working life (set-up, the three lists, meetings,
consultations, assessment)."""

from civicgrid.committees.views import assessment, committees, consultations, meetings
from civicgrid.committees.views import tasks as task_views

app_name = "committees"

urlpatterns = [
    *committees.console_urls,
    *task_views.console_urls,
    *consultations.console_urls,
    *meetings.console_urls,
    *assessment.console_urls,
]
