"""The register for the privacy officer: current status, or every event in a period.

Rows are produced lazily in chunks (verdicts per thousand people, decisions through a
server-side iterator) and written straight to a file (`spreadsheets.py`), so an export
of a large board runs in bounded memory. Small exports are answered at once; larger ones by a
Celery task with progress (`ExportJob`). Every export is logged in ExportLog: who, what, when,
how many rows.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents import stored
from consents.dates import SCHOOL_TZ, school_date, school_year_start
from consents.models import (
    ConsentDecision,
    ExportJob,
    ExportLog,
    Guardian,
    MediaType,
    Purpose,
    School,
    StaffMember,
    Student,
    Subject,
)
from consents.models.people import full_name
from consents.queue import enqueue
from consents.reports.spreadsheets import CheckedRows, safe_cell, spreadsheet
from consents.rules import Decider, State, who_decided_text

Kind = ExportLog.Kind
CHUNK = 1000
LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)  # what timezone.localtime() converts to


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the kind, the schools (ids) and the date or period."""

    kind: str
    school_ids: tuple[int, ...]
    on: dt.date | None = None  # current status: on this date
    start: dt.date | None = None  # events: from this date
    end: dt.date | None = None  # events: up to and including this date

    @classmethod
    def from_parameters(cls, kind: str, school_ids, parameters: dict) -> "ExportRequest":
        dates = {k: dt.date.fromisoformat(v) for k, v in parameters.items() if v}
        return cls(kind=kind, school_ids=tuple(school_ids), **dates)

    @property
    def parameters(self) -> dict:
        return {
            name: value.isoformat()
            for name, value in (("on", self.on), ("start", self.start), ("end", self.end))
            if value
        }

    @property
    def scope(self) -> str:
        schools = ", ".join(
            School.objects.filter(id__in=self.school_ids).values_list("name", flat=True)
        )
        if self.kind == Kind.REGISTER_STATUS:
            return _("%(schools)s; status on %(date)s") % {"schools": schools, "date": self.on}
        return _("%(schools)s; events from %(start)s to %(end)s") % {
            "schools": schools,
            "start": self.start,
            "end": self.end,
        }


def _people(school_ids):
    return (
        Subject.objects.filter(
            Q(student__school_id__in=school_ids) | Q(staffmember__schools__id__in=school_ids)
        )
        .distinct()
        .order_by("id")
    )


def _events(request: ExportRequest):
    start = dt.datetime.combine(request.start, dt.time.min, tzinfo=SCHOOL_TZ)
    end = dt.datetime.combine(request.end + dt.timedelta(days=1), dt.time.min, tzinfo=SCHOOL_TZ)
    return ConsentDecision.objects.filter(
        subject__in=_people(request.school_ids), decided_at__gte=start, decided_at__lt=end
    ).order_by("seq")


def row_count(request: ExportRequest) -> int:
    """How many rows the export will have (for the choice between now and background)."""
    if request.kind == Kind.REGISTER_STATUS:
        board_ids = School.objects.filter(id__in=request.school_ids).values("board_id")
        purposes = Purpose.objects.filter(board_id__in=board_ids, active=True).count()
        return _people(request.school_ids).count() * purposes * MediaType.objects.count()
    return _events(request).count()


STATUS_HEADER = [
    gettext_lazy("school"),
    gettext_lazy("class"),
    gettext_lazy("student number"),
    gettext_lazy("kind"),
    gettext_lazy("first name"),
    gettext_lazy("prefix"),
    gettext_lazy("last name"),
    gettext_lazy("purpose"),
    gettext_lazy("media type"),
    gettext_lazy("status"),
    gettext_lazy("decides"),
    gettext_lazy("disputed"),
    gettext_lazy("not renewed"),
    gettext_lazy("asked again"),
    gettext_lazy("last decision"),
    gettext_lazy("decided by"),
    gettext_lazy("must not appear"),  # rule 12: the flag, never its reason
]
# Who decides about the person's consent (rules 1 and 2), in the register's "decides" column.
DECIDERS = {
    Decider.GUARDIANS.value: gettext_lazy("guardians"),
    Decider.SELF.value: gettext_lazy("the person"),
}
EVENTS_HEADER = [
    gettext_lazy("number"),
    gettext_lazy("decided at"),
    gettext_lazy("school"),
    gettext_lazy("student number"),
    gettext_lazy("kind"),
    gettext_lazy("first name"),
    gettext_lazy("prefix"),
    gettext_lazy("last name"),
    gettext_lazy("purpose"),
    gettext_lazy("media type"),
    gettext_lazy("decision"),
    gettext_lazy("for guardian"),
    gettext_lazy("decided by"),
    gettext_lazy("capacity"),
    gettext_lazy("method"),
    gettext_lazy("text version"),
    gettext_lazy("school year"),
    gettext_lazy("hash"),
]


