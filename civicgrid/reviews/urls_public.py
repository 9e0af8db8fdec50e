"""The reviews module's public pages, under /reviews/ (namespace "reviews_public")."""

app_name = "reviews_public"
urlpatterns: list = []
