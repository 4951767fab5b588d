import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.devices import remember_device

SESSION_STARTED_KEY = "_auth_started_at"
REMEMBER_DEVICE_KEY = "_remember_device"


class AbsoluteSessionLimitMiddleware:
    """A session ends SESSION_ABSOLUTE_SECONDS after login, however active it is.

    The idle limit is Django's own (SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(
                    request, _("You were logged out after 12 hours. Please log in again.")
                )
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path())
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class KnownDeviceMiddleware:
    """After a login, mark the browser as a known device for that address (see devices.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get(REMEMBER_DEVICE_KEY):
            remember_device(request, response, session.pop(REMEMBER_DEVICE_KEY))
        return response