def _status_rows(request: ExportRequest) -> CheckedRows:
    """The rows of the current status, every text cell checked by `safe_cell` where its value
    is made: once per export (labels, names of purposes and media types) or per person (the
    person's columns, who decided), not once per row (1.7 million rows for a whole board)."""
    return CheckedRows(_status_rows_checked(request))


def _status_rows_checked(request: ExportRequest) -> Iterator[list]:
    ids = list(_people(request.school_ids).values_list("id", flat=True))
    purposes = list(
        Purpose.objects.filter(board__schools__id__in=request.school_ids, active=True).distinct()
    )
    media_types = list(MediaType.objects.all())
    # Translated once per export, not once per row.
    purpose_names = {p.id: safe_cell(str(p.name)) for p in purposes}
    media_names = {m.id: safe_cell(str(m.name)) for m in media_types}
    states = {state.value: safe_cell(str(state.label)) for state in State}
    deciders = {decider: safe_cell(str(label)) for decider, label in DECIDERS.items()}
    yes = {True: safe_cell(_("yes")), False: ""}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        columns = _person_columns(chunk)
        found = list(
            # Today's status is read from the stored verdicts where they hold; the rest (and
            # another date's) is worked out.
            stored.register_rows(chunk, on=request.on, purposes=purposes, media_types=media_types)
        )
        who = {key: safe_cell(text) for key, text in _who_decided(found, columns).items()}
        columns = {pk: [safe_cell(value) for value in values] for pk, values in columns.items()}
        protected = set(
            Subject.objects.filter(id__in=chunk, protected=True).values_list("id", flat=True)
        )
        for row in found:
            subject_id, purpose_id, media_id, state, decider, *flags, decided_at, voice, _by = row
            disputed, not_renewed, asked_again = flags
            yield [
                *columns[subject_id],
                purpose_names[purpose_id],
                media_names[media_id],
                states[state],
                deciders[decider],
                yes[disputed],
                yes[not_renewed],
                yes[asked_again],
                # A date and time starts with its year: a spreadsheet reads no formula in it.
                _local_time(decided_at) if decided_at else "",
                who[subject_id, voice] if decided_at else "",
                yes[subject_id in protected],
            ]


def _local_time(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, LOCAL_TZ).isoformat()


def _who_decided(found: list[tuple], columns: dict[int, list]) -> dict:
    """Who decided, for the register's last column: {(person id, guardian id or None):
    `rules.who_decided_text`}, worded once per person and voice rather than per row, with the
    guardians' names in one query and the person's from their columns (the last three)."""
    voices = {(row[0], row[-2]) for row in found if row[-3]}
    guardians = {
        guardian.pk: guardian.name
        for guardian in Guardian.objects.filter(
            pk__in={voice for _subject, voice in voices if voice}
        ).only("first_name", "prefix", "last_name")
    }
    return {
        (subject_id, voice): who_decided_text(
            guardian=guardians[voice] if voice else None,
            person=full_name(*columns[subject_id][-3:]),
        )
        for subject_id, voice in voices
    }


def _person_columns(chunk: list[int]) -> dict[int, list]:
    """{person id: the register's columns about the person}, from plain values."""
    kinds = {kind: str(label) for kind, label in Subject.Kind.choices}
    columns = {}
    for pk, school, group, number, *names in Student.objects.filter(id__in=chunk).values_list(
        "id", "school__name", "group__name", "student_number", "first_name", "prefix", "last_name"
    ):
        columns[pk] = [school, group or "", number, kinds[Subject.Kind.STUDENT], *names]
    staff_schools = defaultdict(list)
    for pk, school in (
        StaffMember.schools.through.objects.filter(staffmember_id__in=chunk)
        .order_by("school__name")
        .values_list("staffmember_id", "school__name")
    ):
        staff_schools[pk].append(school)
    for pk, *names in StaffMember.objects.filter(id__in=chunk).values_list(
        "id", "first_name", "prefix", "last_name"
    ):
        columns[pk] = [", ".join(staff_schools[pk]), "", "", kinds[Subject.Kind.STAFF], *names]
    return columns


