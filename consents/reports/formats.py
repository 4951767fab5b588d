"""The (G)MR report as CSV, Excel and PDF, and its charts as server-rendered SVG.

Every format shows the same suppressed cells (hidden counts as "<5", "×" or "–", never the
number); the Excel sheet and the PDF carry the date, the scope and the definitions.
"""

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from consents.reports.spreadsheets import spreadsheet

from .tables import Report, Section

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


def section_chart(report: Report, section: Section, number: int) -> SafeString:
    """Stacked bars per purpose and media type: granted, refused, no answer, hidden.

    The geometry is worked out here; `consents/reports/chart.svg` draws it. `number` (the
    section's place in the report) names the chart's title, so that every process renders
    the same report to the same bytes."""
    bar_width, label_width, row_height = 360, 230, 22
    population = section.population
    rows = []
    for index, line in enumerate(section.lines):
        y = index * row_height
        row = {
            "label": f"{line.purpose.name} – {line.media_type.name}",
            "text_y": y + 15,
            "bar_y": y + 3,
            "bars": [],
        }
        rows.append(row)
        if population.hidden or not population.value:
            row["too_few"] = True
            continue
        x, shown_total = float(label_width), 0
        for code, colour in COLOURS.items():
            cell = line.cells.get(code)
            if cell is None or cell.hidden or not cell.value:
                continue
            w = bar_width * cell.value / population.value
            row["bars"].append({"x": _px(x), "width": _px(w), "fill": colour, "title": cell.text})
            x += w
            shown_total += cell.value
        rest = population.value - shown_total
        if rest > 0:
            w = bar_width * rest / population.value
            row["bars"].append(
                {"x": _px(x), "width": _px(w), "fill": HIDDEN_COLOUR, "title": _("hidden counts")}
            )
    legend = [(str(m.label), COLOURS[m.code]) for m in report.measures if m.code in COLOURS]
    legend.append((_("hidden"), HIDDEN_COLOUR))
    # One legend entry per line under the bars: a row of them overlapped as soon as a
    # translated label ("toestemming gegeven") was wider than its slot.
    bars_end = row_height * len(section.lines) + 8
    legend_height = 16
    return render_to_string(
        "consents/reports/chart.svg",
        {
            "number": number,
            "title": _("Answers per purpose and media type: %(title)s") % {"title": section.title},
            "too_few": _("too few people to show"),
            "width": label_width + bar_width + 10,
            "height": bars_end + legend_height * len(legend) + 4,
            "label_x": label_width - 6,
            "bars_x": label_width,
            "bar_height": row_height - 6,
            "rows": rows,
            "legend": [
                {
                    "box_y": bars_end + legend_height * i + 2,
                    "text_y": bars_end + legend_height * i + 11,
                    "text_x": label_width + 14,
                    "text": text,
                    "fill": colour,
                }
                for i, (text, colour) in enumerate(legend)
            ],
        },
    )


def charts(report: Report) -> list[tuple[Section, SafeString]]:
    return [
        (section, section_chart(report, section, number))
        for number, section in enumerate(report.sections, start=1)
    ]


def report_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "consents/reports/pdf.html",
        {"report": report, "charts": charts(report), "about": about(report)},
    )
    return HTML(string=html).write_pdf()
