"""The care module's console pages, /console/care/ (namespace "care"); each area's views
module lists its own."""

from civicgrid.care.views import cards, counts, deliveries, home, meals, orders, register, visits

app_name = "care"
urlpatterns = [
    *home.console_urls,
    *register.console_urls,
    *meals.console_urls,
    *orders.console_urls,
    *deliveries.console_urls,
    *cards.console_urls,
    *visits.console_urls,
    *counts.console_urls,
]
