"""The (G)MR report: for council members (and administrators), aggregates only."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from consents.models import Role
from consents.reports import report_build
from consents.reports.formats import (
    about,
    report_csv,
    report_pdf,
    report_sections,
    report_xlsx,
)
from consents.reports.forms import ReportForm
from consents.reports.spreadsheets import CONTENT_TYPES
from consents.roles import role_required

DOWNLOADS = {
    "csv": (CONTENT_TYPES["csv"], gettext_lazy("CSV")),
    "xlsx": (CONTENT_TYPES["xlsx"], gettext_lazy("Excel")),
    "pdf": ("application/pdf", gettext_lazy("PDF")),
}


def _chosen(request) -> tuple[ReportForm, dict | None]:
    """The form, and the report it asks for (None when the choice is not valid)."""
    data = request.GET.copy()
    if not data.get("school"):
        data["school"] = ReportForm(None, schools=request.schools).fields["school"].choices[0][0]
    form = ReportForm(data, schools=request.schools)
    if not form.is_valid():
        return form, None
    return form, form.report_arguments()


@role_required(Role.Kind.COUNCIL, Role.Kind.ADMINISTRATOR)
def council_report(request):
    form, chosen = _chosen(request)
    context = {"form": form, "report": None}
    if chosen is not None:
        report = report_build(**chosen)
        context.update(
            report=report,
            sections=report_sections(report),
            about=about(report),
            query=request.GET.urlencode(),
            downloads=[(fmt, label) for fmt, (_type, label) in DOWNLOADS.items()],
        )
    return render(request, "consents/reports/report.html", context)


@role_required(Role.Kind.COUNCIL, Role.Kind.ADMINISTRATOR)
def council_report_download(request, fmt):
    if fmt not in DOWNLOADS:
        raise Http404
    _form, chosen = _chosen(request)
    if chosen is None:
        raise Http404
    report = report_build(**chosen)
    writers = {"csv": report_csv, "xlsx": report_xlsx, "pdf": report_pdf}
    content = writers[fmt](report)
    response = HttpResponse(content, content_type=DOWNLOADS[fmt][0])
    filename = f"gmr-rapport-{report.school_year}-{report.on.isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
