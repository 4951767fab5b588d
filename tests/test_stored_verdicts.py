"""The stored verdicts (consents.stored) always equal what the rules work out for today.

Each test changes one input of a verdict by the ordinary code path (a decision, a guardian, a
date of birth, a setting, a purpose, a text, a new person, the date itself), refreshes, and
compares every stored row with `rules.verdicts` worked out afresh.
"""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from consents import stored
from consents.decisions.services import consent_text_publish
from consents.models import (
    Board,
    ConsentText,
    CurrentVerdict,
    Guardianship,
    MediaType,
    Purpose,
    Subject,
    VerdictDirty,
    VerdictRefresh,
)
from consents.reports.exports import ExportRequest, Kind, export_write
from consents.reports.measures import CountScope
from consents.rules import verdicts
from consents.tasks import verdicts_refresh

from . import factories as f
from .helpers import amsterdam, record

pytestmark = pytest.mark.django_db(transaction=False)


def stored_rows() -> dict:
    return {
        (v.subject_id, v.purpose_id, v.media_type_id): (
            v.state,
            v.decider,
            v.disputed,
            v.not_renewed,
            v.asked_again,
            v.inherited_from_guardians,
            v.lapsed,
            v.last_decision_id,
        )
        for v in CurrentVerdict.objects.all()
    }


def worked_out(on: dt.date) -> dict:
    found = verdicts(Subject.objects.values_list("id", flat=True), on=on, detail=False)
    return {
        key: (
            v.state.value,
            v.decider.value,
            v.disputed,
            v.not_renewed,
            v.asked_again,
            v.inherited_from_guardians,
            v.lapsed,
            v.decisions[-1].id if v.decisions else None,
        )
        for key, v in found.items()
    }


def assert_stored_equal_rules(on: dt.date) -> dict:
    assert stored.refresh().as_of == on  # what the worker runs every minute
    assert VerdictRefresh.objects.get().as_of == on
    rows = stored_rows()
    assert rows == worked_out(on)
    return rows


@pytest.fixture
def family(child, mother, father, website, photo, school):
    """Zoë (13, two guardians who disagree about the website), a student of 17, a teacher."""
    with time_machine.travel(amsterdam(2026, 9, 2), tick=False):
        record(mother.user, child, website, photo)
        record(father.user, child, website, photo, value="refused")
    older = f.StudentFactory(school=school, date_of_birth=dt.date(2009, 5, 1))
    teacher = f.StaffMemberFactory(board=school.board, schools=[school])
    return older, teacher


OCTOBER = amsterdam(2026, 10, 1, 10)


@time_machine.travel(OCTOBER, tick=False)
def test_stored_verdicts_equal_the_rules_after_a_decision_and_a_guardian_change(
    family, child, father, mother, website, photo
):
    on = dt.date(2026, 10, 1)
    before = assert_stored_equal_rules(on)
    assert before[(child.pk, website.pk, photo.pk)][:3] == ("not_allowed", "guardians", True)

    record(father.user, child, website, photo)  # father now grants too
    assert stored_rows()[(child.pk, website.pk, photo.pk)][0] == "not_allowed"  # not yet
    after = assert_stored_equal_rules(on)
    assert after[(child.pk, website.pk, photo.pk)][:3] == ("allowed", "guardians", False)

    record(mother.user, child, website, photo, value="withdrawn")
    assert assert_stored_equal_rules(on)[(child.pk, website.pk, photo.pk)][0] == "not_allowed"

    Guardianship.objects.filter(guardian=mother).delete()  # only the father's answer is left
    assert assert_stored_equal_rules(on)[(child.pk, website.pk, photo.pk)][0] == "allowed"


@time_machine.travel(OCTOBER, tick=False)
def test_stored_verdicts_equal_the_rules_after_a_date_of_birth_and_a_board_setting_change(
    family, child, website, photo, board
):
    on = dt.date(2026, 10, 1)
    assert_stored_equal_rules(on)

    child.date_of_birth = dt.date(2010, 1, 1)  # corrected by an import: 16 already
    child.save()
    rows = assert_stored_equal_rules(on)
    assert rows[(child.pk, website.pk, photo.pk)][1] == "self"

    board.at_sixteen = (
        Board.AtSixteen.LAPSE if board.at_sixteen == Board.AtSixteen.KEEP else Board.AtSixteen.KEEP
    )
    board.save()  # as the admin saves it
    assert VerdictRefresh.objects.get().as_of is None  # the whole board is worked out again
    changed = assert_stored_equal_rules(on)
    assert changed[(child.pk, website.pk, photo.pk)] != rows[(child.pk, website.pk, photo.pk)]


