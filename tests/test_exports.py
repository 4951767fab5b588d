"""The register export: current status or events in a period, CSV or Excel, always logged."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from consents.models import ExportJob, ExportLog, MediaType, Purpose
from consents.reports.exports import ExportRequest, Kind, export_rows, export_write, row_count
from consents.rules import verdicts

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def in_october_2026(private_media):
    with time_machine.travel(amsterdam(2026, 10, 1, 10), tick=False):
        yield


@pytest.fixture
def history(child, mother, father, website, photo, school):
    with time_machine.travel(amsterdam(2026, 9, 2), tick=False):
        record(mother.user, child, website, photo)
    with time_machine.travel(amsterdam(2026, 9, 25), tick=False):
        record(father.user, child, website, photo, value="refused")
    f.StudentFactory(school=school, first_name="Sem")
    f.StaffMemberFactory(board=school.board, schools=[school], first_name="Anton")


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def post(client, **data):
    return client.post(reverse("register_export"), {"format": "csv", **data})


def test_the_current_status_export_equals_the_verdicts_and_is_logged(
    client, administrator, history, child, website, photo
):
    client.force_login(administrator)
    response = post(client, kind=Kind.REGISTER_STATUS)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download(response).decode("utf-8-sig")), delimiter=";"))
    people, purposes, media = 3, Purpose.objects.count(), MediaType.objects.count()
    assert len(rows) == people * purposes * media
    zoe = next(
        r
        for r in rows
        if r["first name"] == "Zoë"
        and r["purpose"] == website.name
        and r["media type"] == photo.name
    )
    verdict = verdicts([child.pk], on=dt.date(2026, 10, 1))[(child.pk, website.pk, photo.pk)]
    assert zoe["status"] == verdict.state.label == "not allowed"
    assert zoe["disputed"] == "yes"
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.format, log.rows) == (
        administrator,
        Kind.REGISTER_STATUS,
        "csv",
        len(rows),
    )
    assert "Waldheim-mavo" in log.scope


def test_the_register_says_who_decides_in_the_language_of_the_download(
    administrator, history, school
):
    export = ExportRequest(Kind.REGISTER_STATUS, (school.id,), on=dt.date(2026, 10, 1))
    for language, guardians, themselves in [
        ("en", "guardians", "the person"),
        ("nl", "ouders/verzorgers", "de persoon zelf"),
    ]:
        with translation.override(language):
            header, rows = export_rows(export)
            column = [str(h) for h in header].index(str(_("decides")))
            decides = {(row[4], row[column]) for row in rows}  # (first name, decides)
        assert decides == {("Zoë", guardians), ("Sem", guardians), ("Anton", themselves)}


def test_events_in_a_period_as_excel(client, administrator, history):
    client.force_login(administrator)
    response = post(
        client, kind=Kind.REGISTER_EVENTS, format="xlsx", start="2026-09-10", end="2026-09-30"
    )
    sheet = load_workbook(io.BytesIO(download(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("number", "decided at", "school")
    assert len(rows) == 2 and rows[1][10] == "refused"
    assert ExportLog.objects.get().rows == 1


def test_a_period_that_ends_before_it_starts_is_refused(client, administrator, history):
    client.force_login(administrator)
    response = post(client, kind=Kind.REGISTER_EVENTS, start="2026-09-30", end="2026-09-01")
    assert response.status_code == 200 and "ends before it starts" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_an_administrator_exports_only_their_own_schools(
    client, other_school_administrator, history
):
    client.force_login(other_school_administrator)
    response = post(client, kind=Kind.REGISTER_EVENTS, start="2026-08-01", end="2026-10-01")
    rows = list(csv.reader(io.StringIO(download(response).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1  # the header only
    response = post(client, kind=Kind.REGISTER_STATUS)
    assert "Zoë" not in download(response).decode("utf-8-sig")


def test_a_large_export_runs_in_the_background_with_progress(
    client,
    settings,
    administrator,
    other_school_administrator,
    history,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    settings.EXPORT_SYNC_MAX_ROWS = 5
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, kind=Kind.REGISTER_STATUS)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("export_job", args=[job.token])
    assert job.status == ExportJob.Status.DONE
    assert job.rows_done == job.rows_total == ExportLog.objects.get().rows
    assert job.file.name.startswith("exports/")
    page = client.get(response.url).content.decode()
    assert "100" in page and reverse("export_job_download", args=[job.token]) in page
    partial = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in partial  # finished: no more polling
    content = download(client.get(reverse("export_job_download", args=[job.token])))
    assert content.decode("utf-8-sig").count("\n") == job.rows_done + 1
    client.force_login(other_school_administrator)
    assert client.get(reverse("export_job_download", args=[job.token])).status_code == 404


def test_progress_is_reported_while_rows_are_written(administrator, history, school, tmp_path):
    export = ExportRequest(Kind.REGISTER_STATUS, (school.id,), on=dt.date(2026, 10, 1))
    seen = []
    rows = export_write(export, "csv", tmp_path / "x.csv", progress=seen.append, every=5)
    assert rows == row_count(export)
    assert seen == list(range(5, rows + 1, 5))
