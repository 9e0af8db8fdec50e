"""The butler module's staff pages, under /console/butler/ (namespace "butler")."""

from civicgrid.butler.views import console

app_name = "butler"
urlpatterns = [*console.console_urls]
