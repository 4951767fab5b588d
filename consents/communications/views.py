"""Communications staff: start page, person lookup, person detail and group check (rule 9)."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from consents import rules, stored
from consents.communications.check_table import check_table_html
from consents.communications.directory import group_label, people_search
from consents.communications.forms import (
    GroupCheckForm,
    LookupForm,
    PublicationForm,
    SchoolChoiceForm,
)
from consents.communications.group_check import group_check_run
from consents.dates import school_today
from consents.models import MediaType, Publication, Purpose, Role, School, Subject, TakedownTask
from consents.models.access import AccessLogEntry
from consents.people import people_in
from consents.privacy.access_log import Action, staff_access_record
from consents.roles import role_required

STAFF_ROLES = (Role.Kind.COMMUNICATIONS, Role.Kind.ADMINISTRATOR)
LOOKUP_LIMIT = 50
RECENT_CHECKS = 5


def school_from(request) -> School:
    """The school a page works on: chosen (`school`), else the first the user may see.

    A school the user may not see, or a value that names no school, is 404."""
    form = SchoolChoiceForm(
        request.POST if request.method == "POST" else request.GET, schools=request.schools
    )
    if not form.is_valid():
        raise Http404
    return form.chosen()


@role_required(*STAFF_ROLES)
def home(request):
    tasks = (
        TakedownTask.objects.open()
        .for_schools(request.schools)
        .select_related(
            "publication__school", "publication__purpose", "publication__media_type", "subject"
        )
        .order_by("opened_at", "pk")
    )
    tasks = list(tasks)
    staff_access_record(request, Action.TAKEDOWN, subjects=[task.subject for task in tasks])
    to_review = (
        Publication.objects.for_schools(request.schools)
        .filter(flagged=True, reviewed_at__isnull=True)
        .select_related("school", "purpose", "media_type")
    )
    # The group checks are not stored apart from the access log, which names each one.
    recent_checks = AccessLogEntry.objects.filter(
        user=request.user, action=Action.GROUP_CHECK
    ).order_by("-at", "-pk")[:RECENT_CHECKS]
    return render(
        request,
        "consents/communications/home.html",
        {
            "tasks": tasks,
            "recent_checks": recent_checks,
            "to_review": to_review,
            "many_schools": request.schools.count() > 1,
            "section": "home",
        },
    )


@dataclass(frozen=True)
class LookupRow:
    person: Subject
    group_name: str
    cells: SafeString  # a <td> per purpose: the state, or "not asked" (another board's)


VERDICT_ICONS = {"allowed": "✓", "not_allowed": "✗"}


class LookupCells:
    """The grid's cells as HTML, each distinct cell built once: a page of 50 people and 10
    channels has 500 cells but a few dozen different ones (the template spent 100 ms on them)."""

    def __init__(self, purposes):
        self.purposes = [(purpose, purpose.name) for purpose in purposes]
        self.built = {}

    def row(self, states, protected: bool) -> SafeString:
        # Each cell is already safe (format_html), so "{}" joins them unescaped.
        return format_html_join(
            "",
            "{}",
            (
                (self.cell(p, n, s, protected),)
                for (p, n), s in zip(self.purposes, states, strict=True)
            ),
        )

    def cell(self, purpose, name, state, protected) -> str:
        key = (purpose.pk, state, protected and state is not None)
        if key not in self.built:
            self.built[key] = format_html(
                '<td data-label="{}" data-purpose="{}">{}</td>',
                name,
                purpose.pk,
                self.inner(state, protected),
            )
        return self.built[key]

    @staticmethod
    def inner(state, protected) -> str:
        if not state:
            return format_html(
                '<span class="text-body-secondary">{}</span>', _("not asked at this board")
            )
        return format_html(
            '<span class="verdict verdict-badge-{}" data-state="{}"><span class="verdict-icon" '
            'aria-hidden="true">{}</span> {}</span>',
            state,
            state,
            VERDICT_ICONS.get(state, "?"),
            _("not allowed (protected)") if protected else state.label,
        )


@role_required(*STAFF_ROLES)
def lookup(request):
    """Search as you type; each row shows a verdict per channel (all, or the one chosen) for
    the chosen media type."""
    form = LookupForm(request.GET, schools=request.schools)
    query, purposes, media_type = form.chosen()
    people = people_search(request.schools, query, limit=LOOKUP_LIMIT + 1)
    more = len(people) > LOOKUP_LIMIT
    people = people[:LOOKUP_LIMIT]
    staff_access_record(request, Action.LOOKUP, subjects=people, detail=f"{len(people)} found")
    # States only, from the stored verdicts; the person's page explains them.
    found = stored.states_today([p.pk for p in people], purposes=purposes, media_types=[media_type])
    cells = LookupCells(purposes)
    rows = [
        LookupRow(
            person,
            group_label(person),
            cells.row(
                [found.get((person.pk, purpose.pk, media_type.pk)) for purpose in purposes],
                person.protected,
            ),
        )
        for person in people
    ]
    context = {
        "form": form,
        "query": query,
        "media_types": list(MediaType.objects.all()),
        "channels": form.channels,
        "channel": form.cleaned_data.get("purpose"),
        "media_type": media_type,
        "purposes": purposes,
        "rows": rows,
        "more": more,
        "limit": LOOKUP_LIMIT,
        "section": "lookup",
    }
    if request.htmx:
        return render(request, "consents/communications/_lookup_results.html", context)
    return render(request, "consents/communications/lookup.html", context)


@role_required(*STAFF_ROLES)
def person_detail(request, pk):
    """Every verdict for one person, with the reason: who decided, when, which text version."""
    person = get_object_or_404(people_in(request.schools).select_related("student__school"), pk=pk)
    staff_access_record(request, Action.PERSON, subjects=[person])
    media_types = list(MediaType.objects.all())
    purposes = list(Purpose.objects.filter(board_id=person.board_id, active=True))
    today = school_today()
    found = rules.verdicts([person.pk], on=today, purposes=purposes, media_types=media_types)
    rows = [
        (purpose, [(media, found[(person.pk, purpose.pk, media.pk)]) for media in media_types])
        for purpose in purposes
    ]
    entries = (
        person.publication_entries.filter(publication__school__in=request.schools)
        .select_related("publication__purpose", "publication__media_type")
        .order_by("-publication__published_on")
    )
    return render(
        request,
        "consents/communications/person_detail.html",
        {
            "person": person,
            "group_name": group_label(person),
            "media_types": media_types,
            "rows": rows,
            "entries": entries,
            "today": today,
            "section": "lookup",
        },
    )


@role_required(*STAFF_ROLES)
def group_check_page(request):
    """A class, several classes or a pasted list -> who may not appear, and who may."""
    school = school_from(request)
    today = school_today()
    form = GroupCheckForm(request.POST or None, school=school, on=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check = group_check_run(
            school=school,
            groups=data["groups"],
            names=data["names"],
            purpose=data["purpose"],
            media_type=data["media_type"],
            on=today,
        )
        publication_form = PublicationForm(
            school=school,
            initial={
                "purpose": check.purpose,
                "media_type": check.media_type,
                "candidates": [row.person.pk for row in check.rows],
                "published_on": today,
            },
        )
        return check_result(request, check, publication_form, selected=None)
    return render(
        request,
        "consents/communications/group_check.html",
        {
            "form": form,
            "school": school,
            "schools": list(request.schools.order_by("name")),
            "section": "group_check",
        },
    )


def check_result(request, check, publication_form, *, selected):
    """The result page; `selected` are the people ticked for the publication. A new check
    ticks nobody: staff tick who is on the photo, or everyone allowed with one button."""
    if selected is None:
        selected = set()
    staff_access_record(
        request,
        Action.GROUP_CHECK,
        subjects=[row.person for row in check.rows],
        detail=f"{check.school} · {check.purpose} · {check.media_type}",
    )
    return render(
        request,
        "consents/communications/group_check_result.html",
        {
            "check": check,
            "school": check.school,
            "publication_form": publication_form,
            "not_allowed_table": check_table_html(
                check, check.not_allowed, id="not-allowed", selected=selected
            ),
            "allowed_table": check_table_html(
                check, check.allowed, id="allowed", selected=selected
            ),
            "section": "group_check",
        },
    )
