"""The mailbox module's staff pages, under /console/mailbox/ (namespace "mailbox")."""

app_name = "mailbox"
urlpatterns: list = []
