import functools

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consents.models import Role
from consents.rules import State
from consents.templatetags.portal_roles import holds_role

register = template.Library()


@register.filter
def works_in_communications(user) -> bool:
    """Communications staff and administrators reach the communications pages."""
    return holds_role(user, Role.Kind.COMMUNICATIONS, Role.Kind.ADMINISTRATOR)


ICONS = {State.ALLOWED: "✓", State.NOT_ALLOWED: "✗", State.NO_ANSWER: "?"}


@register.simple_tag
def verdict_badge(verdict) -> str:
    """A verdict's state as a badge. A tag, not an included template, and made once per state
    and language: the lookup shows hundreds of them."""
    if verdict is None:
        return format_html(
            '<span class="text-body-secondary">{}</span>', _("not asked at this board")
        )
    return _badge(verdict.state, get_language())


@functools.cache
def _badge(state: State, language: str) -> str:
    return format_html(
        '<span class="verdict verdict-badge-{state}" data-state="{state}">'
        '<span class="verdict-icon" aria-hidden="true">{icon}</span> {label}</span>',
        state=state.value,
        icon=ICONS[state],
        label=state.label,
    )
