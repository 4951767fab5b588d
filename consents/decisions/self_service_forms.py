"""The forms of the "my consent" page: a person's yes/no answers, and what a withdrawal is for.

The page draws its answer cells itself (consents/templatetags/answer_grid.py), named by
`self_service.field_name`; these forms read back what those cells post.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.decisions.self_service import FIELD_PREFIX, NO, YES, field_name
from consents.models import MediaType, Purpose, Subject


class AnswerField(forms.ChoiceField):
    """Yes or no. A cell left unanswered is not posted at all, and is no answer; anything else
    posted, an empty value included, is refused: the page cannot have sent it."""

    default_error_messages = {"invalid_choice": gettext_lazy("Answer yes or no, not “%(value)s”.")}

    def __init__(self, **kwargs):
        super().__init__(
            choices=[(YES, gettext_lazy("Yes")), (NO, gettext_lazy("No"))],
            required=False,
            widget=forms.RadioSelect,
            **kwargs,
        )

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
    """The answers on one person's card: a field per active purpose of the person's board and
    per media type, named `consent:<purpose code>:<media type code>` as the page names them."""

    def __init__(self, data, *, subject: Subject):
        super().__init__(data)
        self.purposes = {
            p.code: p for p in Purpose.objects.filter(board_id=subject.board_id, active=True)
        }
        self.media_types = {m.code: m for m in MediaType.objects.all()}
        self.cells = {}
        for purpose in self.purposes.values():
            for media_type in self.media_types.values():
                name = field_name(purpose, media_type)
                self.fields[name] = AnswerField(label=f"{purpose.name}: {media_type.name}")
                self.cells[name] = (purpose, media_type)

    def clean(self):
        # A form ignores fields it does not have; an answer this page cannot have asked
        # (a stale or tampered page) must stop the whole save instead.
        for name in self.data:
            if name.startswith(FIELD_PREFIX + ":") and name not in self.fields:
                self.add_error(None, self._unknown(name))
        return super().clean()

    def _unknown(self, name: str) -> str:
        parts = name.split(":")
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
        return {
            self.cells[name]: value
            for name, value in self.cleaned_data.items()
            if name in self.cells and value is not None
        }


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
