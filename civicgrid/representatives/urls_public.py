"""The representatives module's public pages, under /representatives/."""

from civicgrid.representatives.views import public

app_name = "representatives_public"
urlpatterns = [*public.public_urls]
