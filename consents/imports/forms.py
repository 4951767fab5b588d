"""The forms of the import page."""

import io
import zipfile

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.models import ImportRun


class ImportForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("What is in the file"), choices=ImportRun.Format)
    school = forms.ModelChoiceField(
        label=gettext_lazy("School"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("— the file names each row's school —"),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV or Excel (.xlsx); OneRoster: a zip with the CSV files; EDEXML: the XML file."
        ),
    )
    guardians_file = forms.FileField(
        label=gettext_lazy("Guardians (EDEXML only)"),
        help_text=gettext_lazy(
            "EDEXML has no parents: add a CSV with the student number (or key) and the "
            "guardians' columns, as in a students file."
        ),
        required=False,
    )
    full = forms.BooleanField(
        label=gettext_lazy("Full import: people of the school missing from the file have left"),
        required=False,
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if schools.count() == 1:
            self.fields["school"].initial = schools.first()

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])

    def clean_guardians_file(self):
        upload = self.cleaned_data["guardians_file"]
        return _size_checked(upload) if upload else upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("guardians_file") and cleaned.get("format") != ImportRun.Format.EDEXML:
            self.add_error(
                "guardians_file", _("A separate guardians file goes with an EDEXML file only.")
            )
        return cleaned

    def upload(self) -> tuple[str, bytes]:
        """The file name and content to check; an EDEXML file and its guardians file are
        kept together as one zip (the run stores one file)."""
        upload, guardians = self.cleaned_data["file"], self.cleaned_data["guardians_file"]
        if not guardians:
            return upload.name, upload.read()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(_safe_name(upload.name, ".xml"), upload.read())
            archive.writestr(_safe_name(guardians.name, ".csv"), guardians.read())
        return upload.name, buffer.getvalue()


def _safe_name(name: str, suffix: str) -> str:
    """A member name for the zip: the upload's own name, without any folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    return base if base.lower().endswith(suffix) else base + suffix


def _size_checked(upload):
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(limit)s.")
            % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
        )
    return upload


class ImportConfirmForm(forms.Form):
    """ "Import now" on the dry run, with what the dry run asked to confirm."""

    leaving = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    confirm_leaving = forms.BooleanField(required=False)
    apply_held = forms.BooleanField(
        label=gettext_lazy("Apply the changes of name and date of birth listed above"),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confirm_leaving") and cleaned.get("leaving") is None:
            raise forms.ValidationError(_("Check the file again: the number to confirm is gone."))
        return cleaned

    @property
    def confirmed_leavers(self) -> int | None:
        """The number of leavers the administrator confirmed, if they ticked the box."""
        if self.cleaned_data.get("confirm_leaving"):
            return self.cleaned_data["leaving"]
        return None
