from django import template

from consents.models import Role
from consents.rules import schools_for

register = template.Library()


@register.filter
def works_in_communications(user) -> bool:
    """Communications staff and administrators reach the communications pages."""
    return schools_for(user, Role.Kind.COMMUNICATIONS, Role.Kind.ADMINISTRATOR).exists()
