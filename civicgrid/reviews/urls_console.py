"""The reviews module's staff pages, under /console/reviews/ (namespace "reviews")."""

app_name = "reviews"
urlpatterns: list = []
