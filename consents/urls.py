from django.urls import path

from .views import core

urlpatterns = [
    path("", core.home, name="home"),
    path("health/", core.health, name="health"),
]
