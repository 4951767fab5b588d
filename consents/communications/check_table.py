"""The group check's tables of people (who may not appear, who may), rendered by Jinja2
(`templates/jinja2/consents/communications/check_table.html`; consent_portal/jinja2.py): a
pasted list has up to 500 people. With 40 people the page's rendering took 12.9 ms CPU in
Django's engine, 9.4 ms with the tables in Jinja2 (most of what is left is the verdicts'
explanations, worked out as they are shown)."""

from django.template import engines

from consents.communications.group_check import CheckRow, GroupCheck


def check_table_html(check: GroupCheck, rows: list[CheckRow], *, id: str, selected) -> str:
    """A table as markup for the result page's Django template (a `Markup`, escaped by
    Jinja2 as a Django template is)."""
    template = engines["jinja2"].get_template("consents/communications/check_table.html")
    context = {"rows": rows, "id": id, "selected": selected, "namesakes": check.namesakes}
    return template.template.make_module(context).__html__()