@time_machine.travel(OCTOBER, tick=False)
def test_stored_verdicts_follow_purposes_texts_and_new_people(family, board, website, school):
    on = dt.date(2026, 10, 1)
    assert_stored_equal_rules(on)
    media = MediaType.objects.count()

    website.active = False
    website.save()
    assert_stored_equal_rules(on)
    assert not CurrentVerdict.objects.filter(purpose=website).exists()

    newsletter = f.PurposeFactory(board=board, code="newsletter")
    newcomer = f.StudentFactory(school=school)
    assert_stored_equal_rules(on)
    assert CurrentVerdict.objects.filter(subject=newcomer).count() == (
        Purpose.objects.filter(active=True).count() * media
    )
    assert CurrentVerdict.objects.filter(purpose=newsletter).exists()


@time_machine.travel(OCTOBER, tick=False)
def test_stored_verdicts_ask_again_after_a_material_text_change(family, child, website, photo):
    on = dt.date(2026, 10, 1)
    assert not assert_stored_equal_rules(on)[(child.pk, website.pk, photo.pk)][4]
    consent_text_publish(
        purpose=website,
        body_nl="Nieuwe tekst",
        body_en="New text",
        change=ConsentText.Change.MATERIAL,
    )
    assert assert_stored_equal_rules(on)[(child.pk, website.pk, photo.pk)][4]  # asked again


def test_stored_verdicts_turn_at_midnight_of_the_16th_birthday(family, child, website, photo):
    """Rule 1 at the stored table: the decider changes at 00:00 on the birthday, not before."""
    child.date_of_birth = dt.date(2011, 3, 14)
    child.save()
    with time_machine.travel(amsterdam(2027, 3, 13, 23, 59), tick=False):
        rows = assert_stored_equal_rules(dt.date(2027, 3, 13))
        assert rows[(child.pk, website.pk, photo.pk)][1] == "guardians"
    with time_machine.travel(amsterdam(2027, 3, 14, 0, 0), tick=False):
        assert not VerdictDirty.objects.exists()  # nothing changed but the date
        done = stored.refresh()
        assert (done.rebuilt, done.people) == (False, 1)  # only the student who turned 16
        rows = assert_stored_equal_rules(dt.date(2027, 3, 14))
        assert rows[(child.pk, website.pk, photo.pk)][1] == "self"


def test_stored_verdicts_turn_at_midnight_of_the_school_year_boundary(
    family, child, website, photo, board
):
    """Rule 7 at the stored table: last year's answers stop counting as current on 1 August."""
    with time_machine.travel(amsterdam(2027, 7, 31, 23, 59), tick=False):
        rows = assert_stored_equal_rules(dt.date(2027, 7, 31))
        assert not rows[(child.pk, website.pk, photo.pk)][3]
    with time_machine.travel(amsterdam(2027, 8, 1, 0, 0), tick=False):
        done = stored.refresh()
        assert done.rebuilt  # a new school year changes everyone's verdicts
        rows = assert_stored_equal_rules(dt.date(2027, 8, 1))
        if board.unanswered_year == Board.UnansweredYear.LAPSE:
            assert rows[(child.pk, website.pk, photo.pk)][0] == "no_answer"
        else:
            assert rows[(child.pk, website.pk, photo.pk)][3]  # not renewed


@time_machine.travel(OCTOBER, tick=False)
def test_changes_that_cannot_alter_a_verdict_queue_nobody(family, child, board, school):
    stored.refresh()
    child.group = f.GroupFactory(school=school)
    child.first_name = "Zoë Anna"
    child.save()
    board.name = "CVO Nieuw"
    board.save()
    assert not VerdictDirty.objects.exists()
    assert VerdictRefresh.objects.get().as_of == dt.date(2026, 10, 1)


