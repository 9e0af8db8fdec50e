from django.urls import path

from civicgrid.outreach import views

app_name = "outreach"

urlpatterns = [
    path("follow/<str:number>/", views.follow, name="follow"),
    path("signin/", views.signin, name="signin"),
    path("signin/back/", views.signin_back, name="signin_back"),
]
