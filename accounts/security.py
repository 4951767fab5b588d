from allauth.mfa.models import Authenticator

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
