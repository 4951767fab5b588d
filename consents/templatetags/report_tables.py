from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

REPORT_CELL = '<td class="text-end{}">{}</td>'


@register.simple_tag
def report_rows(section) -> str:
    """A report table's rows: per purpose and media type, a cell per measure.

    Rendered in Python rather than as a template loop: the whole board's report has 61 tables
    of 30 lines and 7 measures, 13,000 cells that cost the template engine about 100 ms
    (benchmarks "page: (G)MR report"). Each distinct cell is made once, and each row is one
    `format_html`."""
    if not section.lines:
        return ""
    cells = {}

    def cell(shown):
        key = (shown.text, shown.hidden)
        if key not in cells:
            cells[key] = format_html(
                REPORT_CELL, " report-hidden" if shown.hidden else "", shown.text
            )
        return cells[key]

    measures = len(section.lines[0].cells)
    row = '<tr><th scope="row">{}</th><td>{}</td>' + "{}" * measures + "</tr>"
    return format_html_join(
        "",
        row,
        (
            (line.purpose.name, line.media_type.name, *map(cell, line.cells.values()))
            for line in section.lines
        ),
    )
