"""The rules of PRODUCT.md that the domain enforces: tests per rule, named after it."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from consents.decisions.services import InvalidDecision, consent_text_publish, consent_withdraw
from consents.models import Board, ConsentDecision, Guardianship, Subject
from consents.rules import Decider, DecisionNotAllowed, State, verdict_for

from . import factories as f
from .helpers import amsterdam, record, state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """These tests read the rules' messages in English (the site default is Dutch)."""
    with translation.override("en"):
        yield


BIRTHDAY = dt.date(2029, 3, 14)  # the child's 16th birthday (fixture: born 14 March 2013)


# --- Rule 1: who decides -------------------------------------------------------------------


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_1_every_registered_guardian_may_decide_for_child_under_16(
    child, mother, father, website, photo
):
    record(mother.user, child, website, photo, "granted")
    record(father.user, child, website, photo, "granted")
    assert ConsentDecision.objects.filter(subject=child).count() == 2
    v = verdict_for(child, website, photo, on=dt.date(2026, 10, 1))
    assert v.state == State.ALLOWED and v.decider == Decider.GUARDIANS


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_1_child_under_16_cannot_decide_for_themself(child, website, photo):
    child.user = f.UserFactory(email="zoe@example.org")
    child.save()
    with pytest.raises(DecisionNotAllowed, match="Until you are 16"):
        record(child.user, child, website, photo)
    assert not ConsentDecision.objects.exists()


@pytest.mark.parametrize(
    ("moment", "guardian_may_decide"),
    [
        # 23:30 in Amsterdam on 13 March is 22:30 UTC: still 15.
        (dt.datetime(2029, 3, 13, 22, 30, tzinfo=dt.UTC), True),
        # 00:30 in Amsterdam on 14 March is still 13 March in UTC: already 16.
        (dt.datetime(2029, 3, 13, 23, 30, tzinfo=dt.UTC), False),
        (amsterdam(2029, 3, 15, 0, 1), False),
    ],
    ids=["day-before-2330-amsterdam", "birthday-0030-amsterdam", "day-after"],
)
def test_rule_1_age_counts_in_amsterdam_time(
    child, mother, website, photo, moment, guardian_may_decide
):
    with time_machine.travel(moment, tick=False):
        if guardian_may_decide:
            record(mother.user, child, website, photo)
            assert ConsentDecision.objects.count() == 1
        else:
            with pytest.raises(DecisionNotAllowed, match="16 or older"):
                record(mother.user, child, website, photo)
            assert not ConsentDecision.objects.exists()


def test_rule_1_student_of_16_decides_alone(child, mother, website, photo):
    child.user = f.UserFactory(email="zoe@example.org")
    child.save()
    with time_machine.travel(amsterdam(2029, 3, 14, 0, 5), tick=False):
        decision = record(child.user, child, website, photo, "refused")
    assert decision.capacity == ConsentDecision.Capacity.SELF
    assert decision.guardian is None


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_1_staff_decide_for_themselves_only(school, website, photo):
    teacher = f.StaffMemberFactory(board=school.board, schools=[school])
    colleague = f.StaffMemberFactory(board=school.board, schools=[school])
    decision = record(teacher.user, teacher, website, photo)
    assert decision.capacity == ConsentDecision.Capacity.STAFF
    with pytest.raises(DecisionNotAllowed):
        record(teacher.user, colleague, website, photo)
    assert ConsentDecision.objects.filter(subject=colleague).count() == 0


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_1_administrator_records_paper_form_for_a_named_guardian(
    child, mother, administrator, website, photo
):
    decision = record(
        administrator,
        child,
        website,
        photo,
        "refused",
        method="paper",
        guardian=mother,
        note="Formulier ingeleverd bij de balie",
    )
    assert decision.capacity == ConsentDecision.Capacity.ADMINISTRATOR
    assert decision.guardian == mother
    assert decision.evidence.note == "Formulier ingeleverd bij de balie"
    assert state(child, website, photo, dt.date(2026, 10, 1)) == State.NOT_ALLOWED


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
@pytest.mark.parametrize(
    "attempt",
    [
        "other_family_guardian",
        "other_school_administrator",
        "administrator_online",
        "administrator_without_note",
        "administrator_without_guardian",
        "stranger",
    ],
)
def test_rule_1_unauthorised_recording_raises_and_writes_nothing(
    request, child, mother, website, photo, attempt
):
    kwargs = {}
    if attempt == "other_family_guardian":
        actor, error = request.getfixturevalue("other_family_guardian").user, DecisionNotAllowed
    elif attempt == "other_school_administrator":
        actor = request.getfixturevalue("other_school_administrator")
        kwargs = {"method": "paper", "note": "x", "guardian": mother}
        error = DecisionNotAllowed
    elif attempt == "administrator_online":
        actor, error = request.getfixturevalue("administrator"), DecisionNotAllowed
    elif attempt == "administrator_without_note":
        actor = request.getfixturevalue("administrator")
        kwargs, error = {"method": "recorded", "guardian": mother}, InvalidDecision
    elif attempt == "administrator_without_guardian":
        actor = request.getfixturevalue("administrator")
        kwargs, error = {"method": "recorded", "note": "Telefoon"}, DecisionNotAllowed
    else:
        actor, error = f.UserFactory(), DecisionNotAllowed
    with pytest.raises(error):
        record(actor, child, website, photo, **kwargs)
    assert ConsentDecision.objects.count() == 0
    assert not Subject.objects.get(pk=child.pk).statuses.exists()


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_1_purpose_of_another_board_or_inactive_is_refused(child, mother, photo, website):
    foreign = f.PurposeFactory()
    with pytest.raises(InvalidDecision):
        record(mother.user, child, foreign, photo)
    website.active = False
    website.save()
    with pytest.raises(InvalidDecision):
        record(mother.user, child, website, photo)
    assert ConsentDecision.objects.count() == 0


