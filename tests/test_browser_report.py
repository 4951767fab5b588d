"""In a real browser, in Dutch: the (G)MR report's labels are translated and its legend can be
read (no entry overlaps another or runs off the chart)."""

import pytest

from consents.dates import school_today
from consents.models import SchoolYear

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot
from .helpers import record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LEGEND_BOXES = """svg => Array.from(svg.querySelectorAll('.report-legend text')).map(text => {
    const box = text.getBBox();
    return {text: text.textContent, x: box.x, y: box.y, right: box.x + box.width,
            bottom: box.y + box.height};
})"""


def overlap(a, b) -> bool:
    return (
        a["x"] < b["right"]
        and b["x"] < a["right"]
        and a["y"] < b["bottom"]
        and b["y"] < a["bottom"]
    )


def test_the_council_reads_this_years_report_in_dutch_with_a_readable_legend(
    browser, live_server, chain_transactional_db, council_member, board, school, website, photo
):
    for name in ["Schoolgids", "Nieuwsbrief", "Sociale media", "Ouderportaal", "Pers"]:
        f.PurposeFactory(board=board, name_nl=name, name_en=name)  # a board's usual length
    year = SchoolYear.objects.for_date(board, school_today())
    group = f.GroupFactory(school=school, school_year=year, name="1a", year_group=1)
    for number in range(14):
        student = f.StudentFactory(school=school, group=group)
        guardian = f.GuardianFactory(students=[student])
        if number < 12:
            record(guardian.user, student, website, photo, "granted" if number < 9 else "refused")
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    log_in_browser(page, live_server, council_member)
    page.goto(live_server.url + "/reports/")

    assert page.locator("h1").inner_text() == (
        "Toestemming voor foto’s, film en geluid: rapportage voor de (G)MR"
    )
    row = page.locator("table.report-table tbody tr", has_text="Website").filter(has_text="foto")
    # 14 people: 9 granted, 3 refused and 2 without an answer (both hidden: fewer than 5).
    assert row.locator("td").all_inner_texts()[1:4] == ["9", "<5", "<5"]
    chart = page.locator("svg.report-chart").first
    boxes = chart.evaluate(LEGEND_BOXES)
    assert [box["text"] for box in boxes] == [
        "toestemming gegeven",
        "geweigerd",
        "geen antwoord",
        "verborgen",
    ]
    width = float(chart.get_attribute("viewBox").split()[2])
    for index, box in enumerate(boxes):
        assert box["right"] <= width, box
        assert not any(overlap(box, other) for other in boxes[index + 1 :]), box
    html = page.content()
    assert "too few people to show" not in html and "hidden counts" not in html
    screenshot(page, "council-report-nl")
    assert axe_violations(page) == []
    context.close()

    # On a phone the table scrolls sideways inside its box; the purpose and the media type
    # stay in view beside the counts.
    phone = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, bypass_csp=True
    )
    page = phone.new_page()
    log_in_browser(page, live_server, council_member)
    page.goto(live_server.url + "/reports/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    box = page.locator(".table-responsive").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the premise: it scrolls
    row = page.locator("table.report-table tbody tr", has_text="Website").first
    before = [row.locator(cell).bounding_box()["x"] for cell in ("th", "td >> nth=0")]
    count_before = row.locator("td >> nth=1").bounding_box()["x"]
    box.evaluate("e => { e.scrollLeft = 200; }")
    assert [row.locator(cell).bounding_box()["x"] for cell in ("th", "td >> nth=0")] == before
    assert row.locator("td >> nth=1").bounding_box()["x"] < count_before
    # A table longer than the screen scrolls down inside its box, under its column heads.
    assert box.evaluate("e => e.scrollHeight > e.clientHeight")
    head = box.locator("thead th >> nth=2")
    box_top, head_top = box.bounding_box()["y"], head.bounding_box()["y"]
    row_top = row.bounding_box()["y"]
    box.evaluate("e => { e.scrollTop = 300; }")
    assert head.bounding_box()["y"] == head_top == box_top
    assert row.bounding_box()["y"] < row_top
    # The scrolling box can be scrolled from the keyboard too (scrollable-region-focusable).
    assert axe_violations(page) == []
    phone.close()
