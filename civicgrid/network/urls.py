from django.urls import path

from civicgrid.network import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
]