@time_machine.travel(OCTOBER, tick=False)
def test_a_change_made_while_a_refresh_runs_is_not_lost(
    family, child, website, photo, father, monkeypatch
):
    stored.refresh()
    write = stored._write

    def write_while_a_parent_saves(ids, on):
        record(father.user, child, website, photo)  # committed "during" the refresh
        return write(ids, on)

    monkeypatch.setattr(stored, "_write", write_while_a_parent_saves)
    VerdictDirty.objects.create(subject_id=child.pk)
    stored.refresh()
    monkeypatch.setattr(stored, "_write", write)
    assert VerdictDirty.objects.filter(subject_id=child.pk).exists()  # still queued
    assert_stored_equal_rules(dt.date(2026, 10, 1))


@time_machine.travel(OCTOBER, tick=False)
def test_a_setting_changed_while_a_refresh_runs_leaves_the_store_unused(family, board, monkeypatch):
    stored.refresh()
    write = stored._write

    def write_while_the_setting_changes(ids, on):
        changed = Board.objects.get(pk=board.pk)  # as the admin saves it
        changed.unanswered_year = (
            Board.UnansweredYear.LAPSE
            if board.unanswered_year == Board.UnansweredYear.CARRY_FORWARD
            else Board.UnansweredYear.CARRY_FORWARD
        )
        changed.save()
        return write(ids, on)

    VerdictDirty.objects.create(subject_id=family[0].pk)
    monkeypatch.setattr(stored, "_write", write_while_the_setting_changes)
    assert stored.refresh().as_of is None
    monkeypatch.setattr(stored, "_write", write)
    assert_stored_equal_rules(dt.date(2026, 10, 1))


@time_machine.travel(OCTOBER, tick=False)
def test_the_register_for_today_reads_the_stored_verdicts_and_equals_one_worked_out(
    family, child, school, tmp_path, monkeypatch
):
    request = ExportRequest(
        kind=Kind.REGISTER_STATUS, school_ids=(school.pk,), on=dt.date(2026, 10, 1)
    )
    stored.refresh()
    worked = []
    real_verdicts = stored.verdicts
    monkeypatch.setattr(
        stored, "verdicts", lambda *a, **k: worked.append(1) or real_verdicts(*a, **k)
    )
    export_write(request, "csv", tmp_path / "stored.csv")
    assert not worked  # nothing changed since the refresh: read, not worked out
    stored.verdicts_mark_stale(people=[child.pk])  # one person read afresh, merged in order
    export_write(request, "csv", tmp_path / "mixed.csv")
    assert len(worked) == 1
    stored.verdicts_mark_stale(everyone=True)  # the store no longer holds: worked out
    export_write(request, "csv", tmp_path / "worked.csv")
    assert len(worked) == 2

    def rows(name):
        with open(tmp_path / name, encoding="utf-8-sig") as handle:
            return list(csv.reader(io.StringIO(handle.read()), delimiter=";"))

    assert rows("stored.csv") == rows("mixed.csv") == rows("worked.csv")
    assert len(rows("stored.csv")) == 1 + 3 * Purpose.objects.count() * MediaType.objects.count()


@time_machine.travel(OCTOBER, tick=False)
def test_the_report_counts_from_the_stored_verdicts_equal_those_worked_out(
    family, school, monkeypatch
):
    from consents.models import SchoolYear

    year = SchoolYear.objects.for_date(school.board, dt.date(2026, 10, 1))
    stored.refresh()
    worked_out_people = []
    real_verdicts = stored.verdicts
    monkeypatch.setattr(
        stored,
        "verdicts",
        lambda ids, **k: worked_out_people.extend(ids) or real_verdicts(ids, **k),
    )
    from_store = CountScope.for_school(school, year, dt.date(2026, 10, 1)).states
    assert not worked_out_people  # read from the store
    stored.verdicts_mark_stale(everyone=True)
    worked = CountScope.for_school(school, year, dt.date(2026, 10, 1)).states
    assert worked_out_people  # worked out
    assert from_store == worked
    assert sum(from_store.values()) == 3 * Purpose.objects.count() * MediaType.objects.count()


