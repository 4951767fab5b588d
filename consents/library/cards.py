"""The library list's cards (48 a page, each with a badge per channel), rendered by Jinja2
(`templates/jinja2/consents/library/cards.html`; consent_portal/jinja2.py): on the 50,000-item
benchmark they took 24 ms CPU in Django's engine, about 4 ms in Jinja2, and 1.4 ms with each
badge and link made once a page (docs/benchmarks.md)."""

import functools

from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from markupsafe import Markup

from consents.library.verdicts import ItemStatus
from consents.models import Purpose
from consents.rules import State

# Stands for an item's id in a URL reversed once a page: no URL of the portal contains it.
ANY_ID = 2_147_483_647


def cards_html(statuses: list[ItemStatus], channels: list[Purpose]) -> str:
    """The cards as markup for the list's Django template, escaped by Jinja2 as a Django
    template is: a `Markup`, which Django's engine takes as safe through `__html__`."""
    jinja2 = engines["jinja2"].env
    # Made once a page, not once a card: a page's 480 badges are each one of channels × states,
    # rendered once each; and the cards' words, translated once (Jinja2's gettext for every
    # card took half the cards' time).
    badge = jinja2.get_template("consents/library/badge.html").module.badge
    badges = {
        (purpose.pk, state): badge(str(purpose), state, state.label) + " "
        for purpose in channels
        for state in State
    }

    def badges_of(status: ItemStatus) -> Markup:
        return Markup("").join(badges[c.purpose.pk, c.state] for c in status.channels)

    @functools.cache
    def people_on_it(count: int) -> str:
        return ngettext("%(counter)s person on it", "%(counter)s people on it", count) % {
            "counter": count
        }

    context = {
        "statuses": statuses,
        "badges_of": badges_of,
        "people_on_it": people_on_it,
        "thumbnail_pending": gettext("The thumbnail is being made."),
        # Not "0 people on it": nobody has said yet who is.
        "not_marked": gettext("Nobody has marked yet who is on it."),
        "needs_attention": gettext("needs attention"),
        "item_url": _url_with_id("library_item"),
        "thumbnail_url": _url_with_id("library_thumbnail"),
        "link_placeholder": _link_placeholder,
    }
    return jinja2.get_template("consents/library/cards.html").make_module(context).__html__()


def _url_with_id(name: str):
    """`reverse(name, args=[pk])` for any item, from one `reverse` a page (96 took 1 ms)."""
    head, tail = reverse(name, args=[ANY_ID]).split(str(ANY_ID))
    return lambda pk: f"{head}{pk}{tail}"


def _link_placeholder(item):
    # The same markup as the item page's (a Django template, already escaped): links are few.
    return render_to_string(
        "consents/library/_link_placeholder.html",
        {"item": item, "class": "card-text text-body-secondary p-3"},
    )
