from allauth.account.forms import RequestLoginCodeForm as BaseRequestLoginCodeForm
from allauth.core import ratelimit
from allauth.core.internal.ratelimit import get_ip
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.devices import is_known_device


class RequestLoginCodeForm(BaseRequestLoginCodeForm):
    """The email address to send a login code to, with limits that cannot lock a parent out.

    allauth limits requests per IP address. On top of that, requests for one address are
    limited per network (address + IP), so someone elsewhere cannot use up a parent's quota,
    and per address overall, against flooding a mailbox from many networks. The overall
    limit does not apply to a browser that has logged in with this address before.
    Known and unknown addresses are counted alike, so the limits reveal nothing.
    """

    error_messages = {
        "rate_limited": _(
            "Too many codes were asked for this address. Wait a few minutes and try again, "
            "or use the code you already received."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Your email address")
        self.fields["email"].help_text = _("The address your school has on file for you.")
        self.fields["email"].widget.attrs.update(
            {"autocomplete": "email", "placeholder": "", "autofocus": True}
        )

    def clean_email(self):
        email = super().clean_email()
        if not email:
            return email
        request = self._request()
        address = email.strip().lower()
        if not ratelimit.consume(
            request, action="request_login_code_address_ip", key=f"{address}|{get_ip(request)}"
        ):
            raise forms.ValidationError(self.error_messages["rate_limited"])
        if not is_known_device(request, address) and not ratelimit.consume(
            request, action="request_login_code_address", key=address
        ):
            raise forms.ValidationError(self.error_messages["rate_limited"])
        return email

    @staticmethod
    def _request():
        from allauth.core import context

        return context.request
