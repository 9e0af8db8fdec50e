"""The liaison module's staff pages, under /console/liaison/ (namespace "liaison")."""

app_name = "liaison"
urlpatterns: list = []
