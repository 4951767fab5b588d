"""The answer cells of the "my consent" page, rendered in Python.

A guardian of three children sees 90 cells (two radio buttons, their labels, marks, and
often a status with an explanation). As a template loop they were most of the page's cost:
about 0.3 ms of template engine per cell (benchmarks "page: my consent"), here about 0.03.
The markup is the same as the template's was; `tests/test_my_consent.py` reads it.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from consents.dates import day_label
from consents.rules import VALUE_LABELS, who_decided

register = template.Library()

CELL = (
    '<fieldset class="row g-2 align-items-center mb-2 consent-cell"{described}>'
    '<legend class="col-4 col-sm-3 col-form-label py-0">{media}</legend>'
    '<div class="col-8 col-sm-9"><div class="btn-group" role="presentation">'
    '<input type="radio" class="btn-check" name="{name}" value="yes" id="{id}-yes"{yes_checked}>'
    '<label class="btn btn-outline-success" for="{id}-yes">{yes}</label>'
    '<input type="radio" class="btn-check" name="{name}" value="no" id="{id}-no"{no_checked}>'
    '<label class="btn btn-outline-danger" for="{id}-no">{no}</label>'
    "</div>{marks}</div>{status}</fieldset>"
)
NOT_ANSWERED = '<span class="small text-body-secondary ms-2 text-nowrap">{}</span>'
RENEWAL_DUE = '<span class="badge text-bg-warning ms-2 text-wrap">{}</span>'
STATUS = (
    '<div class="col-12 small mb-1" id="{id}">{others}'
    '<p class="mb-0 verdict-{state}"><strong>{status}</strong> {explanation}</p></div>'
)
CHECKED = " checked"  # nothing to escape in it


@register.simple_tag
def answer_cell(cell, card_number: int) -> str:
    """One purpose × media type of an editable card: yes/no, and the status where it says
    more than the user's own answer (`Cell.show_status`)."""
    suffix = f"{card_number}-{cell.purpose.pk}-{cell.media_type.pk}"
    status_id = f"status-{suffix}"
    marks = []
    if cell.answer is None:
        marks.append(format_html(NOT_ANSWERED, _("not answered")))
    if cell.renewal_due:
        marks.append(format_html(RENEWAL_DUE, _("please confirm again")))
    status = ""
    if cell.show_status:
        verdict = cell.verdict
        status = format_html(
            STATUS,
            id=status_id,
            others=format_html_join(
                "", '<p class="mb-0">{}</p>', ((_other(d),) for d in cell.others)
            ),
            state=verdict.state.value,
            status=_("Status: %(state)s.") % {"state": verdict.state.label},
            explanation=verdict.explanation,
        )
    return format_html(
        CELL,
        described=format_html(' aria-describedby="{}"', status_id) if status else "",
        media=cell.media_type.name,
        name=cell.name,
        id=f"c{suffix}",
        yes_checked=CHECKED if cell.answer == "yes" else "",
        no_checked=CHECKED if cell.answer == "no" else "",
        yes=_("Yes"),
        no=_("No"),
        marks=format_html_join("", "{}", ((mark,) for mark in marks)),
        status=status,
    )


def _other(decision) -> str:
    """Another voice's answer that counts for the status: the other guardian, or the person."""
    return _("%(who)s: %(answer)s on %(date)s.") % {
        "who": who_decided(decision),
        "answer": VALUE_LABELS[decision.value],
        "date": day_label(decision.decided_on),
    }
