"""An administrator enters a paper form or a decision given in person, answer by answer."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.access_log import access_log as staff_access_log
from consents.dates import school_today
from consents.models import ConsentDecision, MediaType, Purpose, Role, Subject
from consents.models.access import AccessLogEntry
from consents.paper import paper_decisions_record, scan_kind
from consents.permissions import role_required
from consents.rules import Decider, DecisionNotAllowed, decider_on
from consents.services import InvalidDecision

from .people import subject_or_404

Method = ConsentDecision.Method
Value = ConsentDecision.Value
NO_CHANGE = ""


class PaperForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How was the decision given?"),
        choices=[(Method.PAPER, Method.PAPER.label), (Method.RECORDED, Method.RECORDED.label)],
        widget=forms.RadioSelect,
    )
    guardian = forms.ModelChoiceField(
        label=gettext_lazy("Whose decision is it?"), queryset=None, required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Required: for example “form handed in at the office on 3 September” or "
            "“mother said so on the phone on 5 October, call noted by J. de Boer”."
        ),
    )
    scan = forms.FileField(
        label=gettext_lazy("Scan of the form"),
        required=False,
        help_text=gettext_lazy("PDF, JPEG or PNG; required for a paper form."),
    )

    def __init__(self, *args, subject: Subject, purposes, media_types, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        self.answer_fields = []
        for purpose in purposes:
            row = []
            for media_type in media_types:
                name = f"answer_{purpose.id}_{media_type.id}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{purpose.name}: {media_type.name}",
                    choices=[(NO_CHANGE, _("no change")), *Value.choices],
                    required=False,
                    initial=NO_CHANGE,
                )
                row.append((media_type, name))
            self.answer_fields.append((purpose, row))
        born = subject.student.date_of_birth if subject.kind == Subject.Kind.STUDENT else None
        self.guardians_decide = decider_on(born, today) == Decider.GUARDIANS
        if self.guardians_decide:
            self.fields["guardian"].queryset = subject.student.guardians.all()
            self.fields["guardian"].required = True
        else:
            del self.fields["guardian"]

    def rows(self):
        """The answer grid: per purpose, the bound fields per media type."""
        return [
            (purpose, [(media_type, self[name]) for media_type, name in row])
            for purpose, row in self.answer_fields
        ]

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if scan:
            scan_kind(scan)
        return scan

    def clean(self):
        data = super().clean()
        if (
            data.get("method") == Method.PAPER
            and not data.get("scan")
            and "scan" not in self.errors
        ):
            self.add_error("scan", _("Attach the scan of the paper form."))
        if not self.answers():
            raise ValidationError(_("Choose at least one answer."))
        return data

    def answers(self) -> dict:
        return {
            (purpose, media_type): self.cleaned_data.get(name)
            for purpose, row in self.answer_fields
            for media_type, name in row
            if self.cleaned_data.get(name)
        }


@role_required(Role.Kind.ADMINISTRATOR)
def paper_record(request, key):
    subject = subject_or_404(request, key)
    today = school_today()
    form = PaperForm(
        request.POST or None,
        request.FILES or None,
        subject=subject,
        purposes=Purpose.objects.filter(board_id=subject.board_id, active=True),
        media_types=MediaType.objects.all(),
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        try:
            decisions = paper_decisions_record(
                actor=request.user,
                subject=subject,
                answers=form.answers(),
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
                guardian=form.cleaned_data.get("guardian"),
                scan=form.cleaned_data.get("scan"),
                today=today,
            )
        except (DecisionNotAllowed, InvalidDecision, ValidationError) as error:
            message = error.messages[0] if hasattr(error, "messages") else str(error)
            form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(count)s decisions recorded for %(name)s.")
                % {"count": len(decisions), "name": subject.name},
            )
            return redirect("person_detail", key=subject.key)
    staff_access_log(request, AccessLogEntry.Action.PERSON, subjects=[subject], detail="paper form")
    return render(request, "consents/paper/form.html", {"subject": subject, "form": form})