# --- Rule 2: turning 16 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "decider"),
    [
        (BIRTHDAY - dt.timedelta(days=1), Decider.GUARDIANS),
        (BIRTHDAY, Decider.SELF),
        (BIRTHDAY + dt.timedelta(days=1), Decider.SELF),
    ],
    ids=["day-before", "birthday", "day-after"],
)
def test_rule_2_keep_guardians_consent_until_the_student_decides(
    child, mother, website, photo, on, decider
):
    with time_machine.travel(amsterdam(2028, 9, 10), tick=False):
        record(mother.user, child, website, photo, "granted")
    with time_machine.travel(amsterdam(2029, 3, 13, 23, 59), tick=False):
        v = verdict_for(child, website, photo, on=on)
    assert v.state == State.ALLOWED
    assert v.decider == decider
    assert v.inherited_from_guardians == (decider == Decider.SELF)


def test_rule_2_student_decision_replaces_the_guardians(child, mother, website, photo):
    child.user = f.UserFactory(email="zoe@example.org")
    child.save()
    with time_machine.travel(amsterdam(2028, 9, 10), tick=False):
        record(mother.user, child, website, photo, "granted")
    with time_machine.travel(amsterdam(2029, 3, 20), tick=False):
        record(child.user, child, website, photo, "refused")
        v = verdict_for(child, website, photo, on=dt.date(2029, 3, 20))
    assert v.state == State.NOT_ALLOWED
    assert [d.capacity for d in v.decisions] == ["self"]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (BIRTHDAY - dt.timedelta(days=1), State.ALLOWED),
        (BIRTHDAY, State.NO_ANSWER),
        (BIRTHDAY + dt.timedelta(days=1), State.NO_ANSWER),
    ],
    ids=["day-before", "birthday", "day-after"],
)
def test_rule_2_lapse_setting_turns_guardians_consent_into_no_answer(
    board, child, mother, website, photo, on, expected
):
    board.at_sixteen = Board.AtSixteen.LAPSE
    board.save()
    with time_machine.travel(amsterdam(2028, 9, 10), tick=False):
        record(mother.user, child, website, photo, "granted")
    v = verdict_for(child, website, photo, on=on)
    assert v.state == expected
    if expected == State.NO_ANSWER:
        assert v.lapsed == "sixteen"


# --- Rules 1 and 2: one sixteenth birthday, asked everywhere ---------------------------------


