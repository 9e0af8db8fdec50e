"""The butler module's public pages, under /butler/ (namespace "butler_public")."""

app_name = "butler_public"
urlpatterns: list = []
