"""The forms of the import page."""

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
        help_text=gettext_lazy("CSV or Excel (.xlsx); OneRoster: a zip with the CSV files."),
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
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        return upload
