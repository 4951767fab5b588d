"""An administrator enters a paper form or a decision given in person, answer by answer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from consents.dates import school_today
from consents.decisions.paper import paper_decisions_record
from consents.decisions.paper_forms import PaperForm
from consents.decisions.services import InvalidDecision
from consents.models import MediaType, Purpose, Role
from consents.models.access import AccessLogEntry
from consents.people import subject_or_404
from consents.privacy.access_log import staff_access_record
from consents.roles import role_required
from consents.rules import DecisionNotAllowed


@role_required(Role.Kind.ADMINISTRATOR)
def paper_record(request, key):
    subject = subject_or_404(request, key)
    today = school_today()
    form = PaperForm(
        request.POST or None,
        request.FILES or None,
        subject=subject,
        purposes=Purpose.objects.filter(board_id=subject.board_id, active=True),
        media_types=MediaType.objects.all(),
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        try:
            decisions = paper_decisions_record(
                actor=request.user,
                subject=subject,
                answers=form.answers(),
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
                guardian=form.cleaned_data.get("guardian"),
                guardian_name=form.cleaned_data.get("guardian_name", ""),
                scan=form.cleaned_data.get("scan"),
                today=today,
            )
        except (DecisionNotAllowed, InvalidDecision, ValidationError) as error:
            message = error.messages[0] if hasattr(error, "messages") else str(error)
            form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(count)s decisions recorded for %(name)s.")
                % {"count": len(decisions), "name": subject.name},
            )
            return redirect("person_detail", key=subject.key)
    staff_access_record(
        request, AccessLogEntry.Action.PERSON, subjects=[subject], detail="paper form"
    )
    return render(request, "consents/paper/form.html", {"subject": subject, "form": form})
