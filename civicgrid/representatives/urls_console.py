"""The representatives module's staff pages, under /console/representatives/."""

from civicgrid.representatives.views import console

app_name = "representatives"
urlpatterns = [*console.console_urls]
