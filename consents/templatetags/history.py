"""`who_decided` for templates that list decisions (the person's history pages)."""

from django import template

from consents.models import ConsentDecision
from consents.rules import who_decided

register = template.Library()


@register.filter(name="who_decided")
def who_decided_filter(decision: ConsentDecision) -> str:
    """`rules.who_decided` for a template that lists decisions (guardian and subject loaded)."""
    return who_decided(decision)
