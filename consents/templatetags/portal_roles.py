from django import template

from consents.models import Role

register = template.Library()


def holds_role(user, *kinds: str) -> bool:
    """Whether `user` holds one of `kinds` (or is a superuser). The menu asks on every page:
    the user's role kinds are read once and kept on the user object, which lives for one
    request. The pages themselves check access with `consents.permissions.role_required`."""
    if not user.is_authenticated:
        return False
    held = getattr(user, "_role_kinds", None)
    if held is None:
        held = user._role_kinds = set(Role.objects.filter(user=user).values_list("kind", flat=True))
    return user.is_superuser or not held.isdisjoint(kinds)


@register.filter
def has_role(user, kinds: str) -> bool:
    """`{% if user|has_role:"administrator,council" %}`: the user holds one of these roles."""
    return holds_role(user, *kinds.split(","))
