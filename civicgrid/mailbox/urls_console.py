"""The mailbox module's staff pages, under /console/mailbox/ (namespace "mailbox")."""

from civicgrid.mailbox.views import console

app_name = "mailbox"
urlpatterns = [*console.console_urls]
