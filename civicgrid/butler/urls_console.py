"""The butler module's staff pages, under /console/butler/ (namespace "butler")."""

app_name = "butler"
urlpatterns: list = []
