"""The (G)MR report as CSV, Excel and PDF, and its charts as server-rendered SVG.

Every format shows the same suppressed cells (hidden counts as "<5", "×" or "–", never the
number); the Excel sheet and the PDF carry the date, the scope and the definitions.
"""

import io

from django.template import engines
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consents.reports.spreadsheets import spreadsheet

from .tables import Report, Section, Shown

COLOURS = {"granted": "#1b7a3d", "refused": "#b42318", "no_answer": "#b7791f"}
HIDDEN_COLOUR = "#8a8f98"


def header(report: Report) -> list[str]:
    columns = [
        _("school year"),
        _("reference date"),
        _("school"),
        _("year group"),
        _("purpose"),
        _("media type"),
        _("people"),
    ]
    columns += [str(m.label) for m in report.measures]
    columns += [str(m.label) for m in report.person_measures]
    return columns


def rows(report: Report):
    """One row per section (school and year group), purpose and media type."""
    for section in report.sections:
        for line in section.lines:
            yield [
                str(report.school_year),
                report.on.isoformat(),
                section.school_label,
                section.bucket_label,
                line.purpose.name,
                line.media_type.name,
                section.population,
                *(line.cells[m.code] for m in report.measures),
                *(section.person_cells[m.code] for m in report.person_measures),
            ]


def about(report: Report) -> list[tuple[str, str]]:
    """What a report is: board, scope, year and when it was counted."""
    return [
        (_("report"), _("Consent for photos, film and sound: aggregate report for the (G)MR")),
        (_("school board"), report.board.name),
        (_("schools"), report.scope),
        (_("school year"), str(report.school_year)),
        (_("reference date"), date_format(report.on)),
        (_("counted at"), date_format(timezone.localtime(report.counted_at), "DATETIME_FORMAT")),
        (_("made at"), date_format(timezone.localtime(), "DATETIME_FORMAT")),
    ]


def report_csv(report: Report) -> bytes:
    return _report_file(report, "csv")


def report_xlsx(report: Report) -> bytes:
    """The table on one sheet (bold header, frozen), what the report is on a second."""
    return _report_file(report, "xlsx")


def _report_file(report: Report, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with spreadsheet(fmt, buffer) as book:
        table = book.sheet(_("Report"), widths=(11, 13, 26, 20, 30, 12, 10), frozen_rows=1)
        table.append(header(report), bold=True)
        for row in rows(report):
            # A hidden count stays its mark ("<5"); a shown one a number, also in Excel.
            table.append([getattr(cell, "number", cell) for cell in row])
        if fmt == "xlsx":  # a CSV file has one sheet: the table
            info = book.sheet(_("About this report"), widths=(28, 100))
            for label, value in about(report):
                info.append([label, value], wrap=True)
            info.append([])
            info.append([_("Definitions")], bold=True, wrap=True)
            for term, definition in report.definitions:
                info.append([term, definition], wrap=True)
    return buffer.getvalue()


def _px(value: float) -> str:
    # Formatted here, not in the template: a localised float would be "12,5" in Dutch.
    return f"{value:.1f}"


BAR_WIDTH, LABEL_WIDTH, ROW_HEIGHT, LEGEND_HEIGHT = 360, 230, 22, 16


def _bars(line, population: Shown, hidden_title: str) -> list[dict]:
    """The bars of one line: its shown counts, then one grey bar for all hidden ones."""
    bars, x, shown_total = [], float(LABEL_WIDTH), 0
    for code, colour in COLOURS.items():
        cell = line.cells.get(code)
        if cell is None or cell.hidden or not cell.value:
            continue
        width = BAR_WIDTH * cell.value / population.value
        bars.append({"x": _px(x), "width": _px(width), "fill": colour, "title": cell.text})
        x += width
        shown_total += cell.value
    rest = population.value - shown_total
    if rest > 0:
        width = BAR_WIDTH * rest / population.value
        bars.append(
            {"x": _px(x), "width": _px(width), "fill": HIDDEN_COLOUR, "title": hidden_title}
        )
    return bars


def section_chart(report: Report, section: Section, number: int) -> dict:
    """Stacked bars per purpose and media type: granted, refused, no answer, hidden.

    The geometry is worked out here; `templates/jinja2/consents/reports/chart.svg` draws it.
    `number` (the section's place in the report) names the chart's title, so that every
    process renders the same report to the same bytes."""
    population = section.population
    too_few = population.hidden or not population.value
    hidden_title = _("hidden counts")
    rows = [
        {
            "label": f"{line.purpose.name} – {line.media_type.name}",
            "text_y": index * ROW_HEIGHT + 15,
            "bar_y": index * ROW_HEIGHT + 3,
            "too_few": too_few,
            "bars": [] if too_few else _bars(line, population, hidden_title),
        }
        for index, line in enumerate(section.lines)
    ]
    legend = [(str(m.label), COLOURS[m.code]) for m in report.measures if m.code in COLOURS]
    legend.append((_("hidden"), HIDDEN_COLOUR))
    # One legend entry per line under the bars: a row of them overlapped as soon as a
    # translated label ("toestemming gegeven") was wider than its slot.
    bars_end = ROW_HEIGHT * len(section.lines) + 8
    return {
        "number": number,
        "title": _("Answers per purpose and media type: %(title)s") % {"title": section.title},
        "too_few": _("too few people to show"),
        "width": LABEL_WIDTH + BAR_WIDTH + 10,
        "height": bars_end + LEGEND_HEIGHT * len(legend) + 4,
        "label_x": LABEL_WIDTH - 6,
        "bars_x": LABEL_WIDTH,
        "bar_height": ROW_HEIGHT - 6,
        "rows": rows,
        "legend": [
            {
                "box_y": bars_end + LEGEND_HEIGHT * i + 2,
                "text_y": bars_end + LEGEND_HEIGHT * i + 11,
                "text_x": LABEL_WIDTH + 14,
                "text": text,
                "fill": colour,
            }
            for i, (text, colour) in enumerate(legend)
        ],
    }


def charts(report: Report) -> list[tuple[Section, dict]]:
    """Each section with the geometry of its chart."""
    return [
        (section, section_chart(report, section, number))
        for number, section in enumerate(report.sections, start=1)
    ]


def _jinja(name: str):
    # The report's loops are rendered by Jinja2 (consent_portal/jinja2.py gives the figures).
    return engines["jinja2"].get_template(name).template


def report_sections(report: Report) -> str:
    """The report's sections and definitions as HTML for the page, rendered (and escaped) by
    Jinja2: the `__html__` protocol hands it to Django's engine as markup, like a SafeString."""
    module = _jinja("consents/reports/sections.html").make_module(
        {"report": report, "charts": charts(report)}
    )
    return module.__html__()


def report_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    html = _jinja("consents/reports/pdf.html").render(
        {
            "report": report,
            "charts": charts(report),
            "about": about(report),
            "language_code": get_language(),
        }
    )
    return HTML(string=html).write_pdf()
