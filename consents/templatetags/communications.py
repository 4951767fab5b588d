import functools

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consents.models import Role, Subject
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
    return state_badge(verdict.state if verdict else None, get_language())


def state_badge(state: State | None, language: str) -> str:
    """The badge of a state; None is a purpose the person's board does not ask about."""
    if state is None:
        return format_html(
            '<span class="text-body-secondary">{}</span>', _("not asked at this board")
        )
    return _badge(state, language)


@functools.cache
def _badge(state: State, language: str) -> str:
    return format_html(
        '<span class="verdict verdict-badge-{state}" data-state="{state}">'
        '<span class="verdict-icon" aria-hidden="true">{icon}</span> {label}</span>',
        state=state.value,
        icon=ICONS[state],
        label=state.label,
    )


LOOKUP_ROW = (
    '<tr data-person="{pk}"><th scope="row"><a href="{url}?media={media}">{name}</a>{number}</th>'
    "<td>{group}</td>{cells}</tr>"
)
STUDENT_NUMBER = '<span class="small text-body-secondary d-block">{}</span>'


@register.simple_tag
def lookup_rows(rows, media_type) -> str:
    """The lookup's table rows: a person, their class, and a badge per purpose.

    Rendered in Python rather than as a template loop: 50 people × 10 purposes are 500 cells,
    which cost the template engine about half of the page (benchmarks "page: lookup"). A cell
    depends only on its purpose and state, so each distinct one is made once."""
    language = get_language()
    cells = {}

    def cell(purpose, state):
        key = (purpose.pk, state)
        if key not in cells:
            badge = state_badge(state, language)
            cells[key] = format_html('<td data-purpose="{}">{}</td>', purpose.pk, badge)
        return cells[key]

    return format_html_join(
        "",
        LOOKUP_ROW,
        (
            {
                "pk": row.person.pk,
                "url": reverse("communications_person", args=[row.person.pk]),
                "media": media_type.code,
                "name": row.person.name,
                "number": (
                    format_html(STUDENT_NUMBER, row.person.student.student_number)
                    if row.person.kind == Subject.Kind.STUDENT
                    else ""
                ),
                "group": row.group_name,
                "cells": format_html_join(
                    "", "{}", ((cell(purpose, state),) for purpose, state in row.cells)
                ),
            }
            for row in rows
        ),
    )
