"""Retention: people who left long enough ago are erased; counts and the chain stay intact."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from consents.decisions.paper import paper_decisions_record
from consents.models import ConsentDecision, DecisionEvidence, Guardian, SchoolYear, Student
from consents.privacy.retention import erasure_blocker, retention_apply
from consents.reports import report_build
from consents.tasks import retention_run

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def leavers(board, school, website, photo, administrator, private_media):
    """Zoë left in June 2025, Sem in June 2026; Tess is still at school. Sem and Tess share
    a guardian."""
    with time_machine.travel(amsterdam(2024, 9, 10), tick=False):
        year = SchoolYear.objects.for_date(board, dt.date(2024, 9, 10))
        group = f.GroupFactory(school=school, school_year=year, name="1a", year_group=1)
        zoe = f.StudentFactory(
            school=school,
            group=group,
            first_name="Zoë",
            last_name="Vries",
            user=f.UserFactory(email="zoe@example.org"),
        )
        sem = f.StudentFactory(school=school, group=group, first_name="Sem")
        tess = f.StudentFactory(school=school, group=group, first_name="Tess")
        others = [f.StudentFactory(school=school, group=group) for _ in range(6)]
        zoe_mother = f.GuardianFactory(user__email="moeder.vries@example.org", students=[zoe])
        shared = f.GuardianFactory(students=[sem, tess])
        record(zoe_mother.user, zoe, website, photo, ip_address="192.0.2.1", user_agent="Safari")
        paper_decisions_record(
            actor=administrator,
            subject=zoe,
            answers={(website, f.media("film")): "refused"},
            method="paper",
            guardian=zoe_mother,
            note="formulier van moeder",
            scan=SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scan"),
            today=dt.date(2024, 9, 10),
        )
        record(shared.user, sem, website, photo)
        for other in others:
            record(f.GuardianFactory(students=[other]).user, other, website, photo)
    Student.objects.filter(pk=zoe.pk).update(date_left=dt.date(2025, 6, 30))
    Student.objects.filter(pk=sem.pk).update(date_left=dt.date(2026, 6, 30))
    return {
        "zoe": zoe,
        "sem": sem,
        "tess": tess,
        "zoe_mother": zoe_mother,
        "shared": shared,
        "year": year,
    }


def counts(report):
    return [
        (
            s.title,
            s.population.value,
            [(c.value, c.status) for line in s.lines for c in line.cells.values()],
        )
        for s in report.sections
    ]


def test_people_who_left_more_than_the_retention_period_ago_are_erased(
    leavers, board, school, private_media, eager_celery
):
    with time_machine.travel(amsterdam(2027, 8, 1), tick=False):
        before = counts(report_build(board=board, school_year=leavers["year"], schools=[school]))
        result = retention_run.delay().get()
        after = counts(report_build(board=board, school_year=leavers["year"], schools=[school]))
    assert result["erased"] == 1
    zoe = Student.objects.get(pk=leavers["zoe"].pk)
    assert (zoe.first_name, zoe.prefix, zoe.last_name) == ("", "", "")
    assert zoe.student_number == f"x{zoe.pk}" and zoe.date_of_birth == dt.date(2013, 1, 1)
    assert zoe.erased_at is not None and zoe.user is None
    mother = Guardian.objects.get(pk=leavers["zoe_mother"].pk)
    assert mother.erased_at is not None and mother.last_name == ""
    assert mother.user.email.endswith("@erased.invalid") and not mother.user.is_active
    evidence = DecisionEvidence.objects.filter(decision__subject=zoe)
    assert evidence.count() == 2
    assert all(
        not e.ip_address and not e.user_agent and not e.note and not e.scan for e in evidence
    )
    assert not [p for p in private_media.rglob("*") if p.is_file()]  # the scan file is gone
    assert ConsentDecision.objects.filter(subject=zoe).count() == 2  # the log keeps its events
    assert after == before  # the counts of the past year are unchanged
    call_command("verify_consent_chain")  # raises CommandError when a link is broken


def test_people_within_the_retention_period_and_their_shared_guardian_stay(leavers, eager_celery):
    with time_machine.travel(amsterdam(2027, 8, 1), tick=False):
        retention_apply()
    sem = Student.objects.get(pk=leavers["sem"].pk)
    assert sem.first_name == "Sem" and sem.erased_at is None
    assert Guardian.objects.get(pk=leavers["shared"].pk).erased_at is None
    assert Student.objects.get(pk=leavers["tess"].pk).first_name == "Tess"


def test_a_guardian_is_erased_only_when_all_their_children_are(leavers):
    Student.objects.filter(pk=leavers["tess"].pk).update(date_left=dt.date(2028, 7, 31))
    with time_machine.travel(amsterdam(2028, 7, 1), tick=False):
        retention_apply()  # Sem is due (24 months), Tess has not reached hers
    assert Student.objects.get(pk=leavers["sem"].pk).erased_at is not None
    assert Guardian.objects.get(pk=leavers["shared"].pk).erased_at is None
    with time_machine.travel(amsterdam(2030, 8, 1), tick=False):
        retention_apply()
    assert Guardian.objects.get(pk=leavers["shared"].pk).erased_at is not None


def test_the_blocker_says_why_someone_cannot_be_erased_yet(leavers, board):
    sem = Student.objects.get(pk=leavers["sem"].pk)
    tess = Student.objects.get(pk=leavers["tess"].pk)
    today = dt.date(2027, 8, 1)
    assert "Has not left" in erasure_blocker(tess, today=today)
    assert "2028-06-30" in erasure_blocker(sem, today=today)
    board.retention_months = 12
    board.save()
    sem.refresh_from_db()
    assert erasure_blocker(sem, today=today) is None


def test_someone_holding_a_role_is_not_erased(leavers, board, school):
    member = f.StaffMemberFactory(board=board, schools=[school], date_left=dt.date(2024, 1, 1))
    f.RoleFactory(user=member.user, school=school)
    with time_machine.travel(amsterdam(2027, 8, 1), tick=False):
        retention_apply()
    member.refresh_from_db()
    assert member.erased_at is None
    assert "role" in erasure_blocker(member, today=dt.date(2027, 8, 1))
