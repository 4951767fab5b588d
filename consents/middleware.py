"""A second factor for the roles that see other people's data (ASVS V6.3)."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from consents.models import Role
from consents.roles import roles_of

# Roles that see other people's data: they need a second factor (ASVS V6.3).
ROLES_NEEDING_MFA = (Role.Kind.ADMINISTRATOR, Role.Kind.COMMUNICATIONS)


def needs_mfa(user) -> bool:
    return user.is_superuser or any(role.kind in ROLES_NEEDING_MFA for role in roles_of(user))


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def mfa_missing(user) -> bool:
    return needs_mfa(user) and not has_second_factor(user)


class MfaRequiredMiddleware:
    """Administrators and communications staff must add TOTP or a passkey before anything else.

    Until they have, every page except the account pages (where they add it, or log out)
    sends them to the two-factor page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not request.path.startswith(("/accounts/", "/i18n/", settings.STATIC_URL))
            and mfa_missing(request.user)
        ):
            messages.warning(
                request,
                _(
                    "Your role needs a second factor. Add an authenticator app or a passkey "
                    "to continue."
                ),
            )
            return redirect("mfa_index")
        return self.get_response(request)
