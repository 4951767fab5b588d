"""Forms of the library pages: upload, who is on an item, a channel to take it out for, and
publishing it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consents.communications.directory import current_groups
from consents.communications.forms import IdsField
from consents.dates import school_today
from consents.library.services import ERASED_STAYS_VISIBLE
from consents.models import Group, Purpose, School
from consents.names import name_order
from consents.people import people_in


def channels_of(school: School):
    return Purpose.objects.filter(board_id=school.board_id, active=True)


class UploadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        # Everyone on the photo gets the title in their subject access export.
        help_text=_("What and when, without names: everyone on the photo can read the title."),
    )
    # A plain file field: the service checks the content (Pillow, ffprobe), not the name.
    file = forms.FileField(label=_("Photo or video"))


class LibraryFilterForm(forms.Form):
    """The list's filters; a value that names nothing shows the whole list.

    The channels are the ones the list already read: a choice among them, not a query of its
    own (as a ModelChoiceField it read them twice more a page, once through a server-side
    cursor)."""

    purpose = forms.TypedChoiceField(
        label=_("May go on"), coerce=int, required=False, empty_value=None
    )
    attention = forms.BooleanField(label=_("Needs attention"), required=False)

    def __init__(self, data, *, channels: list[Purpose]):
        super().__init__(data)
        self.channels = {purpose.pk: purpose for purpose in channels}
        self.fields["purpose"].choices = [
            ("", _("Any channel")),
            *((purpose.pk, str(purpose)) for purpose in channels),
        ]

    def clean_purpose(self) -> Purpose | None:
        pk = self.cleaned_data["purpose"]
        return None if pk is None else self.channels[pk]


class GroupPickForm(forms.Form):
    """The class whose list is shown to tick people from."""

    group = forms.ModelChoiceField(
        label=_("Class"), queryset=None, required=False, empty_label=_("Choose a class")
    )

    def __init__(self, data, *, school: School):
        super().__init__(data)
        self.fields["group"].queryset = current_groups(school, school_today())


class PeopleForm(forms.Form):
    """Who is on the item: ticked in a class list (nothing ticked at first), typed from the
    directory, or taken off; and whether other recognisable people are visible."""

    add = IdsField(label=_("On the photo"), queryset=None, required=False)
    names = forms.CharField(
        label=_("Names or student numbers, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
    )
    remove = IdsField(label=_("Take off the photo"), queryset=None, required=False)
    others_visible = forms.BooleanField(
        label=_("Other recognisable people are visible (not in the lists)"), required=False
    )
    nobody = forms.BooleanField(label=_("Nobody recognisable is on it"), required=False)

    def __init__(
        self, *args, school: School, group: Group | None = None, erased: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if erased:  # someone was erased from the item: the mark stays (services.item_people_set)
            field = self.fields["others_visible"]
            field.disabled, field.initial, field.help_text = True, True, ERASED_STAYS_VISIBLE
        self.fields["add"].queryset = people_in([school])
        self.fields["remove"].queryset = people_in([school])
        self.group_people = (
            list(people_in([school]).filter(student__group=group).order_by(*name_order()))
            if group
            else []
        )


class ChannelForm(forms.Form):
    """Take the item out of the library for one channel."""

    # Both forms are on the item page: ids of their own, the same field names.
    id_prefix = "download"

    purpose = forms.ModelChoiceField(label=_("Channel"), queryset=None)
    override_reason = forms.CharField(
        label=_("Reason to use it anyway"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when someone on it may not appear on this channel."),
        max_length=2000,
    )

    def __init__(self, *args, school: School, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self.fields["purpose"].queryset = channels_of(school)


class PublishForm(ChannelForm):
    id_prefix = "publish"
    published_on = forms.DateField(
        label=_("Publication date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    url = forms.URLField(
        label=_("Web address"), required=False, assume_scheme="https", max_length=500
    )


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Delete this photo and its files for good"),
        error_messages={"required": _("Tick the box to confirm the deletion.")},
    )
