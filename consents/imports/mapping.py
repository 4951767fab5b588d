"""Columns a school maps once: a header the importer does not know, and the field it holds."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.models import ImportColumn

from .columns import field_label, mappable_fields, normalise


def columns_mapped(schools) -> dict[str, str]:
    """The mapped columns of `schools` (normalised header -> field), for the parsers."""
    return dict(ImportColumn.objects.filter(school__in=schools).values_list("header", "field"))


class ImportColumnForm(forms.ModelForm):
    """Map a column of the school's export to a field; remembered for the next imports."""

    field = forms.ChoiceField(label=gettext_lazy("holds"), choices=mappable_fields)

    class Meta:
        model = ImportColumn
        fields = ["school", "label", "field"]
        labels = {"label": gettext_lazy("Column, as the file names it")}

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None

    @property
    def field_label(self) -> str:
        return field_label(self.cleaned_data["field"])

    def clean_label(self):
        label = " ".join(self.cleaned_data["label"].split())
        if not normalise(label):
            raise forms.ValidationError(_("Write the column's name as it is in the file."))
        return label

    def clean(self):
        cleaned = super().clean()
        school, label = cleaned.get("school"), cleaned.get("label")
        if school and label:
            header = normalise(label)
            if ImportColumn.objects.filter(school=school, header=header).exists():
                raise forms.ValidationError(
                    _("“%(label)s” is already mapped for %(school)s.")
                    % {"label": label, "school": school}
                )
            self.instance.header = header
        return cleaned
