"""Subject access (GDPR art. 15): everything the portal holds on one person, as JSON or PDF.

`subject_access_data` covers a student or staff member; `guardian_access_data` a guardian;
`user_access_data` whatever a logged-in user may ask for themself (their own record, and as a
guardian the records of their children under 16). Every download is logged in ExportLog.
"""

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import school_today
from consents.models import (
    ConsentDecision,
    ExportLog,
    Guardian,
    LibraryItemPerson,
    MediaType,
    Purpose,
    StaffMember,
    Student,
    Subject,
)
from consents.rules import Decider, decider_on, verdicts


def _account(user) -> dict | None:
    if user is None:
        return None
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "active": user.is_active,
        "joined": user.date_joined,
        "last_login": user.last_login,
    }


def _decisions(decisions) -> list[dict]:
    rows = []
    for decision in decisions.select_related(
        "subject", "purpose", "media_type", "guardian", "decided_by", "text", "school_year"
    ).order_by("seq"):
        evidence = getattr(decision, "evidence", None)
        rows.append(
            {
                "number": decision.seq,
                "decided_at": decision.decided_at,
                "person": decision.subject.name,
                "purpose": decision.purpose.name,
                "media_type": decision.media_type.name,
                "decision": decision.get_value_display(),
                "for_guardian": decision.guardian.name if decision.guardian_id else None,
                "decided_by": str(decision.decided_by),
                "capacity": decision.get_capacity_display(),
                "method": decision.get_method_display(),
                "consent_text_version": decision.text.version,
                "consent_text_sha256": decision.text.sha256,
                "school_year": str(decision.school_year),
                "hash": decision.hash,
                "ip_address": evidence.ip_address if evidence else None,
                "user_agent": evidence.user_agent if evidence else "",
                "note": evidence.note if evidence else "",
                "guardian_not_registered": evidence.guardian_name if evidence else "",
                "scanned_form": bool(evidence and evidence.scan),
            }
        )
    return rows


def _exports_about(subject: Subject) -> list[dict]:
    return [
        {"when": log.created_at, "by": str(log.user), "what": log.get_kind_display()}
        for log in ExportLog.objects.filter(subject=subject).select_related("user")
    ]


def _library_items(subject: Subject) -> list[dict]:
    """The library photos `subject` is marked on: what, where, who marked them and when, and
    where each went. Not the other people's names (their data, not this person's), and not
    the photo itself, which shows them too (docs/library.md, "Subject access")."""
    entries = (
        LibraryItemPerson.objects.filter(subject=subject)
        .select_related("item__school", "item__media_type", "added_by")
        .prefetch_related("item__downloads__purpose", "item__downloads__user")
        .prefetch_related("item__publications__purpose")
        .annotate(people_on_it=Count("item__entries"))
        .order_by("item__uploaded_at", "item_id")
    )
    return [
        {
            "title": entry.item.title,
            "school": entry.item.school.name,
            "uploaded_at": entry.item.uploaded_at,
            "media_type": entry.item.media_type.name,
            "marked_by": str(entry.added_by),
            "marked_at": entry.added_at,
            "other_people_marked": entry.people_on_it - 1,
            "others_visible": entry.item.others_visible,
            "downloads": [
                {"channel": d.purpose.name, "when": d.at, "by": str(d.user)}
                for d in entry.item.downloads.all()
            ],
            "publications": [
                {"channel": p.purpose.name, "published_on": p.published_on, "url": p.url}
                for p in entry.item.publications.all()
            ],
        }
        for entry in entries
    ]


