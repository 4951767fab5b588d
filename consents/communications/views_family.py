"""The person's own side of publications: where they (or their child) were published, and
asking for a publication to be taken down (issue 21)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consents.communications.forms import TakedownRequestForm
from consents.communications.takedowns import publications_of, takedown_request
from consents.people import subject_for
from consents.rules import DecisionNotAllowed


@login_required
@require_http_methods(["GET", "POST"])
def takedown_request_page(request, key, pk):
    """Ask for one publication to be taken down. Someone else's child, or a publication the
    person is not on, is 404."""
    subject = subject_for(request.user, key)
    publication = get_object_or_404(publications_of(subject), pk=pk)
    form = TakedownRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            takedown_request(
                user=request.user,
                subject=subject,
                publication=publication,
                reason=form.cleaned_data["reason"],
            )
        except DecisionNotAllowed as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("We asked the school to take “%(title)s” down.") % {"title": publication.title},
            )
            return redirect(reverse("my_consent") + f"#card-{subject.key}")
    return render(
        request,
        "consents/communications/takedown_request.html",
        {"subject": subject, "publication": publication, "form": form},
    )
