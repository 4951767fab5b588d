"""Filters for templates that list decisions (the person's history pages): who decided, and
the decision's value and method in words.

`decision.get_value_display` rebuilds the field's choices as a hashable dict on every call:
on the administrator's person page, 30 decisions took 3-5 ms CPU that way. These take the
labels as `rules.wording.decision_line` does, still translated when shown."""

from django import template

from consents.models import ConsentDecision
from consents.rules import who_decided
from consents.rules.wording import VALUE_LABELS

register = template.Library()


@register.filter(name="who_decided")
def who_decided_filter(decision: ConsentDecision) -> str:
    """`rules.who_decided` for a template that lists decisions (guardian and subject loaded)."""
    return who_decided(decision)


@register.filter
def value_label(decision: ConsentDecision) -> str:
    """What was decided, in words ("granted"): `get_value_display`, without its cost."""
    return str(VALUE_LABELS[decision.value])


@register.filter
def method_label(decision: ConsentDecision) -> str:
    """How it was decided, in words ("online"): `get_method_display`, without its cost."""
    return str(ConsentDecision.Method(decision.method).label)