def _event_rows(request: ExportRequest) -> Iterator[list]:
    decisions = _events(request).select_related(
        "subject__student__school",
        "purpose",
        "media_type",
        "guardian",
        "decided_by",
        "text",
        "school_year",
    )
    for decision in decisions.iterator(chunk_size=2000):
        subject = decision.subject
        is_student = subject.kind == Subject.Kind.STUDENT
        yield [
            decision.seq,
            timezone.localtime(decision.decided_at).isoformat(timespec="seconds"),
            subject.student.school.name if is_student else "",
            subject.student.student_number if is_student else "",
            subject.get_kind_display(),
            subject.first_name,
            subject.prefix,
            subject.last_name,
            decision.purpose.name,
            decision.media_type.name,
            decision.get_value_display(),
            decision.guardian.name if decision.guardian_id else "",
            decision.decided_by.email,
            decision.get_capacity_display(),
            decision.get_method_display(),
            decision.text.version,
            str(decision.school_year),
            decision.hash,
        ]


def export_rows(request: ExportRequest) -> tuple[list[str], Iterator[list]]:
    if request.kind == Kind.REGISTER_STATUS:
        return STATUS_HEADER, _status_rows(request)
    return EVENTS_HEADER, _event_rows(request)


def export_write(
    request: ExportRequest,
    fmt: str,
    path,
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 500,
) -> int:
    """Write the export to `path` row by row; returns the number of rows (header excluded)."""
    header, rows = export_rows(request)
    checked = isinstance(rows, CheckedRows)
    rows = iter(rows)
    count = 0
    with spreadsheet(fmt, path) as book:
        sheet = book.sheet(_("Register"))
        sheet.append(header)
        while batch := list(islice(rows, every)):
            sheet.extend(batch, checked=checked)
            count += len(batch)
            if progress and len(batch) == every:
                progress(count)
    return count


def export_log(*, user, request: ExportRequest, fmt: str, rows: int) -> ExportLog:
    return ExportLog.objects.create(
        user=user,
        kind=request.kind,
        format=fmt,
        scope=request.scope[:500],
        parameters={"schools": list(request.school_ids), **request.parameters},
        rows=rows,
    )


def export_job_start(*, user, request: ExportRequest, fmt: str, rows_total: int) -> ExportJob:
    """Queue a background export; the task starts once this transaction has committed."""

    job = ExportJob.objects.create(
        requested_by=user,
        kind=request.kind,
        format=fmt,
        school_ids=list(request.school_ids),
        parameters=request.parameters,
        rows_total=rows_total,
    )
    transaction.on_commit(lambda: _export_job_publish(job))
    return job


def _export_job_publish(job: ExportJob) -> None:
    # If the broker cannot take it, the page says so instead of waiting forever.
    if not enqueue("consents.tasks.export_job_run", job.id):
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=_("The background service is unavailable; start the export again later."),
        )


def export_job_produce(job: ExportJob) -> ExportJob:
    """Produce a queued export into the private MEDIA_ROOT, updating its progress."""
    import tempfile

    request = ExportRequest.from_parameters(job.kind, job.school_ids, job.parameters)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)

    def progress(done: int):
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    with tempfile.TemporaryDirectory(dir=_tmp_dir()) as directory:
        path = f"{directory}/export.{job.format}"
        rows = export_write(request, job.format, path, progress=progress)
        with open(path, "rb") as handle:
            job.file.save(f"{job.token}.{job.format}", File(handle), save=False)
    job.status = ExportJob.Status.DONE
    job.rows_done = job.rows_total = rows
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "rows_done", "rows_total", "finished_at"])
    export_log(user=job.requested_by, request=request, fmt=job.format, rows=rows)
    return job


def _tmp_dir():
    directory = settings.MEDIA_ROOT / "tmp"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return school_year_start(today), today


def filename(request: ExportRequest, fmt: str) -> str:
    day = request.on or request.end or school_date(timezone.now())
    name = "register-status" if request.kind == Kind.REGISTER_STATUS else "register-events"
    return f"{name}-{day.isoformat()}.{fmt}"
