"""The representatives module's public pages, under /representatives/."""

app_name = "representatives_public"
urlpatterns: list = []
