from allauth.mfa.models import Authenticator

from consents.models import Role

# Roles that see other people's data: they need a second factor (ASVS V6.3).
ROLES_NEEDING_MFA = (Role.Kind.ADMINISTRATOR, Role.Kind.COMMUNICATIONS)


def needs_mfa(user) -> bool:
    return user.is_superuser or user.roles.filter(kind__in=ROLES_NEEDING_MFA).exists()


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def mfa_missing(user) -> bool:
    return needs_mfa(user) and not has_second_factor(user)
