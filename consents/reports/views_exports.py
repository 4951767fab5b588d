"""The register export for the privacy officer, answered at once or in the background."""

import tempfile

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import school_today
from consents.models import ExportJob, ExportLog, Role
from consents.reports.exports import (
    ExportRequest,
    Kind,
    default_period,
    export_job_start,
    export_log,
    export_write,
    filename,
    row_count,
)
from consents.reports.spreadsheets import CONTENT_TYPES
from consents.roles import role_required


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What"),
        choices=[
            (Kind.REGISTER_STATUS, Kind.REGISTER_STATUS.label),
            (Kind.REGISTER_EVENTS, Kind.REGISTER_EVENTS.label),
        ],
        widget=forms.RadioSelect,
    )
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("all my schools"),
    )
    on = forms.DateField(
        label=gettext_lazy("Status on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    start = forms.DateField(
        label=gettext_lazy("Events from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("up to and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("csv", "CSV"), ("xlsx", "Excel")]
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.schools = schools

    def clean(self):
        data = super().clean()
        today = school_today()
        start, end = default_period(today)
        data["on"] = data.get("on") or today
        data["start"] = data.get("start") or start
        data["end"] = data.get("end") or end
        if data["start"] > data["end"]:
            self.add_error("end", _("The period ends before it starts."))
        return data

    def export_request(self) -> ExportRequest:
        data = self.cleaned_data
        school_ids = (
            (data["school"].id,)
            if data.get("school")
            else tuple(self.schools.values_list("id", flat=True))
        )
        if data["kind"] == Kind.REGISTER_STATUS:
            return ExportRequest(Kind.REGISTER_STATUS, school_ids, on=data["on"])
        return ExportRequest(Kind.REGISTER_EVENTS, school_ids, start=data["start"], end=data["end"])


@role_required(Role.Kind.ADMINISTRATOR)
def register_export(request):
    form = RegisterForm(request.POST or None, schools=request.schools)
    if request.method == "POST" and form.is_valid():
        export = form.export_request()
        fmt = form.cleaned_data["format"]
        expected = row_count(export)
        if expected > settings.EXPORT_SYNC_MAX_ROWS:
            job = export_job_start(user=request.user, request=export, fmt=fmt, rows_total=expected)
            return redirect("export_job", token=job.token)
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        # Closed (and so removed) by the response once it has been sent.
        handle = tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT, suffix=f".{fmt}")  # noqa: SIM115
        rows = export_write(export, fmt, handle.name)
        export_log(user=request.user, request=export, fmt=fmt, rows=rows)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=filename(export, fmt),
            content_type=CONTENT_TYPES[fmt],
        )
    logs = ExportLog.objects.filter(user=request.user).order_by("-created_at")[:20]
    jobs = ExportJob.objects.filter(requested_by=request.user)[:10]
    return render(
        request, "consents/exports/register.html", {"form": form, "logs": logs, "jobs": jobs}
    )


@role_required(Role.Kind.ADMINISTRATOR)
def export_job(request, token):
    """The progress of a background export (polled by htmx), with the download when ready."""
    job = get_object_or_404(ExportJob, token=token, requested_by=request.user)
    template = "consents/exports/job_progress.html" if request.htmx else "consents/exports/job.html"
    return render(request, template, {"job": job})


@role_required(Role.Kind.ADMINISTRATOR)
def export_job_download(request, token):
    job = get_object_or_404(
        ExportJob, token=token, requested_by=request.user, status=ExportJob.Status.DONE
    )
    if not job.file:
        raise Http404
    if job.format not in CONTENT_TYPES:
        raise Http404
    export = ExportRequest.from_parameters(job.kind, job.school_ids, job.parameters)
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=filename(export, job.format),
        content_type=CONTENT_TYPES[job.format],
    )
