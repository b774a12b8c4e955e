from django.urls import path

from steps import views

urlpatterns = [
    path("space/", views.home, name="home"),
]
