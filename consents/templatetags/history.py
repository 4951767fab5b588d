"""The decision history of the administrator's person page, rendered in Python.

A student has about 25 decisions a school year and the page lists all of them (120 after five
years on the generated board). As a template loop each row cost about 0.15 ms of template
engine, most of the page (benchmarks "page: person (administrator)"). Same markup as the loop.
"""

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from consents.models import ConsentDecision
from consents.rules import VALUE_LABELS, who_decided

register = template.Library()

ROW = (
    "<tr><td>{seq}</td><td>{when}</td><td>{purpose}: {media}</td><td>{value}</td>"
    "<td>{who}</td><td>{method}{scan}</td><td>{note}</td></tr>"
)
SCAN = ' · <a href="{}">{}</a>'
ENTERED_BY_ADMINISTRATOR = {
    ConsentDecision.Capacity.ADMINISTRATOR,
    ConsentDecision.Capacity.UNREGISTERED,
}


@register.filter(name="who_decided")
def who_decided_filter(decision: ConsentDecision) -> str:
    """`rules.who_decided` for a template that lists decisions (guardian and subject loaded)."""
    return who_decided(decision)


@register.simple_tag
def history_rows(decisions) -> str:
    rows = format_html_join("", ROW, (_row(decision) for decision in decisions))
    return rows or format_html('<tr><td colspan="7">{}</td></tr>', _("No decisions yet."))


def _row(decision: ConsentDecision) -> dict:
    evidence = getattr(decision, "evidence", None)  # every decision has one; shown if not
    who = who_decided(decision)
    if decision.capacity in ENTERED_BY_ADMINISTRATOR:
        who += ", " + _("entered by %(admin)s") % {"admin": decision.decided_by}
    return {
        "seq": decision.seq,
        "when": date_format(localtime(decision.decided_at), "SHORT_DATETIME_FORMAT"),
        "purpose": decision.purpose.name,
        "media": decision.media_type.name,
        # Labels by enum, not get_FOO_display(), which rebuilds the choices on every call.
        "value": VALUE_LABELS[decision.value],
        "who": who,
        "method": ConsentDecision.Method(decision.method).label,
        "scan": (
            format_html(SCAN, reverse("scan_download", args=[decision.id]), _("scan"))
            if evidence and evidence.scan
            else ""
        ),
        "note": evidence.note if evidence else "",
    }
