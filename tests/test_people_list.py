"""Administrators search the people of their schools: scope, order, pages and bad input."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from consents.models import AccessLogEntry, Student, Subject

from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


def names(response) -> list[str]:
    return re.findall(r'<a href="/[^"]*/people/[^"]+/">([^<]+)</a>', response.content.decode())


def search(client, query, **params):
    return client.get(reverse("people_list"), {"q": query, **params})


def test_a_search_finds_students_and_staff_of_the_schools_in_name_order(
    client, administrator, school, other_school
):
    board = school.board
    f.StudentFactory(school=school, first_name="Bram", last_name="Visser")
    f.StaffMemberFactory(board=board, first_name="Anna", last_name="Visser", schools=[school])
    f.StaffMemberFactory(
        board=board, first_name="Fien", last_name="Visser", schools=[other_school, school]
    )
    f.StaffMemberFactory(board=board, first_name="Cor", last_name="Visser", schools=[other_school])
    f.StudentFactory(school=other_school, first_name="Dirk", last_name="Visser")
    f.StudentFactory(school=school, first_name="Eva", last_name="Visser", erased_at=timezone.now())
    client.force_login(administrator)

    response = search(client, "visser")

    assert names(response) == ["Anna Visser", "Bram Visser", "Fien Visser"]


def test_a_search_finds_a_person_by_the_exact_email_address_of_their_account(
    client, administrator, school
):
    teacher = f.StaffMemberFactory(
        board=school.board, first_name="Anna", last_name="Visser", schools=[school]
    )
    client.force_login(administrator)

    assert names(search(client, teacher.user.email.upper())) == ["Anna Visser"]
    assert names(search(client, teacher.user.email[:-1])) == []


def test_search_results_come_in_pages_of_50_and_the_log_names_only_the_page_shown(
    client, administrator, school
):
    people = [
        f.StudentFactory(school=school, first_name=f"Kind {n:02}", last_name="Jansen")
        for n in range(60)
    ]
    client.force_login(administrator)

    first = search(client, "jansen")
    second = search(client, "jansen", page=2)

    assert names(first) == [f"Kind {n:02} Jansen" for n in range(50)]
    assert names(second) == [f"Kind {n:02} Jansen" for n in range(50, 60)]
    assert "2 / 2" in second.content.decode()
    entry = AccessLogEntry.objects.latest("pk")
    assert set(entry.subjects.values_list("pk", flat=True)) == {p.pk for p in people[50:]}


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999", "1.5", "\u0661"])
def test_a_page_number_that_is_not_one_shows_a_page_and_no_error(
    client, administrator, school, page
):
    for n in range(60):
        f.StudentFactory(school=school, first_name=f"Kind {n:02}", last_name="Jansen")
    client.force_login(administrator)

    response = search(client, "jansen", page=page)

    assert response.status_code == 200
    assert len(names(response)) in (50, 10)


def test_a_page_past_the_end_of_the_list_says_so_and_leads_to_the_first(
    client, administrator, school
):
    f.StudentFactory(school=school, first_name="Bram", last_name="Visser")
    client.force_login(administrator)

    response = client.get(reverse("people_list"), {"page": 7})

    html = response.content.decode()
    assert response.status_code == 200 and names(response) == []
    assert "There is no page 7: the list is shorter." in html and "Nobody found." not in html
    assert '<a href="?q=">Back to the first page</a>' in html
    assert "Previous" not in html  # page 6 would be as empty
    assert "Bram Visser" in client.get(reverse("people_list")).content.decode()


def test_a_search_that_finds_nobody_says_so(client, administrator, school):
    f.StudentFactory(school=school, first_name="Bram", last_name="Visser")
    client.force_login(administrator)

    response = search(client, "nobody-has-this-name")

    assert names(response) == []
    assert "Nobody found." in response.content.decode()


def test_the_any_lookup_finds_what_in_finds(school):
    """`__any` (one array parameter on PostgreSQL, `IN` on SQLite) answers like `__in`."""
    people = [f.StudentFactory(school=school) for _ in range(3)]
    wanted = {people[0].pk, people[2].pk, 10**9}

    assert set(Subject.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == set(
        Subject.objects.filter(pk__in=wanted).values_list("pk", flat=True)
    )
    assert list(Student.objects.filter(school__any=set()).values_list("pk", flat=True)) == []
    assert Student.objects.filter(school__any={school.pk}).count() == 3


def test_without_a_search_the_list_pages_through_everyone_of_the_schools_in_name_order(
    client, administrator, school, other_school
):
    board = school.board
    group = f.GroupFactory(school=school, name="2b")
    students = [
        f.StudentFactory(school=school, group=group, first_name=f"Kind {n:02}", last_name="Jansen")
        for n in range(52)
    ]
    f.StaffMemberFactory(board=board, first_name="Anna", last_name="Visser", schools=[school])
    f.StaffMemberFactory(board=board, first_name="Cor", last_name="Visser", schools=[other_school])
    f.StudentFactory(school=other_school, first_name="Dirk", last_name="Visser")
    f.StudentFactory(school=school, first_name="Eva", last_name="Visser", erased_at=timezone.now())
    client.force_login(administrator)

    first = client.get(reverse("people_list"))
    second = client.get(reverse("people_list"), {"page": 2})

    assert names(first) == [f"Kind {n:02} Jansen" for n in range(50)]
    assert names(second) == ["Kind 50 Jansen", "Kind 51 Jansen", "Anna Visser"]
    # Not counted (a board has 56,000 people): the page number, and a next page only if any.
    assert "page=2" in first.content.decode() and "Next" in first.content.decode()
    assert '<span class="page-link">2</span>' in second.content.decode()
    assert "page=1" in second.content.decode() and "Next" not in second.content.decode()
    row = re.search(r"Kind 50 Jansen</a></td>(.*?)</tr>", second.content.decode(), re.S)[1]
    assert f"<td>{school.name}</td><td>2b</td>" in re.sub(r">\s+<", "><", row)
    entry = AccessLogEntry.objects.latest("pk")
    assert set(entry.subjects.values_list("pk", flat=True)) == {
        students[50].pk,
        students[51].pk,
        Subject.objects.get(first_name="Anna").pk,
    }