def decides_alone_on_every_surface(client, student, guardian, website, photo) -> dict:
    """Whether `student` decides alone now, as each part of the product that asks tells it."""
    from django.urls import reverse

    from consents import stored
    from consents.dates import school_today
    from consents.models import CampaignStep, CurrentVerdict
    from consents.rules import decider_on, self_deciding
    from consents.tasks import turning_sixteen_notify

    today = school_today()
    turning_sixteen_notify.apply()  # the daily job: invites on (or a week after) the birthday
    assert stored.refresh().as_of == today  # what the worker runs every minute
    client.force_login(guardian.user)
    page = client.get(reverse("my_consent")).content.decode()
    return {
        "rules.decider_on": decider_on(student.date_of_birth, today) == Decider.SELF,
        "rules.verdict_for": verdict_for(student, website, photo, on=today).decider == Decider.SELF,
        "rules.self_deciding": self_deciding(Subject.objects.filter(pk=student.pk), today).exists(),
        "stored verdict": CurrentVerdict.objects.get(
            subject=student, purpose=website, media_type=photo
        ).decider
        == Decider.SELF,
        "my consent page": reverse("consent_save", args=[student.key]) not in page,
        "turning-16 job": CampaignStep.objects.filter(campaign__kind="turning_sixteen").exists(),
    }


@pytest.mark.parametrize(
    ("born", "last_minute_at_15", "sixteenth_birthday"),
    [
        # 16 years after a leap year is a leap year: the birthday is 29 February itself.
        (dt.date(2008, 2, 29), amsterdam(2024, 2, 28, 23, 59), dt.date(2024, 2, 29)),
        # 2100 is no leap year: 1 March, not 28 February.
        (dt.date(2084, 2, 29), amsterdam(2100, 2, 28, 23, 59), dt.date(2100, 3, 1)),
    ],
    ids=["turns-16-in-a-leap-year", "turns-16-in-2100"],
)
def test_rules_1_and_2_a_student_born_on_29_february_turns_16_at_the_same_minute_everywhere(
    client,
    school,
    website,
    photo,
    born,
    last_minute_at_15,
    sixteenth_birthday,
    django_capture_on_commit_callbacks,
):
    from consents.rules import sixteenth_birthday as birthday_of

    student = f.StudentFactory(school=school, date_of_birth=born)
    guardian = f.GuardianFactory(students=[student])
    assert birthday_of(born) == sixteenth_birthday
    surfaces = {}
    with django_capture_on_commit_callbacks(execute=False):
        # 23:59 in Amsterdam is 22:59 UTC, and the next minute still the same UTC date.
        with time_machine.travel(last_minute_at_15, tick=False):
            surfaces["15"] = decides_alone_on_every_surface(
                client, student, guardian, website, photo
            )
        with time_machine.travel(amsterdam(*sixteenth_birthday.timetuple()[:3], 0, 0), tick=False):
            surfaces["16"] = decides_alone_on_every_surface(
                client, student, guardian, website, photo
            )
    assert surfaces["15"] == dict.fromkeys(surfaces["15"], False)
    assert surfaces["16"] == dict.fromkeys(surfaces["16"], True)


def test_rule_1_the_query_bound_is_the_last_date_of_birth_with_its_16th_birthday_by_then():
    from consents.rules import sixteen_cutoff, sixteenth_birthday

    day = dt.date(2099, 1, 1)
    while day < dt.date(2117, 1, 1):  # across 2100, no leap year, and 2116, one
        cutoff = sixteen_cutoff(day)
        assert sixteenth_birthday(cutoff) <= day < sixteenth_birthday(cutoff + dt.timedelta(1))
        day += dt.timedelta(days=1)


def test_rule_2_the_guardians_page_names_the_day_the_student_took_over(client, school, website):
    from django.urls import reverse
    from django.utils.formats import date_format

    student = f.StudentFactory(
        school=school, first_name="Noor", last_name="Bakker", date_of_birth=dt.date(2084, 2, 29)
    )
    guardian = f.GuardianFactory(students=[student])
    client.cookies["django_language"] = "en"
    with time_machine.travel(amsterdam(2100, 3, 1, 0, 0), tick=False):
        client.force_login(guardian.user)
        page = client.get(reverse("my_consent")).content.decode()
    assert f"Decided by Noor Bakker since {date_format(dt.date(2100, 3, 1))}." in page


# --- Rule 3: two guardians disagree ------------------------------------------------------------


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_3_one_guardians_yes_is_enough_while_the_other_has_not_answered(
    child, mother, father, website, photo
):
    record(mother.user, child, website, photo, "granted")
    v = verdict_for(child, website, photo, on=dt.date(2026, 10, 1))
    assert v.state == State.ALLOWED and not v.disputed


