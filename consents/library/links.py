"""Library items kept elsewhere: a link to a photo, film or sound recording on the school's
SharePoint or Google Drive, a photographer's gallery, an unlisted video.

The portal never fetches anything from the link (it must not reach outside, and what is there
is private data): a link item has no file and no thumbnail. Otherwise it is an item like any
other (people on it, verdicts, publishing, retention). "Download for a channel" becomes "open
for a channel": the same check, the same reason to override, the same records, then a
redirect to the link. The pages show the link's host name only, never the link itself, so
that the check is not bypassed casually.
"""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.models import LibraryItem, MediaType, School

LINK_MAX_LENGTH = LibraryItem._meta.get_field("link").max_length


class LinkForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    # A plain text field: the service checks the address (https only) with its own messages.
    link = forms.CharField(
        label=gettext_lazy("Web address"),
        max_length=LINK_MAX_LENGTH,
        help_text=gettext_lazy("The full address, starting with https://"),
    )
    media_type = forms.ModelChoiceField(
        label=gettext_lazy("What is it?"),
        queryset=MediaType.objects.all(),
        empty_label=gettext_lazy("Choose"),
    )


def link_clean(value: str) -> str:
    """`value` as a link the library takes: a full https address without a user name or
    password in it. Raises ValidationError with a message staff can act on."""
    link = value.strip()
    scheme = urlsplit(link).scheme.lower() if "://" in link else ""
    if scheme == "http":
        raise ValidationError(
            _("This address starts with http://; the library takes only https:// addresses."),
            code="not_https",
        )
    try:
        URLValidator(schemes=["https"])(link)
        urlsplit(link).hostname.encode("idna")  # the form the CSP needs (`link_origin`)
    except (ValidationError, UnicodeError):
        raise ValidationError(
            _("This is not a web address. Paste the full address, starting with https://."),
            code="not_a_url",
        ) from None
    parts = urlsplit(link)
    if parts.username or parts.password:
        raise ValidationError(
            _("Leave the user name and password out of the address."), code="credentials"
        )
    return link


@transaction.atomic
def library_link_register(
    *, user, school: School, title: str, link: str, media_type: MediaType
) -> LibraryItem:
    """Register in `school`'s library an item kept elsewhere, at `link`.

    Nothing is fetched from the link. Raises ValidationError and stores nothing when the
    title is empty or the link is not a full https address.
    """
    errors = {}
    title = title.strip()
    if not title:
        errors["title"] = [_("Give the item a title.")]
    try:
        link = link_clean(link)
    except ValidationError as error:
        errors["link"] = error.messages
    if errors:
        raise ValidationError(errors)
    return LibraryItem.objects.create(
        school=school,
        title=title,
        media_type=media_type,
        link=link,
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )


def link_origin(item: LibraryItem) -> str:
    """The origin of `item`'s link as a CSP source (`https://host[:port]`, the host in ASCII)."""
    parts = urlsplit(item.link)
    host = parts.hostname.encode("idna").decode("ascii")
    return f"https://{host}:{parts.port}" if parts.port else f"https://{host}"


def allow_opening(response, item: LibraryItem):
    """Let the item page's "open for a channel" form end at the link: the portal's CSP only
    lets forms go to the portal itself (`form-action 'self'`), and browsers apply that to the
    redirect after the POST too. Only this item's origin is added, on this item's page."""
    if item.link:
        response._csp_update = {"form-action": [link_origin(item)]}
    return response


def link_open(item: LibraryItem) -> HttpResponseRedirect:
    """Send the browser to the item kept elsewhere (after the check and the records; like
    every response of the portal, the redirect is marked no-store by the middleware)."""
    return HttpResponseRedirect(item.link)
