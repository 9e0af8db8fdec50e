"""The mailbox module's public pages, under /mailbox/ (namespace "mailbox_public")."""

app_name = "mailbox_public"
urlpatterns: list = []
