"""The running year's campaigns and their progress, for administrators in the portal."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from consents import outbox
from consents.campaigns import services as campaigns
from consents.models import Campaign, MediaType, OutboxMessage, SchoolYear

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]

SEPT_1 = dt.date(2026, 9, 1)
URL = reverse("campaign_progress")


def answer_everything(user, subject, purposes):
    for purpose in purposes:
        for media_type in MediaType.objects.all():
            record(user, subject, purpose, media_type, "granted")


def take_step(day, django_capture_on_commit_callbacks):
    """Beat's hourly job on `day`, then the worker sending every queued email."""
    with time_machine.travel(amsterdam(day.year, day.month, day.day, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            campaigns.campaigns_advance(today=day)
        for pk in OutboxMessage.objects.filter(state=OutboxMessage.State.QUEUED).values_list(
            "pk", flat=True
        ):
            outbox.outbox_deliver(pk, today=day)


def progress_rows(page) -> dict[str, list[str]]:
    """{school: [asked, invited, answered, reminded, could not be emailed, still open]}."""
    html = page.content.decode()
    return {
        school: re.findall(r'<td class="text-end">(\d+)</td>', cells)
        for school, cells in re.findall(r'<tr><th scope="row">([^<]*)</th>(.*?)</tr>', html)
    }


@pytest.fixture
def running_year(board, school, other_school, purposes, child, mother, father):
    """The renewal of 2026-2027: two families at `school`, a teacher at both schools, a
    student at `other_school`; invited on 1 September, reminded on 15 September."""
    year = SchoolYear.objects.for_date(board, SEPT_1)
    renewal = Campaign.objects.create(board=board, school_year=year, reminder_days="14")
    other_child = f.StudentFactory(school=school)
    f.GuardianFactory(user__email="bob@example.org", students=[other_child])
    teacher = f.StaffMemberFactory(
        board=board, schools=[school, other_school], user__email="teacher@example.org"
    )
    elsewhere = f.StudentFactory(school=other_school)
    f.GuardianFactory(user__email="carol@example.org", students=[elsewhere])
    return renewal, teacher


def test_an_administrator_follows_invited_answered_reminded_and_still_open_per_school(
    client,
    administrator,
    running_year,
    school,
    child,
    mother,
    purposes,
    django_capture_on_commit_callbacks,
):
    renewal, teacher = running_year
    take_step(SEPT_1, django_capture_on_commit_callbacks)
    with time_machine.travel(amsterdam(2026, 9, 5), tick=False):
        answer_everything(mother.user, child, purposes)
        answer_everything(teacher.user, teacher, purposes)
    take_step(dt.date(2026, 9, 15), django_capture_on_commit_callbacks)

    client.force_login(administrator)
    with time_machine.travel(amsterdam(2026, 10, 1, 12), tick=False):
        page = client.get(URL)
    assert page.status_code == 200
    assert str(renewal) in page.content.decode()
    # Zoë (answered by her mother), the other child (reminded), the teacher (answered).
    assert progress_rows(page) == {school.name: ["3", "3", "2", "1", "0", "1"]}


def test_the_counts_take_a_constant_number_of_queries(
    client,
    administrator,
    running_year,
    school,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    take_step(SEPT_1, django_capture_on_commit_callbacks)
    client.force_login(administrator)
    with time_machine.travel(amsterdam(2026, 10, 1, 12), tick=False):
        client.get(URL)  # the session and roles settle
        with django_assert_max_num_queries(20) as few:
            client.get(URL)
        for _number in range(20):
            f.GuardianFactory(students=[f.StudentFactory(school=school)])
        take_step(dt.date(2026, 10, 1), django_capture_on_commit_callbacks)
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(URL)
    assert progress_rows(page)[school.name][0] == "23"  # 3 + 20 reminded


def test_a_board_administrator_sees_every_school_and_a_total(
    client, running_year, board, school, other_school, django_capture_on_commit_callbacks
):
    take_step(SEPT_1, django_capture_on_commit_callbacks)
    client.force_login(f.RoleFactory(board=board, school=None, kind="administrator").user)
    with time_machine.travel(amsterdam(2026, 10, 1, 12), tick=False):
        page = client.get(URL)
    rows = progress_rows(page)
    # The teacher works at both schools and counts at each.
    assert rows[school.name] == ["3", "3", "0", "0", "0", "3"]
    assert rows[other_school.name] == ["2", "2", "0", "0", "0", "2"]
    assert rows["Total"] == ["5", "5", "0", "0", "0", "5"]


def test_another_schools_administrator_sees_only_their_own_school(
    client,
    other_school_administrator,
    running_year,
    school,
    other_school,
    django_capture_on_commit_callbacks,
):
    take_step(SEPT_1, django_capture_on_commit_callbacks)
    client.force_login(other_school_administrator)
    with time_machine.travel(amsterdam(2026, 10, 1, 12), tick=False):
        page = client.get(URL)
    assert progress_rows(page) == {other_school.name: ["2", "2", "0", "0", "0", "2"]}
    assert school.name not in page.content.decode()


def test_last_years_campaign_is_not_shown_and_an_unopened_one_says_when_it_opens(
    client, administrator, board
):
    last = SchoolYear.objects.for_date(board, dt.date(2025, 9, 1))
    Campaign.objects.create(board=board, school_year=last)
    client.force_login(administrator)
    with time_machine.travel(amsterdam(2026, 8, 10, 12), tick=False):
        page = client.get(URL)
        assert "No campaign has been planned for this school year yet." in page.content.decode()
        Campaign.objects.create(board=board, school_year=SchoolYear.objects.for_date(board, SEPT_1))
        page = client.get(URL)
    html = page.content.decode()
    assert "Not opened yet; opens on 1 September 2026." in html
    assert "2025-2026" not in html


@pytest.mark.parametrize("role", ["council", "communications"])
def test_other_roles_may_not_see_campaign_progress(client, school, role):
    client.force_login(f.RoleFactory(school=school, kind=role).user)
    assert client.get(URL).status_code == 403
