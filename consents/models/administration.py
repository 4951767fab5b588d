"""Records of the administrator's work: imports, exports (and their audit log), report counts."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """One uploaded file from the school administration system, from dry run to import.

    The file holds personal data: it lives under the private MEDIA_ROOT only until it has been
    imported (or the run is abandoned), after which only the summary stays.
    """

    class Format(models.TextChoices):
        STUDENTS = "students", _("students (CSV or Excel)")
        STAFF = "staff", _("staff (CSV or Excel)")
        ONEROSTER = "oneroster", _("OneRoster 1.1 or 1.2 (zip with CSV files)")
        EDEXML = "edexml", _("EDEXML 2.1 from ParnasSys or ESIS (XML, with a guardians CSV)")

    class Status(models.TextChoices):
        CHECKED = "checked", _("checked (dry run)")
        IMPORTED = "imported", _("imported")
        FAILED = "failed", _("failed: nothing imported")
        CANCELLED = "cancelled", _("cancelled")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="import_runs"
    )
    school = models.ForeignKey(
        "consents.School", models.PROTECT, related_name="import_runs", null=True, blank=True
    )
    format = models.CharField(_("format"), max_length=10, choices=Format)
    full = models.BooleanField(
        _("full import"),
        default=False,
        help_text=_("People of the school missing from the file are marked as left."),
    )
    filename = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to="imports/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"


class ImportColumn(models.Model):
    """A column of a school's export that the importer does not know, mapped to a field once
    and remembered for that school's next imports."""

    school = models.ForeignKey(
        "consents.School", models.CASCADE, related_name="import_columns", verbose_name=_("school")
    )
    # `consents.imports.columns.normalise` of the header: case, spaces and dashes do not count
    header = models.CharField(_("column"), max_length=200)
    label = models.CharField(_("column as in the file"), max_length=200)
    field = models.CharField(_("means"), max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("mapped at"), default=timezone.now)

    class Meta:
        verbose_name = _("mapped import column")
        verbose_name_plural = _("mapped import columns")
        ordering = ["school", "label"]
        constraints = [
            models.UniqueConstraint(fields=["school", "header"], name="import_column_once")
        ]

    def __str__(self):
        return f"{self.label} → {self.field}"


class ExportLog(models.Model):
    """Personal data leaves the system only through a logged export (rule 11). Append-only."""

    class Kind(models.TextChoices):
        REGISTER_STATUS = "register_status", _("register: current status")
        REGISTER_EVENTS = "register_events", _("register: all events in a period")
        SUBJECT_ACCESS = "subject_access", _("subject access: everything about one person")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="exports")
    kind = models.CharField(_("what"), max_length=20, choices=Kind)
    format = models.CharField(_("format"), max_length=10)
    scope = models.CharField(_("scope"), max_length=500)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    subject = models.ForeignKey(
        "consents.Subject", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rows = models.PositiveIntegerField(_("rows"))
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user} {self.kind} ({self.rows})"


class ExportJob(models.Model):
    """A large export produced in the background, offered for download when ready."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("in progress")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="export_jobs"
    )
    kind = models.CharField(_("what"), max_length=20, choices=ExportLog.Kind)
    format = models.CharField(_("format"), max_length=10)
    school_ids = models.JSONField(_("schools"), default=list)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows expected"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background export")
        verbose_name_plural = _("background exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.format} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class ReportSnapshot(models.Model):
    """The unsuppressed counts of one school and school year on one date, for the (G)MR report.

    A closed school year is counted once, on its last day, and never again: later imports,
    class moves and the erasure of people who left cannot change the counts of past years.
    The current year is recounted at most once a day.
    """

    school = models.ForeignKey("consents.School", models.CASCADE, related_name="+")
    school_year = models.ForeignKey("consents.SchoolYear", models.CASCADE, related_name="+")
    on = models.DateField(_("counted on"))
    counts = models.JSONField(_("counts"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("report counts")
        verbose_name_plural = _("report counts")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "on"], name="reportsnapshot_unique_day"
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.school_year} {self.on}"
