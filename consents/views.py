from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from consents.people import decides_for_anyone


def home(request):
    # People who decide for someone land on their consent page.
    if request.user.is_authenticated and decides_for_anyone(request.user):
        return redirect("my_consent")
    return render(request, "home.html")


def health(request):
    """Liveness and database check for the load balancer and docker-compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
