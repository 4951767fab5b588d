"""The forms of the "my consent" page: a person's answers, the one-step actions of a card, and
what a withdrawal is for.

The card (templates/consents/my_consent/card.html) names its answers by
`self_service.purpose_field` (photo, film and sound together) and `self_service.field_name`
(one media type); these forms read back what it posts.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.decisions.self_service import (
    EACH,
    FIELD_PREFIX,
    NO,
    PURPOSE_PREFIX,
    YES,
    field_name,
    purpose_field,
)
from consents.models import MediaType, Purpose, Subject
from consents.people import subjects_for


class AnswerField(forms.ChoiceField):
    """Yes or no. A cell left unanswered is not posted at all, and is no answer; anything else
    posted, an empty value included, is refused: the page cannot have sent it."""

    default_error_messages = {"invalid_choice": gettext_lazy("Answer yes or no, not “%(value)s”.")}

    def __init__(self, *, each: bool = False, **kwargs):
        choices = [(YES, gettext_lazy("Yes")), (NO, gettext_lazy("No"))]
        if each:
            choices.append((EACH, gettext_lazy("Per type")))
        super().__init__(choices=choices, required=False, widget=forms.RadioSelect, **kwargs)

    def to_python(self, value):
        # ChoiceField turns a missing value into "", which would then pass as no answer.
        return None if value is None else str(value)

    def validate(self, value):
        if value is not None and not self.valid_value(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )


class ConsentAnswersForm(forms.Form):
    """The answers on one person's card. Per active purpose of the person's board one answer
    for every media type at once, `purpose:<code>` (yes, no, or "per type"), and one per media
    type, `consent:<purpose code>:<media type code>`. A yes or no for the purpose answers each
    of its media types and the answers per type are then not read: the page keeps them
    (folded) whatever the purpose's answer says, so without JavaScript they may lag behind.
    """

    def __init__(self, data, *, subject: Subject):
        super().__init__(data)
        self.purposes = {
            p.code: p for p in Purpose.objects.filter(board_id=subject.board_id, active=True)
        }
        self.media_types = {m.code: m for m in MediaType.objects.all()}
        self.cells = {}
        for purpose in self.purposes.values():
            self.fields[purpose_field(purpose)] = AnswerField(label=purpose.name, each=True)
            for media_type in self.media_types.values():
                name = field_name(purpose, media_type)
                self.fields[name] = AnswerField(label=f"{purpose.name}: {media_type.name}")
                self.cells[name] = (purpose, media_type)

    def clean(self):
        # A form ignores fields it does not have; an answer this page cannot have asked
        # (a stale or tampered page) must stop the whole save instead.
        for name in self.data:
            prefix = name.split(":", 1)[0]
            if prefix in (FIELD_PREFIX, PURPOSE_PREFIX) and name not in self.fields:
                self.add_error(None, self._unknown(name))
        return super().clean()

    def _unknown(self, name: str) -> str:
        parts = name.split(":")
        if parts[0] == PURPOSE_PREFIX and len(parts) == 2:
            parts = [*parts, ""]
        if len(parts) != 3:
            return _("The form contains a field this page does not have: %s.") % name
        _prefix, purpose_code, media_code = parts
        if purpose_code not in self.purposes:
            return _("The purpose “%(code)s” does not exist. Reload the page and try again.") % {
                "code": purpose_code
            }
        return _("The media type “%(code)s” does not exist. Reload the page and try again.") % {
            "code": media_code
        }

    def answers(self) -> dict[tuple[Purpose, MediaType], str]:
        """The answers given, "yes" or "no", per purpose and media type; call after is_valid()."""
        whole = {
            purpose.pk: self.cleaned_data.get(purpose_field(purpose))
            for purpose in self.purposes.values()
        }
        answers = {}
        for name, (purpose, media_type) in self.cells.items():
            value = whole[purpose.pk]
            if value in (None, EACH):
                value = self.cleaned_data.get(name)
            if value is not None:
                answers[(purpose, media_type)] = value
        return answers


class CardActionForm(forms.Form):
    """The one-step actions of a card: keep this year's choices, no to everything, or the same
    choices as for a brother or sister (`source`, one of the people this user sees)."""

    RENEW, REFUSE, COPY = "renew", "refuse", "copy"

    action = forms.ChoiceField(
        choices=[
            (RENEW, gettext_lazy("My choices stay the same")),
            (REFUSE, gettext_lazy("No to everything")),
            (COPY, gettext_lazy("The same choices as for a brother or sister")),
        ],
        error_messages={"invalid_choice": gettext_lazy("Unknown action “%(value)s”.")},
    )
    source = forms.ModelChoiceField(
        queryset=Subject.objects.none(),
        to_field_name="key",
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("There is nobody of yours to copy the choices from.")
        },
    )

    def __init__(self, data, *, user, subject: Subject):
        super().__init__(data)
        self.fields["source"].queryset = subjects_for(user).exclude(pk=subject.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.COPY and not cleaned.get("source"):
            self.add_error("source", _("Choose whose choices to copy."))
        return cleaned


class WithdrawForm(forms.Form):
    """The purpose a withdrawal is for, by its code; none means every purpose."""

    purpose = forms.ModelChoiceField(
        queryset=Purpose.objects.none(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": gettext_lazy("The purpose “%(value)s” does not exist.")},
    )

    def __init__(self, data, *, subject: Subject):
        super().__init__(data)
        self.fields["purpose"].queryset = Purpose.objects.filter(board_id=subject.board_id)