@pytest.mark.parametrize("refuser_first", [True, False], ids=["no-then-yes", "yes-then-no"])
@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_3_a_refusal_wins_and_marks_the_purpose_disputed_in_either_order(
    child, mother, father, website, photo, refuser_first
):
    steps = [(mother, "refused"), (father, "granted")]
    for guardian, value in steps if refuser_first else reversed(steps):
        record(guardian.user, child, website, photo, value)
    v = verdict_for(child, website, photo, on=dt.date(2026, 10, 1))
    assert v.state == State.NOT_ALLOWED
    assert v.disputed
    assert {d.guardian for d in v.decisions} == {mother, father}
    assert "disagree" in v.explanation


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_3_withdrawal_by_one_guardian_wins_over_the_others_yes(
    child, mother, father, website, photo
):
    record(mother.user, child, website, photo, "granted")
    record(father.user, child, website, photo, "granted")
    consent_withdraw(actor=father.user, subject=child)
    v = verdict_for(child, website, photo, on=dt.date(2026, 10, 1))
    assert v.state == State.NOT_ALLOWED and v.disputed


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_3_a_guardian_no_longer_registered_does_not_count(
    child, mother, father, website, photo
):
    record(mother.user, child, website, photo, "granted")
    record(father.user, child, website, photo, "refused")
    Guardianship.objects.filter(guardian=father).delete()
    assert state(child, website, photo, dt.date(2026, 10, 1)) == State.ALLOWED


# --- Rule 4: granular ------------------------------------------------------------------------


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_4_consent_is_per_purpose_and_media_type_and_nothing_is_pre_ticked(
    child, mother, purposes, photo
):
    website, yearbook = purposes
    film = f.media("film")
    today = dt.date(2026, 10, 1)
    assert state(child, website, photo, today) == State.NO_ANSWER
    record(mother.user, child, website, photo, "granted")
    assert state(child, website, photo, today) == State.ALLOWED
    assert state(child, website, film, today) == State.NO_ANSWER
    assert state(child, yearbook, photo, today) == State.NO_ANSWER
    assert "not consent" in verdict_for(child, yearbook, photo, on=today).explanation


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_4_only_granted_consent_can_be_withdrawn(child, mother, website, photo):
    with pytest.raises(InvalidDecision, match="no consent to withdraw"):
        record(mother.user, child, website, photo, "withdrawn")
    assert ConsentDecision.objects.count() == 0


# --- Rule 5: demonstrable ---------------------------------------------------------------------


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_5_every_decision_records_who_what_how_and_which_text(child, mother, website, photo):
    decision = record(
        mother.user,
        child,
        website,
        photo,
        "granted",
        ip_address="203.0.113.9",
        user_agent="Mozilla/5.0 (iPhone)",
    )
    assert decision.decided_by == mother.user
    assert decision.capacity == "guardian" and decision.method == "online"
    assert decision.text == website.texts.get() and len(decision.text.sha256) == 64
    assert decision.school_year.start_date == dt.date(2026, 8, 1)
    assert decision.evidence.ip_address == "203.0.113.9"
    assert decision.evidence.user_agent == "Mozilla/5.0 (iPhone)"
    assert decision.seq == 1 and decision.prev_hash == "0" * 64


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_5_decisions_are_never_updated_or_deleted(child, mother, website, photo):
    from consents.models.decisions import AppendOnlyError

    decision = record(mother.user, child, website, photo)
    decision.value = "refused"
    with pytest.raises(AppendOnlyError):
        decision.save()
    with pytest.raises(AppendOnlyError):
        decision.delete()
    with pytest.raises(AppendOnlyError):
        ConsentDecision.objects.filter(pk=decision.pk).update(value="refused")
    with pytest.raises(AppendOnlyError):
        ConsentDecision.objects.all().delete()
    assert ConsentDecision.objects.get().value == "granted"


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_5_a_changed_text_is_a_new_version_never_an_edit(website):
    text = website.texts.get()
    text.body_nl = "Iets anders"
    with pytest.raises(Exception, match="never edited"):
        text.save()
    new = consent_text_publish(purpose=website, body_nl="Nieuw", body_en="New", change="editorial")
    assert new.version == 2 and new.sha256 != text.sha256


