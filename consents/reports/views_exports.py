"""The register export for the privacy officer, answered at once or in the background."""

import tempfile

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from consents.models import ExportJob, ExportLog, Role
from consents.reports.exports import (
    ExportRequest,
    export_job_start,
    export_log,
    export_write,
    filename,
    row_count,
)
from consents.reports.forms import RegisterForm
from consents.reports.spreadsheets import CONTENT_TYPES
from consents.roles import role_required


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