def subject_access_data(subject: Subject) -> dict:
    """Everything held on a student or staff member (rows about their consent included)."""
    today = school_today()
    person = {
        "key": str(subject.key),
        "kind": subject.get_kind_display(),
        "first_name": subject.first_name,
        "prefix": subject.prefix,
        "last_name": subject.last_name,
        "date_left": subject.date_left,
        "erased_at": subject.erased_at,
        "must_not_appear": subject.protected,  # rule 12: the flag, not the administrator's note
        "account": _account(subject.user),
    }
    guardians = []
    if subject.kind == Subject.Kind.STUDENT:
        student = Student.objects.select_related("school", "group").get(pk=subject.pk)
        person.update(
            school=student.school.name,
            group=student.group.name if student.group else "",
            student_number=student.student_number,
            date_of_birth=student.date_of_birth,
        )
        guardians = [
            {"name": g.name, "email": g.user.email}
            for g in student.guardians.select_related("user")
        ]
    else:
        staff = StaffMember.objects.get(pk=subject.pk)
        person.update(schools=[s.name for s in staff.schools.all()], function=staff.function)
    purpose_names, media_names = _names(subject)
    current = [
        {
            "purpose": purpose_names[purpose_id],
            "media_type": media_names[media_id],
            "state": verdict.label,
            "explanation": verdict.explanation,
        }
        for (_s, purpose_id, media_id), verdict in sorted(
            verdicts([subject.pk], on=today).items(), key=lambda item: item[0]
        )
    ]
    return {
        "generated_at": timezone.now(),
        "controller": subject.board.name,
        "contact": subject.board.contact_email,
        "person": person,
        "guardians": guardians,
        "current_status": current,
        "decisions": _decisions(ConsentDecision.objects.filter(subject=subject)),
        "library_items": _library_items(subject),
        "exports_of_this_data": _exports_about(subject),
    }


def _names(subject):
    return (
        {p.id: p.name for p in Purpose.objects.filter(board_id=subject.board_id)},
        {m.id: m.name for m in MediaType.objects.all()},
    )


def guardian_access_data(guardian: Guardian) -> dict:
    """Everything held on a guardian: their record, their children, the decisions they gave."""
    return {
        "generated_at": timezone.now(),
        "guardian": {
            "key": str(guardian.key),
            "first_name": guardian.first_name,
            "prefix": guardian.prefix,
            "last_name": guardian.last_name,
            "erased_at": guardian.erased_at,
            "account": _account(guardian.user),
        },
        "children": [
            {"name": s.name, "school": s.school.name}
            for s in guardian.students.select_related("school")
        ],
        "decisions_given": _decisions(ConsentDecision.objects.filter(guardian=guardian)),
    }


def user_access_data(user) -> dict:
    """What a logged-in person may download about themself (and children under 16)."""
    data = {"generated_at": timezone.now(), "account": _account(user)}
    subject = Subject.objects.filter(user=user).first()
    if subject is not None:
        data["own_record"] = subject_access_data(subject)
    guardian = Guardian.objects.filter(user=user).first()
    if guardian is not None:
        data["as_guardian"] = guardian_access_data(guardian)
        today = school_today()
        data["children"] = [
            subject_access_data(child)
            for child in guardian.students.all()
            if decider_on(child.date_of_birth, today) == Decider.GUARDIANS
        ]
    return data