def who_decided_on_every_surface(client, subject, *, user, administrator, communications):
    """The page text of every place that says who decided about `subject` (`user` sees their
    my-consent pages), and the register export's "decided by" for its website photos."""
    import csv
    import io

    from django.urls import reverse

    def page(url) -> str:
        return client.get(url).content.decode()

    pages = {}
    client.force_login(user)
    pages["my consent"] = page(reverse("my_consent"))
    pages["my history"] = page(reverse("consent_history", args=[subject.key]))
    client.force_login(communications)
    pages["person (communications)"] = page(reverse("communications_person", args=[subject.pk]))
    client.force_login(administrator)
    pages["person (administrator)"] = page(reverse("person_detail", args=[subject.key]))
    export = client.post(reverse("register_export"), {"format": "csv", "kind": "register_status"})
    rows = csv.DictReader(
        io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";"
    )
    pages["register export"] = next(
        row["decided by"]
        for row in rows
        if (row["first name"], row["purpose"], row["media type"])
        == (subject.first_name, "Website", "Photo")
    )
    return pages


@time_machine.travel(amsterdam(2026, 10, 1), tick=False)
def test_rule_5_who_decided_is_worded_the_same_on_every_page_and_in_the_export(
    client, child, mother, father, website, photo, administrator, communications, private_media
):
    from django.utils.html import escape

    from consents.rules import who_decided_text

    client.cookies["django_language"] = "en"
    record(mother.user, child, website, photo, "granted")
    guardian = who_decided_text(guardian=mother.name, person=child.name)
    assert guardian == f"{mother.name} (guardian)"
    older = f.StudentFactory(
        school=child.school, first_name="Bram", date_of_birth=dt.date(2009, 5, 1)
    )
    record(administrator, older, website, photo, "refused", method="paper", note="form")
    themself = who_decided_text(guardian=None, person=older.name)
    assert themself == f"{older.name} (themself)"
    older.user = f.UserFactory()
    older.save()

    about_child = who_decided_on_every_surface(
        client, child, user=father.user, administrator=administrator, communications=communications
    )
    about_older = who_decided_on_every_surface(
        client, older, user=older.user, administrator=administrator, communications=communications
    )
    del about_older["my consent"]  # their own answer is the ticked "No", not a sentence
    assert about_child["register export"] == guardian
    assert about_older["register export"] == themself
    assert [name for name, page in about_child.items() if escape(guardian) not in page] == []
    # Wherever the guardian is named as the one who decided, it is in these words (the
    # administrator's person page also lists the guardians with their addresses).
    named = escape(mother.name)
    assert {
        name: page.count(named) - page.count(escape(guardian)) - page.count(f"{named} &lt;")
        for name, page in about_child.items()
    } == dict.fromkeys(about_child, 0)
    assert [name for name, page in about_older.items() if escape(themself) not in page] == []
    # A form an administrator entered is the student's own decision; the administrator's
    # history of the person adds who entered it.
    assert escape(str(administrator)) not in about_older["person (communications)"]
    assert (
        f"{escape(themself)}, entered by {escape(str(administrator))}"
        in about_older["person (administrator)"]
    )


# --- Rule 7: yearly renewal ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "not_renewed"),
    [(amsterdam(2027, 7, 31, 23, 59), False), (amsterdam(2027, 8, 1, 0, 0), True)],
    ids=["31-july-2359", "1-august-0000"],
)
def test_rule_7_carry_forward_marks_last_years_answer_not_renewed(
    child, mother, website, photo, moment, not_renewed
):
    with time_machine.travel(amsterdam(2026, 9, 15), tick=False):
        record(mother.user, child, website, photo, "granted")
    with time_machine.travel(moment, tick=False):
        from consents.dates import school_today

        v = verdict_for(child, website, photo, on=school_today())
    assert v.state == State.ALLOWED
    assert v.not_renewed is not_renewed


@pytest.mark.parametrize(
    ("on", "expected"),
    [(dt.date(2027, 7, 31), State.ALLOWED), (dt.date(2027, 8, 1), State.NO_ANSWER)],
    ids=["31-july", "1-august"],
)
def test_rule_7_lapse_setting_turns_last_years_answer_into_no_answer(
    board, child, mother, website, photo, on, expected
):
    board.unanswered_year = Board.UnansweredYear.LAPSE
    board.save()
    with time_machine.travel(amsterdam(2026, 9, 15), tick=False):
        record(mother.user, child, website, photo, "granted")
    v = verdict_for(child, website, photo, on=on)
    assert v.state == expected
    if expected == State.NO_ANSWER:
        assert v.lapsed == "year"


