"""The Jinja2 environment, for the few templates whose loops are too hot for Django's engine.

Only the (G)MR report's tables and charts, the library list's cards and the group check's
tables use it (`templates/jinja2/`): 11,000 report cells took 300 ms in Django's template
engine and 42 ms in Jinja2 on the same data (docs/benchmarks.md).
Autoescaping is on, as in Django's engine; `_()` is Django's gettext, so the strings are in
the same catalogue (`makemessages` finds `{{ _("...") }}` in templates).
"""

from django.urls import reverse
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, StrictUndefined


def environment(**options) -> Environment:
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # A misspelt name fails (Django's engine would render it empty).
    options["undefined"] = StrictUndefined
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = Environment(autoescape=True, **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals["url"] = _url
    return env


def _url(name: str, *args) -> str:
    """`{{ url("library_item", item.pk) }}`, as Django's `{% url %}`."""
    return reverse(name, args=args)
