from django import template

from consents.roles import holds_role

register = template.Library()


@register.filter
def has_role(user, kinds: str) -> bool:
    """`{% if user|has_role:"administrator,council" %}`: the user holds one of these roles."""
    return holds_role(user, *kinds.split(","))
