"""The reviews module's staff pages, under /console/reviews/ (namespace "reviews")."""

from civicgrid.reviews.views import console

app_name = "reviews"
urlpatterns = [*console.console_urls]
