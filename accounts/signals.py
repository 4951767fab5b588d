import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import REMEMBER_DEVICE_KEY, SESSION_STARTED_KEY


@receiver(user_logged_in)
def session_start(sender, request, user, **kwargs):
    """Start the absolute session clock, and remember the browser for this address."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_STARTED_KEY] = time.time()
    request.session[REMEMBER_DEVICE_KEY] = user.email
