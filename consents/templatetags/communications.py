import functools

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consents.models import ConsentDecision, Role, Subject
from consents.roles import holds_role
from consents.rules import VALUE_LABELS, State, who_decided

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


CHECK_ROW = (
    '<tr data-person="{pk}"><td class="d-print-none"><input class="form-check-input" '
    'type="checkbox" name="people" value="{pk}" form="publication-form" id="on-{pk}"{checked}>'
    '</td><th scope="row"><label for="on-{pk}">{name}</label></th><td>{group}</td>'
    '<td>{badge}</td><td class="reason small">{explanation}</td></tr>'
)


@register.simple_tag
def check_rows(rows, selected) -> str:
    """The group check's table rows: a tick box, the person, their class, the verdict and the
    reason. In Python for the same reason as `lookup_rows`: a pasted list has up to 500."""
    language = get_language()
    selected = selected or ()
    return format_html_join(
        "",
        CHECK_ROW,
        (
            {
                "pk": row.person.pk,
                "checked": " checked" if row.person.pk in selected else "",
                "name": row.person.name,
                "group": row.group_name,
                "badge": state_badge(row.verdict.state if row.verdict else None, language),
                "explanation": row.verdict.explanation if row.verdict else "",
            }
            for row in rows
        ),
    )


VERDICT_DETAIL = (
    '<div class="verdict-row py-2{border}" data-purpose="{purpose}" data-media="{media_code}">'
    '<h3 class="h6 mb-1">{media}: {badge}</h3><p class="mb-1">{explanation}</p>{disputed}{history}'
    "</div>"
)
DISPUTED = '<p class="mb-1"><span class="badge text-bg-warning">{}</span> {}</p>'
HISTORY = '<p class="mb-1 small">{renewal}{asked_again}</p><ul class="small mb-0">{decisions}</ul>'


@register.simple_tag
def verdict_detail(purpose, media, verdict, last: bool) -> str:
    """One verdict of the person page, with the reason: the decisions that count, who made
    them, when, under which text version. In Python for the same reason as `lookup_rows`:
    30 verdicts with their decisions were about half of the page as template loops."""
    history = ""
    if verdict.decisions:
        renewal = (
            _("Not renewed this school year.")
            if verdict.not_renewed
            else _("Renewed this school year.")
        )
        history = format_html(
            HISTORY,
            renewal=renewal,
            asked_again=(
                format_html(" {}", _("Asked again after a material change of the text."))
                if verdict.asked_again
                else ""
            ),
            decisions=format_html_join(
                "", "<li>{}</li>", ((_decision_line(d),) for d in verdict.decisions)
            ),
        )
    return format_html(
        VERDICT_DETAIL,
        border="" if last else " border-bottom",
        purpose=purpose.pk,
        media_code=media.code,
        media=media.name,
        badge=state_badge(verdict.state, get_language()),
        explanation=verdict.explanation,
        disputed=(
            format_html(DISPUTED, _("disputed"), _("The guardians disagree; do not use."))
            if verdict.disputed
            else ""
        ),
        history=history,
    )


def _decision_line(decision) -> str:
    """One decision as a line of the list: "Granted by A. Jansen (guardian), 10 September 2026
    09:12, text version 1, guardian, online (school year 2026-2027)"."""
    who = _("by %(name)s") % {"name": who_decided(decision)}
    year = _("school year %(year)s") % {"year": decision.school_year}
    return ", ".join(
        [
            f"{capfirst(VALUE_LABELS[decision.value])} {who}",
            date_format(localtime(decision.decided_at), "j F Y H:i"),
            _("text version %(version)s") % {"version": decision.text.version},
            # The labels by enum, not get_FOO_display(), which rebuilds the choices per call.
            str(ConsentDecision.Capacity(decision.capacity).label),
            f"{ConsentDecision.Method(decision.method).label} ({year})",
        ]
    )
