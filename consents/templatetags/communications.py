from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from consents.models import Role
from consents.rules import State, schools_for

register = template.Library()


@register.filter
def works_in_communications(user) -> bool:
    """Communications staff and administrators reach the communications pages."""
    return schools_for(user, Role.Kind.COMMUNICATIONS, Role.Kind.ADMINISTRATOR).exists()


ICONS = {State.ALLOWED: "✓", State.NOT_ALLOWED: "✗", State.NO_ANSWER: "?"}


@register.simple_tag
def verdict_badge(verdict) -> str:
    """A verdict's state as a badge. A tag, not an included template: the lookup shows
    hundreds of them, and an include costs a template render each."""
    if verdict is None:
        return format_html(
            '<span class="text-body-secondary">{}</span>', _("not asked at this board")
        )
    return format_html(
        '<span class="verdict verdict-badge-{state}" data-state="{state}">'
        '<span class="verdict-icon" aria-hidden="true">{icon}</span> {label}</span>',
        state=verdict.state.value,
        icon=ICONS[verdict.state],
        label=verdict.state.label,
    )
