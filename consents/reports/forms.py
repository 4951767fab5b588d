"""The forms of the (G)MR report and the register export: what is asked, checked here."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import school_today
from consents.models import SchoolYear
from consents.reports.exports import ExportRequest, Kind, default_period


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

    def report_arguments(self) -> dict:
        """The keyword arguments of `report_build` for a valid form."""
        return {
            "board": self.board,
            "school_year": self.cleaned_data.get("school_year")
            or SchoolYear.objects.for_date(self.board, school_today()),
            "schools": self.chosen_schools(),
            "by_year_group": self.cleaned_data.get("by_year_group", False),
        }


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
