from django import template

from consents.models import Role
from consents.roles import holds_role
from consents.rules import decision_line as decision_line_words
from consents.rules import who_decided as who_decided_words

register = template.Library()


@register.filter
def works_in_communications(user) -> bool:
    """Communications staff and administrators reach the communications pages."""
    return holds_role(user, Role.Kind.COMMUNICATIONS, Role.Kind.ADMINISTRATOR)


@register.filter
def who_decided(decision) -> str:
    """ "A. Jansen (guardian)" or "Zoë de Vries (themself)": the rules' words for a decision."""
    return who_decided_words(decision)


@register.filter
def decision_line(decision) -> str:
    """ "Granted by A. Jansen (guardian), 10 September 2026 09:12, text version 1, ...": one
    decision of a person's history (`rules.decision_line`)."""
    return decision_line_words(decision)


@register.inclusion_tag("consents/communications/_person_publications.html")
def person_publications(card):
    """The publications a card's person is on (`Card.publications`, loaded for every card of
    the page at once): title, channel, date, link, and "please take this down"."""
    return {"subject": card.subject, "publications": card.publications}
