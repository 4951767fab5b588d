"""The project's URLs plus the bare baseline view, used only while benchmarks run."""

from django.urls import path

from consent_portal.urls import urlpatterns as project_urlpatterns

from .baselines import bare_view, staff_floor_view

urlpatterns = [
    path("bench/bare/<int:pk>/", bare_view, name="bench-bare"),
    path("bench/floor/<int:pk>/", staff_floor_view, name="bench-floor"),
    *project_urlpatterns,
]
