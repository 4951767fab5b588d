"""Known devices: a browser that logged in with an address before carries a signed cookie.

OWASP's "device cookie" defence against lock-out: the overall per-address rate limit
(which an attacker could exhaust from many networks) does not apply to such a browser,
so a parent on their usual phone can always ask for a new code.
"""

import hashlib

from django.conf import settings
from django.core import signing

COOKIE_NAME = "known_device"
SALT = "accounts.known-device"


def _fingerprint(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


def _addresses(request) -> list[str]:
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return []
    try:
        return signing.loads(
            value, salt=SALT, max_age=settings.KNOWN_DEVICE_COOKIE_DAYS * 24 * 3600
        )
    except (signing.BadSignature, TypeError):
        return []


def is_known_device(request, address: str) -> bool:
    return _fingerprint(address) in _addresses(request)


def remember_device(request, response, address: str) -> None:
    """Add `address` to the browser's known-device cookie (a few addresses at most)."""
    fingerprint = _fingerprint(address)
    # Re-signed at every login, so a browser in regular use stays known.
    others = [f for f in _addresses(request) if f != fingerprint]
    fingerprints = [fingerprint, *others][:5]
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(fingerprints, salt=SALT),
        max_age=settings.KNOWN_DEVICE_COOKIE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
