from django import template

from consents.rules import roles_of

register = template.Library()


def holds_role(user, *kinds: str) -> bool:
    """Whether `user` holds one of `kinds` (or is a superuser): for the menu. The pages
    themselves check access with `consents.permissions.role_required`."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(role.kind in kinds for role in roles_of(user))


@register.filter
def has_role(user, kinds: str) -> bool:
    """`{% if user|has_role:"administrator,council" %}`: the user holds one of these roles."""
    return holds_role(user, *kinds.split(","))
