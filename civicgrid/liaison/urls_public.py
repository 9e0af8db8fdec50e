"""The liaison module's public pages, under /liaison/ (namespace "liaison_public")."""

app_name = "liaison_public"
urlpatterns: list = []
