"""The form an administrator fills in for a paper form or a decision given in person."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.decisions.paper import scan_kind
from consents.models import ConsentDecision, Subject
from consents.rules import Decider, decider_on

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
    # For a child with no registered guardian: who gave the decision (kept in the evidence).
    guardian_name = forms.CharField(
        label=gettext_lazy("Name of the guardian (not registered)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "This child has no registered guardian. Name the parent or guardian who gave this "
            "decision; it counts until a registered guardian decides."
        ),
        error_messages={
            "required": gettext_lazy("Give the name of the guardian whose decision this is.")
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        error_messages={
            "required": gettext_lazy("Write a note: how and when was the decision given?")
        },
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
        guardians = subject.student.guardians.all() if self.guardians_decide else None
        if guardians is not None and guardians.exists():
            self.fields["guardian"].queryset = guardians
            self.fields["guardian"].required = True
            del self.fields["guardian_name"]
        elif guardians is not None:  # nobody registered: name who gave the decision
            self.fields["guardian_name"].required = True
            del self.fields["guardian"]
        else:
            del self.fields["guardian"]
            del self.fields["guardian_name"]

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
