"""Forms of the communications pages: school, group check, publication record, takedown close."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from consents.communications.directory import current_groups
from consents.models import MediaType, Publication, Purpose, School, TakedownTask
from consents.people import people_in

MAX_PASTED_LINES = 500
BIGGEST_ID = 2**63 - 1  # of a BigAutoField


class IdsField(forms.ModelMultipleChoiceField):
    """Records chosen by id. An id too large for the database is no choice: Django checks
    that for `pk=` lookups but not in the `pk__in` query of this field, where SQLite raises
    OverflowError (a server error) instead of finding nothing."""

    def clean(self, value):
        for pk in value or ():
            try:
                too_large = abs(int(pk)) > BIGGEST_ID
            except (TypeError, ValueError):
                continue  # not a number: refused by the field itself
            if too_large:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super().clean(value)


class SchoolChoiceForm(forms.Form):
    """The school a page works on, among the schools the user may see; none chosen is the
    first of them by name."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False)

    def __init__(self, data, *, schools):
        super().__init__(data)
        self.schools = schools
        self.fields["school"].queryset = schools

    def chosen(self) -> School:
        """The school; call after is_valid()."""
        return self.cleaned_data["school"] or self.schools.order_by("name").first()


class LookupForm(forms.Form):
    """The lookup's search: words, and which channel (purpose) and media type to show. A
    choice that names nothing falls back to all channels and the first media type."""

    q = forms.CharField(required=False, strip=True)
    purpose = forms.ModelChoiceField(
        label=_("Channel"), queryset=None, required=False, empty_label=_("All channels")
    )
    media = forms.ModelChoiceField(
        label=_("Media type"),
        queryset=MediaType.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=None,
    )

    def __init__(self, data, *, schools):
        super().__init__(data)
        self.fields["purpose"].queryset = Purpose.objects.filter(
            board_id__in=schools.values("board_id"), active=True
        )

    def chosen(self) -> tuple[str, list[Purpose], MediaType]:
        """(query, purposes to show, media type). A field that does not validate falls back
        to its default; the others still count (cleaned_data keeps the valid fields)."""
        self.is_valid()
        data = self.cleaned_data
        purpose = data.get("purpose")
        self.channels = list(self.fields["purpose"].queryset)
        media = data.get("media") or MediaType.objects.first()
        return data.get("q", "")[:100], [purpose] if purpose else self.channels, media


class GroupCheckForm(forms.Form):
    groups = IdsField(
        label=_("Classes"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    names = forms.CharField(
        label=_("Names or student numbers"),
        help_text=_("One person per line, for example “Zoë de Vries”, “Vries, Zoë de” or 100234."),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
    )
    purpose = forms.ModelChoiceField(label=_("Purpose"), queryset=None, empty_label=None)
    media_type = forms.ModelChoiceField(
        label=_("Media type"), queryset=MediaType.objects.all(), empty_label=None
    )

    def __init__(self, *args, school: School, on: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = current_groups(school, on)
        self.fields["purpose"].queryset = Purpose.objects.filter(
            board_id=school.board_id, active=True
        )

    def clean_names(self):
        names = self.cleaned_data["names"]
        if len([line for line in names.splitlines() if line.strip()]) > MAX_PASTED_LINES:
            raise ValidationError(
                _("Paste at most %(count)s names at a time.") % {"count": MAX_PASTED_LINES}
            )
        return names

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("groups") and not (cleaned.get("names") or "").strip():
            raise ValidationError(_("Choose one or more classes, or paste a list of names."))
        return cleaned


class HiddenIds(forms.MultipleHiddenInput):
    """Hidden inputs, one per value, written in Python: the group check passes up to 500 ids,
    and Django's template per input cost 60 µs each (2.4 ms for a class of 40)."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html_join(
            "",
            '<input type="hidden" name="{}" value="{}">',
            ((name, v) for v in self.format_value(value)),
        )


class PublicationForm(forms.ModelForm):
    """The publication and who is on it; `candidates` are everyone the group check showed."""

    purpose = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    media_type = forms.ModelChoiceField(queryset=MediaType.objects.all(), widget=forms.HiddenInput)
    candidates = IdsField(queryset=None, widget=HiddenIds)
    people = IdsField(
        label=_("People on the publication"),
        queryset=None,
        error_messages={"required": _("Tick at least one person who is on the publication.")},
    )
    url = forms.URLField(
        label=_("Web address"), required=False, assume_scheme="https", max_length=500
    )

    class Meta:
        model = Publication
        fields = ["title", "published_on", "url", "override_reason"]
        widgets = {
            "published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "override_reason": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "override_reason": _(
                "Only when someone ticked may not appear: why publish anyway? "
                "The administrator reviews every such publication."
            ),
        }

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].queryset = Purpose.objects.filter(
            board_id=school.board_id, active=True
        )
        self.fields["candidates"].queryset = people_in([school])
        self.fields["people"].queryset = people_in([school])

    def clean(self):
        cleaned = super().clean()
        candidates, people = cleaned.get("candidates"), cleaned.get("people")
        chosen = {p.pk for p in people or ()}
        if candidates is not None and not chosen <= {c.pk for c in candidates}:
            self.add_error("people", _("Tick only people from the group check."))
        return cleaned

    def ticked(self, people) -> set[int]:
        """Which of `people` were ticked as posted, valid or not, to tick them again when the
        check is shown with the form's errors."""
        posted = {str(value) for value in self["people"].value() or ()}
        return {person.pk for person in people if str(person.pk) in posted}


class TakedownCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did you do with the publication?"),
        choices=TakedownTask.Outcome.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason or note"),
        help_text=_("Required when you keep the publication online."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class TakedownRequestForm(forms.Form):
    """A parent, a student of 16+ or a staff member asks for a publication to be taken down."""

    reason = forms.CharField(
        label=_("Why should it be taken down?"),
        help_text=_("The school's communications staff read this."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class ProtectionForm(forms.Form):
    """An administrator marks a person "must not appear" (or lifts it), saying why."""

    protected = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Why (only administrators can read this)"),
        help_text=_("For example: court order, foster care, safety."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
