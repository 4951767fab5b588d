from django import template

from consents.rules import schools_for

register = template.Library()


@register.filter
def has_role(user, kinds: str) -> bool:
    """`{% if user|has_role:"administrator,council" %}`: the user holds one of these roles."""
    return schools_for(user, *kinds.split(",")).exists()
