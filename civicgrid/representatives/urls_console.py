"""The representatives module's staff pages, under /console/representatives/."""

app_name = "representatives"
urlpatterns: list = []
