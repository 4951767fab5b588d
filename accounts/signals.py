import logging
import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.account.signals import login_code_rejected
from allauth.core.internal.ratelimit import get_ip
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.middleware import REMEMBER_DEVICE_KEY, SESSION_STARTED_KEY

security_log = logging.getLogger("accounts.security")


def mask_email(address: str) -> str:
    """Enough of an address to recognise it in a log, not enough to write to it.

    "marieke@example.org" -> "ma***@example.org"; the domain shows where attacks aim.
    """
    local, at, domain = (address or "").strip().lower().rpartition("@")
    if not at:
        return "***"
    return f"{local[:2] if len(local) > 3 else local[:1]}***@{domain}"


def _ip(request) -> str:
    try:
        return get_ip(request) if request is not None else "-"
    except Exception:  # a request without a usable address is still worth logging
        return "-"


@receiver(user_logged_in)
def session_start(sender, request, user, **kwargs):
    """Start the absolute session clock, and remember the browser for this address."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_STARTED_KEY] = time.time()
    request.session[REMEMBER_DEVICE_KEY] = user.email


@receiver(user_logged_in)
def address_proven_by_code(sender, request, user, **kwargs):
    """A login by emailed code proves the address: record it as verified.

    allauth does so only for an address it already knew, and imported accounts have none, so
    without this a parent could not confirm who they are again (by a fresh code) before
    adding a second factor or a password, and would get a bare 403.
    """
    if request is None or not hasattr(request, "session"):
        return
    records = get_authentication_records(request, user)
    if not records or records[-1].get("method") != "code" or not user.email:
        return
    try:
        address = EmailAddress.objects.get_for_user(user, user.email)
    except EmailAddress.DoesNotExist:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    else:
        if not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])


@receiver(login_code_rejected)
def login_code_failure_log(sender, request, user, last_attempt=False, **kwargs):
    """A wrong login code (ASVS V16.3.1): the masked address and the network, never the code."""
    security_log.warning(
        "Wrong login code for %s from %s%s",
        mask_email(user.email),
        _ip(request),
        "; the code is now void" if last_attempt else "",
    )


@receiver(user_login_failed)
def password_failure_log(sender, credentials, request=None, **kwargs):
    """A failed password login. Django has already replaced the password by asterisks."""
    login = credentials.get("email") or credentials.get("username") or ""
    security_log.warning("Failed password login for %s from %s", mask_email(login), _ip(request))
