"""The care module's public pages, /care/ (namespace "care_public"): a meal point's page and
today's menu, the order page an elderly person or their family holds a keyed link to, a
partner shop's redemption page."""

from civicgrid.care.views import cards, deliveries, meals, orders

app_name = "care_public"
urlpatterns = [
    *meals.public_urls,
    *orders.public_urls,
    *deliveries.public_urls,
    *cards.public_urls,
]