@time_machine.travel(OCTOBER, tick=False)
def test_an_earlier_date_is_worked_out_not_read(family, monkeypatch):
    stored.refresh()
    everyone = list(Subject.objects.values_list("id", flat=True))
    scope = {
        "purposes": Purpose.objects.filter(active=True),
        "media_types": MediaType.objects.all(),
    }
    worked_out_people = []
    real_verdicts = stored.verdicts
    monkeypatch.setattr(
        stored,
        "verdicts",
        lambda ids, **k: worked_out_people.extend(ids) or real_verdicts(ids, **k),
    )
    today = stored.states(everyone, on=dt.date(2026, 10, 1), **scope)
    assert worked_out_people == []
    earlier = stored.states(everyone, on=dt.date(2026, 9, 1), **scope)
    assert sorted(worked_out_people) == sorted(everyone)
    assert len(today) == len(earlier) == len(everyone) * Purpose.objects.count() * 3


@time_machine.travel(OCTOBER, tick=False)
def test_the_periodic_task_works_off_the_queue(family, child):
    stored.refresh()
    child.date_of_birth = dt.date(2010, 1, 1)
    child.save()
    assert VerdictDirty.objects.exists()
    assert verdicts_refresh() == 1
    assert not VerdictDirty.objects.exists()
    assert_stored_equal_rules(dt.date(2026, 10, 1))


# --- Pages that read the stored states (the lookup) ---------------------------------------------


def states_worked_out(on: dt.date) -> dict:
    return {key: row[0] for key, row in worked_out(on).items()}


def states_read() -> dict:
    everyone = Subject.objects.values_list("id", flat=True)
    found = stored.states_today(
        everyone, purposes=Purpose.objects.filter(active=True), media_types=MediaType.objects.all()
    )
    return {key: state.value for key, state in found.items()}


@time_machine.travel(OCTOBER, tick=False)
def test_the_lookup_shows_a_change_before_the_store_is_refreshed(
    client, communications, family, child, father, website, photo
):
    """Rule 9 reads the stored states, but a person still queued is worked out afresh: the
    lookup never shows a verdict older than the last saved decision."""
    stored.refresh()
    client.force_login(communications)
    url = reverse("communications_lookup")

    def badge():
        html = client.get(url, {"q": child.first_name, "media": "photo"}).content.decode()
        row = re.search(rf'<tr data-person="{child.pk}">.*?</tr>', html).group(0)
        return re.search(
            rf'data-purpose="{website.pk}"><span class="verdict [^"]+" data-state="(\w+)"', row
        ).group(1)

    assert badge() == "not_allowed"  # the guardians disagree
    record(father.user, child, website, photo)  # now both grant; no refresh has run
    assert VerdictDirty.objects.filter(subject_id=child.pk).exists()
    assert badge() == "allowed"
    assert states_read() == states_worked_out(dt.date(2026, 10, 1))
    stored.refresh()
    assert badge() == "allowed"


@time_machine.travel(OCTOBER, tick=False)
def test_stored_states_are_read_for_people_not_queued(family, child, website, photo):
    stored.refresh()
    assert states_read() == states_worked_out(dt.date(2026, 10, 1))
    # Proof that the rows are what is read: a row altered behind the rules' back shows.
    CurrentVerdict.objects.filter(subject_id=child.pk, purpose=website, media_type=photo).update(
        state="allowed"
    )
    assert states_read()[(child.pk, website.pk, photo.pk)] == "allowed"
    VerdictDirty.objects.create(subject_id=child.pk)  # queued: worked out again
    assert states_read()[(child.pk, website.pk, photo.pk)] == "not_allowed"


def test_stored_states_of_yesterday_are_not_read_after_midnight(
    family, child, website, photo, board
):
    """At 00:00 on the 16th birthday the lookup shows that the guardians' answers lapsed even
    if no refresh has run since 23:59: the store holds for yesterday, so it is worked out."""
    board.at_sixteen = Board.AtSixteen.LAPSE
    board.save()
    child.date_of_birth = dt.date(2011, 3, 14)
    child.save()
    key = (child.pk, website.pk, photo.pk)
    with time_machine.travel(amsterdam(2027, 3, 13, 23, 59), tick=False):
        stored.refresh()
        before = states_read()
        assert before == states_worked_out(dt.date(2027, 3, 13))
    with time_machine.travel(amsterdam(2027, 3, 14, 0, 0), tick=False):
        assert VerdictRefresh.objects.get().as_of == dt.date(2027, 3, 13)
        after = states_read()
        assert after == states_worked_out(dt.date(2027, 3, 14))
    assert (before[key], after[key]) == ("not_allowed", "no_answer")
