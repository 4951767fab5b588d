"""Administrators find a person of their schools, see their history, and open the scan of a form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consents.communications.directory import among, found_by, people_by_pk
from consents.communications.forms import ProtectionForm
from consents.communications.protection import protection_set
from consents.dates import school_today
from consents.models import ConsentDecision, MediaType, Purpose, Role, Subject
from consents.models.access import AccessLogEntry
from consents.names import name_order
from consents.paging import SlicePage
from consents.people import people_in, subject_or_404
from consents.privacy.access_log import staff_access_record
from consents.roles import role_required
from consents.rules import verdicts

PAGE_SIZE = 50


@role_required(Role.Kind.ADMINISTRATOR)
def people_list(request):
    query = request.GET.get("q", "").strip()
    if query:
        # A search's ids are in hand: counting them (page 1 / 3) costs nothing.
        found = among(request.schools, found_by(query, email=True))
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        # The page's ids first, in name order (an index), then only those 50 people read
        # with what the list shows: joining everyone's school and class before choosing the
        # page made PostgreSQL sort the whole board (first page 77 -> 33 ms, page 20 80 -> 55).
        # Not counted: counting a board's 56,000 people took 30-57 ms of a 56-80 ms page.
        found = people_in(request.schools).order_by(*name_order())
        page = SlicePage(found.values_list("pk", flat=True), request.GET.get("page"), PAGE_SIZE)
    page.object_list = people_by_pk(list(page.object_list))
    staff_access_record(request, Action.LOOKUP, subjects=page.object_list, detail="people list")
    return render(request, "consents/people/list.html", {"page": page, "query": query})


@role_required(Role.Kind.ADMINISTRATOR)
def person_detail(request, key):
    subject = subject_or_404(request, key)
    today = school_today()
    current = verdicts([subject.pk], on=today)
    purposes = {}
    for (_s, purpose_id, media_type_id), verdict in current.items():
        purposes.setdefault(purpose_id, []).append((media_type_id, verdict))
    rows = [
        (purpose, [v for _m, v in sorted(purposes[purpose.id], key=lambda item: item[0])])
        for purpose in Purpose.objects.filter(id__in=purposes)
    ]
    decisions = (
        ConsentDecision.objects.filter(subject=subject)
        .select_related("subject", "purpose", "media_type", "guardian", "decided_by", "evidence")
        .order_by("-seq")
    )
    guardians = (
        subject.student.guardians.select_related("user")
        if subject.kind == Subject.Kind.STUDENT
        else []
    )
    staff_access_record(request, Action.PERSON, subjects=[subject], guardians=guardians)
    return render(
        request,
        "consents/people/detail.html",
        {
            "subject": subject,
            "rows": rows,
            "media_types": MediaType.objects.filter(id__in={m for _s, _p, m in current}).order_by(
                "order", "id"
            ),
            "decisions": decisions,
            "guardians": guardians,
            "today": today,
            "protections": subject.protections.select_related("set_by"),
            "protection_form": ProtectionForm(initial={"protected": not subject.protected}),
        },
    )


@role_required(Role.Kind.ADMINISTRATOR)
@require_POST
def person_protection(request, key):
    """Mark a person "must not appear", or lift it (rule 12); a note is required."""
    subject = subject_or_404(request, key)
    form = ProtectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("person_detail", key=subject.key)
    try:
        change = protection_set(
            user=request.user,
            subject=subject,
            protected=form.cleaned_data["protected"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is now protected: not allowed for any purpose; takedown tasks opened.")
            % {"name": subject.name}
            if change.protected
            else _("%(name)s is no longer protected.") % {"name": subject.name},
        )
    return redirect("person_detail", key=subject.key)


Action = AccessLogEntry.Action
