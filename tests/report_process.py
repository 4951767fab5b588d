"""One process's (G)MR report: `python -m tests.report_process AT USER_ID ORDER OUT_DIR`.

Run by `tests/test_reports.py` in separate processes (each with its own PYTHONHASHSEED) to
check that they publish the same report. At the instant AT (ISO), as the user USER_ID, it
requests the report per year group as CSV and as the HTML page, and writes the CSV and the
page's tables to OUT_DIR. ORDER is the order in which the schools' stored counts come back
from the database: "stored" (as they are), "reversed", "jsonb" (PostgreSQL's: shorter keys
first) or "shuffled-N" (random, seed N). DATABASE_URL (or VAR_DIR) names the database.
"""

import os
import random
import re
import sys
from pathlib import Path


def reorder(counts: dict, order: str) -> dict:
    items = list(counts.items())
    if order == "reversed":
        items.reverse()
    elif order == "jsonb":
        items.sort(key=lambda item: (len(item[0].encode()), item[0].encode()))
    elif order.startswith("shuffled-"):
        random.Random(int(order.removeprefix("shuffled-"))).shuffle(items)
    elif order != "stored":
        raise SystemExit(f"unknown order {order!r}")
    return dict(items)


def main(at: str, user_id: str, order: str, out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent_portal.settings")
    import django

    django.setup()
    import time_machine
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from consents.reports import tables

    stored_counts = tables.schools_counts

    def schools_counts(*args, **kwargs):
        snapshots = stored_counts(*args, **kwargs)
        for snapshot in snapshots:
            snapshot.counts = reorder(snapshot.counts, order)
        return snapshots

    tables.schools_counts = schools_counts
    setup_test_environment()  # the test client's host, as in the test that runs this
    with time_machine.travel(at, tick=False):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(get_user_model().objects.get(pk=user_id))
        query = {"by_year_group": "on"}
        csv = client.get(reverse("council_report_download", args=["csv"]), query)
        page = client.get(reverse("council_report"), query)
    assert csv.status_code == page.status_code == 200, (csv.status_code, page.status_code)
    html = page.content.decode()
    sections = re.findall(r'<section class="mb-5 report-section">.*?</section>', html, re.S)
    Path(out, "report.csv").write_bytes(csv.content)
    Path(out, "tables.html").write_text("".join(sections), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