def as_json(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


LABELS = {
    "generated_at": gettext_lazy("generated at"),
    "controller": gettext_lazy("controller (school board)"),
    "contact": gettext_lazy("contact"),
    "person": gettext_lazy("person"),
    "own_record": gettext_lazy("your own record"),
    "as_guardian": gettext_lazy("you as a guardian"),
    "children": gettext_lazy("children"),
    "guardian": gettext_lazy("guardian"),
    "guardians": gettext_lazy("guardians"),
    "current_status": gettext_lazy("current status"),
    "decisions": gettext_lazy("decisions"),
    "decisions_given": gettext_lazy("decisions given"),
    "exports_of_this_data": gettext_lazy("exports of this data"),
    "library_items": gettext_lazy("photos in the school's library"),
    "title": gettext_lazy("title"),
    "uploaded_at": gettext_lazy("uploaded at"),
    "marked_by": gettext_lazy("marked on it by"),
    "marked_at": gettext_lazy("marked on it at"),
    "other_people_marked": gettext_lazy("other people marked on it"),
    "others_visible": gettext_lazy("other recognisable people visible"),
    "downloads": gettext_lazy("taken out for"),
    "publications": gettext_lazy("publications"),
    "channel": gettext_lazy("channel"),
    "published_on": gettext_lazy("publication date"),
    "url": gettext_lazy("web address"),
    "account": gettext_lazy("login account"),
    "key": gettext_lazy("pseudonymous key"),
    "kind": gettext_lazy("kind"),
    "first_name": gettext_lazy("first name"),
    "prefix": gettext_lazy("prefix"),
    "last_name": gettext_lazy("last name"),
    "name": gettext_lazy("name"),
    "email": gettext_lazy("email"),
    "date_left": gettext_lazy("date left"),
    "erased_at": gettext_lazy("erased at"),
    "must_not_appear": gettext_lazy("must not appear"),
    "school": gettext_lazy("school"),
    "schools": gettext_lazy("schools"),
    "group": gettext_lazy("class"),
    "function": gettext_lazy("function"),
    "student_number": gettext_lazy("student number"),
    "date_of_birth": gettext_lazy("date of birth"),
    "active": gettext_lazy("active"),
    "joined": gettext_lazy("since"),
    "last_login": gettext_lazy("last login"),
    "purpose": gettext_lazy("purpose"),
    "media_type": gettext_lazy("media type"),
    "state": gettext_lazy("status"),
    "explanation": gettext_lazy("why"),
    "number": "#",
    "decided_at": gettext_lazy("when"),
    "decision": gettext_lazy("decision"),
    "for_guardian": gettext_lazy("guardian's voice"),
    "decided_by": gettext_lazy("by"),
    "capacity": gettext_lazy("capacity"),
    "method": gettext_lazy("method"),
    "consent_text_version": gettext_lazy("text version"),
    "consent_text_sha256": gettext_lazy("text SHA-256"),
    "school_year": gettext_lazy("school year"),
    "hash": gettext_lazy("hash"),
    "ip_address": gettext_lazy("IP address"),
    "user_agent": gettext_lazy("browser"),
    "note": gettext_lazy("note"),
    "guardian_not_registered": gettext_lazy("guardian (not registered)"),
    "scanned_form": gettext_lazy("scanned form"),
    "when": gettext_lazy("when"),
    "by": gettext_lazy("by"),
    "what": gettext_lazy("what"),
}
# Long technical columns are left out of the PDF tables (the JSON has them).
PDF_SKIP = {"hash", "consent_text_sha256", "user_agent", "person"}


def _label(key: str) -> str:
    return str(LABELS.get(key, key.replace("_", " ")))


def _text(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def document(value):
    """The data as nested sections, tables and text, for the PDF template."""
    if isinstance(value, dict):
        return {"kind": "fields", "items": [(_label(k), document(v)) for k, v in value.items()]}
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            if any(isinstance(v, (dict, list)) for v in value[0].values()):
                return {"kind": "list", "items": [document(item) for item in value]}
            keys = [k for k in value[0] if k not in PDF_SKIP]
            return {
                "kind": "table",
                "headers": [_label(k) for k in keys],
                "rows": [[_text(item.get(k)) for k in keys] for item in value],
            }
        if not value:
            return {"kind": "text", "text": "–"}
        return {"kind": "text", "text": ", ".join(_text(item) for item in value)}
    return {"kind": "text", "text": _text(value)}


def as_pdf(data: dict, *, title: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "consents/access/document.html", {"document": document(data), "title": title}
    )
    return HTML(string=html).write_pdf()


def export_record(*, user, subject: Subject | None, format: str, rows: int, scope: str):
    return ExportLog.objects.create(
        user=user,
        kind=ExportLog.Kind.SUBJECT_ACCESS,
        format=format,
        scope=scope[:500],
        subject=subject,
        rows=rows,
    )


def title_for(subject: Subject | None = None) -> str:
    if subject is None:
        return _("Everything the consent portal holds about you")
    return _("Everything the consent portal holds about %(name)s") % {
        "name": subject.name or str(subject.key)
    }
