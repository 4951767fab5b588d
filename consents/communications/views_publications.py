"""Recorded publications and their takedown tasks (rules 6 and 9)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consents.communications.forms import PublicationForm, TakedownCloseForm
from consents.communications.group_check import group_check
from consents.communications.publications import publication_record, publication_review
from consents.communications.takedowns import takedown_close
from consents.dates import school_today
from consents.models import Publication, Role, TakedownTask
from consents.names import name_order
from consents.privacy.access_log import Action, staff_access_record
from consents.roles import has_role, role_required

from .views import STAFF_ROLES, check_result, school_from


@role_required(*STAFF_ROLES)
@require_POST
def publication_create(request):
    """Record a publication from a group check; on an error, show the check again."""
    school = school_from(request)
    form = PublicationForm(request.POST, school=school)
    if form.is_valid():
        data = form.cleaned_data
        try:
            publication = publication_record(
                user=request.user,
                school=school,
                title=data["title"],
                purpose=data["purpose"],
                media_type=data["media_type"],
                published_on=data["published_on"],
                url=data["url"],
                people=list(data["people"]),
                override_reason=data["override_reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The publication has been recorded."))
            return redirect("communications_publication", pk=publication.pk)
    purpose, media_type = form.cleaned_data.get("purpose"), form.cleaned_data.get("media_type")
    candidates = form.cleaned_data.get("candidates")
    if purpose is None or media_type is None or not candidates:
        messages.error(request, _("The group check was incomplete; please check the group again."))
        return redirect("communications_group_check")
    check = group_check(
        school=school,
        purpose=purpose,
        media_type=media_type,
        people=list(candidates),
        on=school_today(),
    )
    return check_result(request, check, form, selected=form.ticked(candidates))


@role_required(*STAFF_ROLES)
def publication_list(request):
    publications = (
        Publication.objects.for_schools(request.schools)
        .select_related("school", "purpose", "media_type")
        .annotate(
            people_count=Count("entries", distinct=True),
            open_tasks=Count(
                "takedown_tasks", filter=Q(takedown_tasks__closed_at__isnull=True), distinct=True
            ),
        )
        .order_by("-published_on", "-pk")
    )
    if request.GET.get("flagged"):
        publications = publications.filter(flagged=True)
    page = Paginator(publications, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "consents/communications/publication_list.html",
        {"page": page, "flagged": bool(request.GET.get("flagged")), "section": "publications"},
    )


@role_required(*STAFF_ROLES)
def publication_detail(request, pk):
    publication = get_object_or_404(
        Publication.objects.for_schools(request.schools).select_related(
            "school", "purpose", "media_type", "recorded_by", "reviewed_by"
        ),
        pk=pk,
    )
    entries = publication.entries.select_related("subject").order_by(
        "group_name", *name_order("subject__")
    )
    entries, tasks = (
        list(entries),
        list(publication.takedown_tasks.select_related("subject", "closed_by")),
    )
    staff_access_record(
        request,
        Action.PUBLICATION,
        subjects=[e.subject for e in entries] + [t.subject for t in tasks],
        detail=f"publication {publication.pk}",
    )
    may_review = publication.awaits_review and has_role(
        request.user,
        Role.Kind.ADMINISTRATOR,
        board_id=publication.school.board_id,
        school_ids={publication.school_id},
    )
    return render(
        request,
        "consents/communications/publication_detail.html",
        {
            "publication": publication,
            "entries": entries,
            "tasks": tasks,
            "may_review": may_review,
            "section": "publications",
        },
    )


@role_required(Role.Kind.ADMINISTRATOR)
@require_POST
def publication_review_view(request, pk):
    publication = get_object_or_404(Publication.objects.for_schools(request.schools), pk=pk)
    try:
        publication_review(publication=publication, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as reviewed."))
    return redirect("communications_publication", pk=publication.pk)


@role_required(*STAFF_ROLES)
def takedown_close_view(request, pk):
    task = get_object_or_404(
        TakedownTask.objects.for_schools(request.schools).select_related(
            "publication__purpose", "publication__media_type", "subject", "closed_by"
        ),
        pk=pk,
    )
    staff_access_record(request, Action.TAKEDOWN, subjects=[task.subject], detail=f"task {task.pk}")
    form = TakedownCloseForm(request.POST or None)
    if request.method == "POST" and task.is_open and form.is_valid():
        try:
            takedown_close(
                task=task,
                user=request.user,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The takedown task has been closed."))
            return redirect("communications_home")
    return render(
        request,
        "consents/communications/takedown_close.html",
        {"task": task, "form": form, "section": "home"},
    )
