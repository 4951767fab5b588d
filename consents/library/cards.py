"""The library list's cards (48 a page, each with a badge per channel), rendered by Jinja2
(`templates/jinja2/consents/library/cards.html`; consent_portal/jinja2.py): on the 50,000-item
benchmark they took 24 ms CPU in Django's engine, about 4 ms in Jinja2 (docs/benchmarks.md)."""

from django.template import engines
from django.template.loader import render_to_string

from consents.library.verdicts import ItemStatus
from consents.models import Purpose
from consents.rules import State


def cards_html(statuses: list[ItemStatus], channels: list[Purpose]) -> str:
    """The cards as markup for the list's Django template, escaped by Jinja2 as a Django
    template is: a `Markup`, which Django's engine takes as safe through `__html__`."""
    template = engines["jinja2"].get_template("consents/library/cards.html").template
    # Each channel's name and each state's label translated once, not once a badge (480).
    context = {
        "statuses": statuses,
        "names": {purpose.pk: str(purpose) for purpose in channels},
        "labels": {state: state.label for state in State},
        "link_placeholder": _link_placeholder,
    }
    return template.make_module(context).__html__()


def _link_placeholder(item):
    # The same markup as the item page's (a Django template, already escaped): links are few.
    return render_to_string(
        "consents/library/_link_placeholder.html",
        {"item": item, "class": "card-text text-body-secondary p-3"},
    )