def test_rule_7_renewing_in_the_new_year_clears_not_renewed(child, mother, website, photo):
    with time_machine.travel(amsterdam(2026, 9, 15), tick=False):
        record(mother.user, child, website, photo, "granted")
    with time_machine.travel(amsterdam(2027, 9, 2), tick=False):
        record(mother.user, child, website, photo, "granted")
        v = verdict_for(child, website, photo, on=dt.date(2027, 9, 2))
    assert v.state == State.ALLOWED and not v.not_renewed


def in_the_new_school_year_on_every_surface(client, child, mother, website, photo) -> dict:
    """Whether it is school year 2027-2028 now, as each part of the product that asks tells it
    (the child's guardian answered in September 2026)."""
    from django.urls import reverse

    from consents import stored
    from consents.dates import school_today, school_year_end, school_year_start
    from consents.models import CurrentVerdict, SchoolYear
    from consents.reports.exports import default_period

    today = school_today()
    new_start, new_end = dt.date(2027, 8, 1), dt.date(2028, 7, 31)
    year = SchoolYear.objects.for_date(child.board, today)
    assert stored.refresh().as_of == today  # what the worker runs every minute
    client.force_login(f.superuser())
    campaign_form = client.get(reverse("admin:consents_campaign_add")).context["adminform"].form
    client.force_login(mother.user)
    page = client.get(reverse("my_consent")).content.decode()
    surfaces = {
        "dates": (school_year_start(today), school_year_end(today)) == (new_start, new_end),
        "SchoolYear.for_date": (year.start_date, year.end_date) == (new_start, new_end),
        "rules.verdict_for": verdict_for(child, website, photo, on=today).not_renewed,
        "stored verdict": CurrentVerdict.objects.get(
            subject=child, purpose=website, media_type=photo
        ).not_renewed,
        "my consent page": "please confirm again" in page,
        "campaign admin": campaign_form.initial["opens_on"] == dt.date(2027, 9, 1),
        "register export": default_period(today)[0] == new_start,
    }
    # Last, as it answers again: the school year a decision recorded now belongs to.
    decision = record(mother.user, child, website, photo, "granted")
    surfaces["decision"] = decision.school_year.start_date == new_start
    return surfaces


def test_rule_7_the_school_year_turns_at_midnight_in_amsterdam_on_every_surface(
    client, child, mother, website, photo
):
    with time_machine.travel(amsterdam(2026, 9, 15), tick=False):
        record(mother.user, child, website, photo, "granted")
    client.cookies["django_language"] = "en"
    surfaces = {}
    # 31 July 23:59 in Amsterdam is 21:59 UTC; 1 August 00:00 is still 31 July in UTC.
    for moment in (amsterdam(2027, 7, 31, 23, 59), amsterdam(2027, 8, 1, 0, 0)):
        with time_machine.travel(moment, tick=False):
            surfaces[moment.day] = in_the_new_school_year_on_every_surface(
                client, child, mother, website, photo
            )
    assert surfaces[31] == dict.fromkeys(surfaces[31], False)
    assert surfaces[1] == dict.fromkeys(surfaces[1], True)


# --- Rule 8: a changed text is a new question --------------------------------------------------


def test_rule_8_material_change_asks_again_and_the_old_decision_stands(
    child, mother, website, photo
):
    with time_machine.travel(amsterdam(2026, 9, 15), tick=False):
        record(mother.user, child, website, photo, "granted")
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        consent_text_publish(
            purpose=website, body_nl="Ook video", body_en="Video too", change="material"
        )
    before = verdict_for(child, website, photo, on=dt.date(2026, 9, 30))
    after = verdict_for(child, website, photo, on=dt.date(2026, 10, 2))
    assert before.state == after.state == State.ALLOWED
    assert not before.asked_again
    assert after.asked_again and "asked again" in after.explanation
    with time_machine.travel(amsterdam(2026, 10, 3), tick=False):
        answer = record(mother.user, child, website, photo, "granted")
        assert answer.text.version == 2
        assert not verdict_for(child, website, photo, on=dt.date(2026, 10, 3)).asked_again


def test_rule_8_editorial_change_keeps_decisions(child, mother, website, photo):
    with time_machine.travel(amsterdam(2026, 9, 15), tick=False):
        record(mother.user, child, website, photo, "granted")
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        consent_text_publish(
            purpose=website, body_nl="Typfout hersteld", body_en="Typo fixed", change="editorial"
        )
    v = verdict_for(child, website, photo, on=dt.date(2026, 10, 2))
    assert v.state == State.ALLOWED and not v.asked_again
