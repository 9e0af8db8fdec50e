"""The reviews module's public pages, under /reviews/ (namespace "reviews_public")."""

from civicgrid.reviews.views import public

app_name = "reviews_public"
urlpatterns = [*public.public_urls]
