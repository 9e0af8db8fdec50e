"""The mailbox module's public pages, under /mailbox/ (namespace "mailbox_public")."""

from civicgrid.mailbox.views import public

app_name = "mailbox_public"
urlpatterns = [*public.public_urls]
