"""The butler module's public pages, under /butler/ (namespace "butler_public")."""

from civicgrid.butler.views import public

app_name = "butler_public"
urlpatterns = [*public.public_urls]
