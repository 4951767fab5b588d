"""The (G)MR report: for council members (and administrators), aggregates only."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import school_today
from consents.models import Role, SchoolYear
from consents.reports import report_build
from consents.reports.formats import about, charts, report_csv, report_pdf, report_xlsx
from consents.reports.spreadsheets import CONTENT_TYPES
from consents.roles import role_required

DOWNLOADS = {
    "csv": (CONTENT_TYPES["csv"], gettext_lazy("CSV")),
    "xlsx": (CONTENT_TYPES["xlsx"], gettext_lazy("Excel")),
    "pdf": ("application/pdf", gettext_lazy("PDF")),
}


class ReportForm(forms.Form):
    school = forms.ChoiceField(label=gettext_lazy("Schools"))
    school_year = forms.ModelChoiceField(
        label=gettext_lazy("School year"), queryset=SchoolYear.objects.none(), required=False
    )
    by_year_group = forms.BooleanField(label=gettext_lazy("Per year group"), required=False)

    def __init__(self, data, *, schools):
        super().__init__(data)
        self.schools = list(schools.select_related("board").order_by("board__name", "name"))
        choices = []
        for board in {s.board for s in self.schools}:
            mine = {s.id for s in self.schools if s.board_id == board.id}
            if mine >= set(board.schools.values_list("id", flat=True)):
                choices.append(
                    (f"board-{board.id}", _("All schools of %(board)s") % {"board": board})
                )
        choices += [(str(s.id), s.name) for s in self.schools]
        self.fields["school"].choices = choices
        chosen = self.data.get("school") if self.data else None
        self.board = self._board_of(chosen or choices[0][0])
        current = SchoolYear.objects.for_date(self.board, school_today())
        self.fields["school_year"].queryset = SchoolYear.objects.filter(
            board=self.board, start_date__lte=current.start_date
        )
        self.fields["school_year"].initial = current
        self.fields["school_year"].empty_label = None
        self.fields["school"].widget.attrs["class"] = "form-select"
        self.fields["school_year"].widget.attrs["class"] = "form-select"
        self.fields["by_year_group"].widget.attrs["class"] = "form-check-input"

    def _board_of(self, choice: str):
        if choice.startswith("board-"):
            return next(s.board for s in self.schools if str(s.board_id) == choice[6:])
        school = next((s for s in self.schools if str(s.id) == choice), self.schools[0])
        return school.board

    def chosen_schools(self):
        choice = self.cleaned_data["school"]
        if choice.startswith("board-"):
            return [s for s in self.schools if s.board_id == self.board.id]
        return [s for s in self.schools if str(s.id) == choice]


def _chosen(request) -> tuple[ReportForm, dict | None]:
    """The form, and the report it asks for (None when the choice is not valid)."""
    data = request.GET.copy()
    if not data.get("school"):
        data["school"] = ReportForm(None, schools=request.schools).fields["school"].choices[0][0]
    form = ReportForm(data, schools=request.schools)
    if not form.is_valid():
        return form, None
    school_year = form.cleaned_data.get("school_year") or SchoolYear.objects.for_date(
        form.board, school_today()
    )
    return form, {
        "board": form.board,
        "school_year": school_year,
        "schools": form.chosen_schools(),
        "by_year_group": form.cleaned_data.get("by_year_group", False),
    }


@role_required(Role.Kind.COUNCIL, Role.Kind.ADMINISTRATOR)
def council_report(request):
    form, chosen = _chosen(request)
    context = {"form": form, "report": None}
    if chosen is not None:
        report = report_build(**chosen)
        context.update(
            report=report,
            charts=charts(report),
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
