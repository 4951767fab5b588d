"""Erasing people who left longer ago than the board's retention period (rule 11).

What stays after erasure is what the tamper-evident log hashes (pseudonymous keys, purpose
and media codes, values, dates) and what the counts of past years need; those counts are
frozen first (`closed_years_freeze`). What goes: names, student numbers, the day and month
of birth, login addresses, and the evidence of their decisions (IP address, browser, note,
scanned form). `erasure_blocker` says why someone cannot be erased yet.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.dates import school_today
from consents.models import (
    Board,
    DecisionEvidence,
    ExportJob,
    Guardian,
    ImportRun,
    LibraryItem,
    LibraryItemPerson,
    Role,
    StaffMember,
    Student,
    Subject,
)
from consents.reports.snapshots import closed_years_freeze

logger = logging.getLogger(__name__)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def erasure_due(subject: Subject) -> dt.date | None:
    if subject.date_left is None:
        return None
    return add_months(subject.date_left, subject.board.retention_months)


def erasure_blocker(subject: Subject, *, today: dt.date) -> str | None:
    """Why `subject` cannot be erased on `today`, or None when they can."""
    if subject.erased_at is not None:
        return _("Already erased.")
    due = erasure_due(subject)
    if due is None:
        return _("Has not left.")
    if today < due:
        return _("Left on %(left)s; the retention period ends on %(due)s.") % {
            "left": subject.date_left,
            "due": due,
        }
    if subject.user_id and _holds_role(subject.user):
        return _("Still holds a role in the portal; remove the role first.")
    return None


def _holds_role(user) -> bool:
    return user.is_staff or user.is_superuser or Role.objects.filter(user=user).exists()


def _user_erase(user) -> None:
    """Remove the personal data of a login account; the row (and its key) stays for the log."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = f"erased-{user.key}@erased.invalid"
    user.first_name = user.last_name = ""
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()
    user.save()


def _evidence_erase(decisions) -> int:
    evidence = DecisionEvidence.objects.filter(decision__in=decisions)
    for name in evidence.exclude(scan="").values_list("scan", flat=True).distinct():
        # A scan is shared by the decisions of one form, all about this person.
        DecisionEvidence.scan.field.storage.delete(name)
    return evidence.update(ip_address=None, user_agent="", note="", guardian_name="", scan="")


def _library_entries_erase(subject: Subject) -> int:
    """Take `subject` off the library's photos. The photos still show them, now as someone
    whose consent is unknown: the items are marked "other recognisable people visible", so
    they may go nowhere without a reason and need attention until they are deleted (they are
    older than the retention period by now, so on the retention list). The mark stays: staff
    cannot clear it again (`LibraryItem.someone_erased_at`)."""
    LibraryItem.objects.filter(entries__subject=subject).update(
        others_visible=True, someone_erased_at=timezone.now()
    )
    deleted, _by_model = LibraryItemPerson.objects.filter(subject=subject).delete()
    return deleted


@transaction.atomic
def subject_erase(subject: Subject, *, today: dt.date | None = None) -> None:
    """Erase one person who left; raises ValueError with the reason when they cannot be."""
    today = today or school_today()
    blocker = erasure_blocker(subject, today=today)
    if blocker:
        raise ValueError(blocker)
    now = timezone.now()
    _evidence_erase(subject.decisions.all())
    _library_entries_erase(subject)
    if subject.kind == Subject.Kind.STUDENT:
        student = Student.objects.get(pk=subject.pk)
        student.student_number = f"x{student.pk}"[:20]
        # Keep the year of birth only: enough for age statistics, not for recognition.
        student.date_of_birth = dt.date(student.date_of_birth.year, 1, 1)
        student.first_name = student.prefix = student.last_name = ""
        student.erased_at = now
        user = student.user
        student.user = None
        student.save()
        guardians = list(Guardian.objects.filter(guardianships__student=student))
    else:
        member = StaffMember.objects.get(pk=subject.pk)
        member.first_name = member.prefix = member.last_name = member.function = ""
        member.erased_at = now
        user = member.user
        member.user = None
        member.save()
        guardians = []
    if user is not None and not Guardian.objects.filter(user=user, erased_at__isnull=True).exists():
        _user_erase(user)
    for guardian in guardians:
        _guardian_erase_if_done(guardian, now)


def _guardian_erase_if_done(guardian: Guardian, now) -> bool:
    """Erase a guardian once every child of theirs has been erased."""
    if guardian.erased_at or guardian.students.filter(erased_at__isnull=True).exists():
        return False
    _evidence_erase(guardian.decisions.all())
    guardian.first_name = guardian.prefix = guardian.last_name = ""
    guardian.erased_at = now
    guardian.save(update_fields=["first_name", "prefix", "last_name", "erased_at"])
    user = guardian.user
    if not Subject.objects.filter(user=user, erased_at__isnull=True).exists():
        _user_erase(user)
    return True


def retention_due(board: Board, *, today: dt.date):
    """People of `board` whose retention period has ended (not yet erased)."""
    candidates = Subject.objects.filter(
        board=board, date_left__isnull=False, erased_at__isnull=True
    ).select_related("board", "user")
    return [s for s in candidates if not erasure_blocker(s, today=today)]


def files_cleanup(*, now=None) -> int:
    """Remove uploaded imports never confirmed (after a day) and old background exports."""
    now = now or timezone.now()
    removed = 0
    stale_imports = ImportRun.objects.filter(~Q(file=""), created_at__lt=now - dt.timedelta(days=1))
    for run in stale_imports:
        run.file.delete(save=False)
        run.status = ImportRun.Status.CANCELLED
        run.save(update_fields=["file", "status"])
        removed += 1
    old_exports = ExportJob.objects.filter(
        ~Q(file=""), finished_at__lt=now - dt.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    )
    for job in old_exports:
        job.file.delete(save=True)
        removed += 1
    return removed


def retention_apply(*, today: dt.date | None = None) -> dict:
    """Freeze past years' counts, then erase everyone due, board by board."""
    today = today or school_today()
    erased = frozen = 0
    for board in Board.objects.all():
        due = retention_due(board, today=today)
        if not due:
            continue
        frozen += closed_years_freeze(board, today=today)
        for subject in due:
            subject_erase(subject, today=today)
            erased += 1
    files = files_cleanup()
    logger.info("retention: %s people erased, %s year counts frozen", erased, frozen)
    return {"erased": erased, "frozen": frozen, "files_removed": files}
