"""Every path that writes a rule input leaves the stored verdicts equal to the rules.

Each test changes one input through the service people use (a parent's decision and
withdrawal, an import, a text change, a board setting, an erasure), checks that the change
was marked (the person queued, or every verdict stale) before any refresh, and then that a
refresh, as the worker runs it, stores exactly what `rules.verdicts` works out afresh.
"""

import datetime as dt

import pytest
import time_machine

from consents import stored
from consents.decisions.services import consent_text_publish, consent_withdraw
from consents.imports import records_import
from consents.models import (
    Board,
    ConsentText,
    Guardianship,
    ImportRun,
    School,
    Student,
    Subject,
    VerdictDirty,
    VerdictRefresh,
)
from consents.privacy.retention import subject_erase

from . import factories as f
from .helpers import amsterdam, record
from .test_stored_verdicts import assert_stored_equal_rules, stored_rows

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 10, 1)
HEADER = (
    "leerlingnummer;roepnaam;tussenvoegsel;achternaam;geboortedatum;klas;"
    "ouder1_roepnaam;ouder1_achternaam;ouder1_e-mail;ouder2_roepnaam;ouder2_achternaam;ouder2_e-mail"
)


@pytest.fixture
def october(private_media):
    with time_machine.travel(amsterdam(2026, 10, 1, 10), tick=False):
        yield


@pytest.fixture
def family(october, child, mother, father, website, photo, school):
    """Zoë (13): her mother grants the website, her father refuses; a student of 17 and a
    teacher; everything stored."""
    record(mother.user, child, website, photo)
    record(father.user, child, website, photo, value="refused")
    f.StudentFactory(school=school, date_of_birth=dt.date(2009, 5, 1))
    f.StaffMemberFactory(board=school.board, schools=[school])
    assert_stored_equal_rules(ON)
    return child


def queued(subject) -> bool:
    return VerdictDirty.objects.filter(subject_id=subject.pk).exists()


def everything_stale() -> bool:
    return VerdictRefresh.objects.get().as_of is None


def key(child, website, photo):
    return (child.pk, website.pk, photo.pk)


def import_child(school, child, *, born: str, guardians) -> None:
    parents = [(g.first_name, g.last_name, g.user.email) for g in guardians]
    parents += [("", "", "")] * (2 - len(parents))
    row = ";".join(
        [
            child.student_number,
            child.first_name,
            child.prefix,
            child.last_name,
            born,
            "1a",
            *(value for parent in parents for value in parent),
        ]
    )
    result = records_import(
        format=ImportRun.Format.STUDENTS,
        filename="leerlingen.csv",
        data=f"{HEADER}\r\n{row}\r\n".encode("utf-8-sig"),
        school=school,
        allowed_schools=School.objects.filter(pk=school.pk),
        dry_run=False,
        today=ON,
    )
    assert not result.errors, result.errors


def test_recording_a_decision_is_stored(family, father, website, photo):
    record(father.user, family, website, photo)  # both grant now
    assert queued(family)
    assert assert_stored_equal_rules(ON)[key(family, website, photo)][0] == "allowed"


def test_a_withdrawal_is_stored(family, mother, website, photo):
    consent_withdraw(actor=mother.user, subject=family)
    assert queued(family)
    rows = assert_stored_equal_rules(ON)
    assert rows[key(family, website, photo)][0] == "not_allowed"
    assert not rows[key(family, website, photo)][2]  # no longer disputed: both say no


def test_an_import_that_corrects_a_date_of_birth_is_stored(
    family, school, mother, father, website, photo
):
    assert stored_rows()[key(family, website, photo)][1] == "guardians"
    import_child(school, family, born="01-01-2010", guardians=[mother, father])  # 16 already
    assert Student.objects.get(pk=family.pk).date_of_birth == dt.date(2010, 1, 1)
    assert queued(family)
    assert assert_stored_equal_rules(ON)[key(family, website, photo)][1] == "self"


def test_an_import_that_removes_a_guardian_is_stored(family, school, father, website, photo):
    import_child(school, family, born="14-03-2013", guardians=[father])  # the mother is gone
    assert not Guardianship.objects.filter(
        student=family, guardian__user__email="sanne@example.org"
    )
    assert queued(family)
    row = assert_stored_equal_rules(ON)[key(family, website, photo)]
    assert row[:3] == ("not_allowed", "guardians", False)  # only the father's refusal is left


def test_a_guardian_link_removed_by_hand_is_stored(family, mother, website, photo):
    Guardianship.objects.filter(guardian=mother).delete()  # as the admin deletes it
    assert queued(family)
    assert not assert_stored_equal_rules(ON)[key(family, website, photo)][2]


def test_a_material_text_change_is_stored(family, website, photo):
    consent_text_publish(
        purpose=website, body_nl="Nieuw", body_en="New", change=ConsentText.Change.MATERIAL
    )
    assert everything_stale()
    assert assert_stored_equal_rules(ON)[key(family, website, photo)][4]  # asked again


def test_a_board_setting_change_is_stored(family, board, website, photo):
    family.date_of_birth = dt.date(2010, 1, 1)
    family.save()  # 16: the guardians' answer stands or lapses by the board setting
    before = assert_stored_equal_rules(ON)[key(family, website, photo)]
    board.at_sixteen = (
        Board.AtSixteen.LAPSE if board.at_sixteen == Board.AtSixteen.KEEP else Board.AtSixteen.KEEP
    )
    board.save()
    assert everything_stale()
    assert assert_stored_equal_rules(ON)[key(family, website, photo)] != before


def test_erasing_a_student_is_stored(family, school, website, photo):
    leaver = f.StudentFactory(
        school=school, date_of_birth=dt.date(2010, 12, 31), date_left=dt.date(2024, 6, 30)
    )
    guardian = f.GuardianFactory(students=[leaver])
    with time_machine.travel(amsterdam(2026, 9, 1), tick=False):
        record(guardian.user, leaver, website, photo)
    before = assert_stored_equal_rules(ON)[key(leaver, website, photo)]
    assert before[1] == "guardians"  # 15 until 31 December
    subject_erase(Subject.objects.get(pk=leaver.pk), today=ON)
    assert queued(leaver)
    after = assert_stored_equal_rules(ON)[key(leaver, website, photo)]
    assert after[1] == "self"  # only the year of birth is kept: 1 January 2010


def test_a_change_no_rule_reads_marks_nothing(family, board, school):
    family.first_name = "Zoë Anna"
    family.group = f.GroupFactory(school=school)
    family.save()
    board.name = "CVO Nieuw"
    board.save()
    school.name = "Waldheim"
    school.save()
    assert not VerdictDirty.objects.exists()
    assert VerdictRefresh.objects.get().as_of == ON
    assert stored.refresh().people == 0
