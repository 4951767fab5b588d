"""Communications staff look people up and check groups; the pages show the rules' verdicts."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from consents.communications.group_check import names_resolve
from consents.communications.publications import publication_record
from consents.dates import school_today
from consents.decisions.services import InvalidDecision, decision_record
from consents.models import Board, ConsentText, Group, Publication, Role, SchoolYear
from consents.models.access import AccessLogEntry
from consents.rules import DecisionNotAllowed, verdict_for

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


@pytest.fixture
def this_year(board):
    return SchoolYear.objects.for_date(board, school_today())


@pytest.fixture
def class_2a(school, this_year):
    return f.GroupFactory(school=school, school_year=this_year, name="2a")


@pytest.fixture
def pupils(class_2a, child):
    child.group = class_2a
    child.save()
    return [
        child,
        f.StudentFactory(school=child.school, group=class_2a, first_name="Sem", last_name="Bakker"),
        f.StudentFactory(school=child.school, group=class_2a, first_name="Daan", last_name="Çelik"),
    ]


class VerdictCells(HTMLParser):
    """Collects (person, purpose, media type, state) from the data attributes of a page."""

    def __init__(self, *, person=None, purpose=None, media=None):
        super().__init__()
        self.defaults = {"data-person": person, "data-purpose": purpose, "data-media": media}
        self.stack = []
        self.cells = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "br", "img", "meta", "link", "hr"):
            return
        self.stack.append(attrs)
        if "data-state" in attrs:
            found = dict(self.defaults)
            for frame in self.stack:
                found.update({k: v for k, v in frame.items() if k in found})
            key = (found["data-person"], found["data-purpose"], found["data-media"])
            self.cells[tuple(str(part) for part in key)] = attrs["data-state"]

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "img", "meta", "link", "hr") and self.stack:
            self.stack.pop()


def cells(html, **defaults):
    parser = VerdictCells(**defaults)
    parser.feed(html)
    return parser.cells


def group_check(client, school, purpose, media_type, *, groups=(), names=""):
    return client.post(
        reverse("communications_group_check"),
        {
            "school": school.pk,
            "groups": [g.pk for g in groups],
            "names": names,
            "purpose": purpose.pk,
            "media_type": media_type.pk,
        },
    )


# --- Person lookup -----------------------------------------------------------------------------


def test_lookup_finds_people_by_name_student_number_and_class(
    client, communications, pupils, other_school, purposes
):
    client.force_login(communications)
    zoe, sem, _daan = pupils
    f.StudentFactory(school=other_school, first_name="Zoë", last_name="Vries")
    url = reverse("communications_lookup")

    def found(query):
        return {row[0] for row in cells(client.get(url, {"q": query}).content.decode())}

    assert found("zoë vries") == {str(zoe.pk)}
    assert found(zoe.student_number) == {str(zoe.pk)}
    assert found("2A") == {str(p.pk) for p in pupils}
    assert found("bakker") == {str(sem.pk)}
    assert found("nobody-has-this-name") == set()


def test_lookup_finds_staff_and_students_of_the_school_in_name_order_only(
    client, communications, school, other_school, purposes
):
    """The scope is checked per person found: other schools' people and erased people stay out,
    a staff member counts for every school they work at."""
    board = school.board
    bram = f.StudentFactory(school=school, first_name="Bram", last_name="Visser")
    anna = f.StaffMemberFactory(
        board=board, first_name="Anna", last_name="Visser", schools=[school]
    )
    fien = f.StaffMemberFactory(
        board=board, first_name="Fien", last_name="Visser", schools=[other_school, school]
    )
    f.StaffMemberFactory(board=board, first_name="Cor", last_name="Visser", schools=[other_school])
    f.StudentFactory(school=other_school, first_name="Dirk", last_name="Visser")
    f.StudentFactory(school=school, first_name="Eva", last_name="Visser", erased_at=timezone.now())
    client.force_login(communications)

    html = client.get(reverse("communications_lookup"), {"q": "visser"}).content.decode()

    found = list(dict.fromkeys(person for person, _p, _m in cells(html)))
    assert found == [str(anna.pk), str(bram.pk), str(fien.pk)]


def test_lookup_tells_each_verdict_by_colour_icon_and_text(
    client, communications, pupils, purposes, photo, mother
):
    zoe = pupils[0]
    website, yearbook = purposes
    record(mother.user, zoe, website, photo)
    record(mother.user, zoe, yearbook, photo, value="refused")
    client.force_login(communications)

    html = client.get(reverse("communications_lookup"), {"q": "Zoë"}).content.decode()

    assert 'class="verdict verdict-badge-allowed" data-state="allowed"' in html
    assert 'class="verdict verdict-badge-not_allowed" data-state="not_allowed"' in html
    assert "✓</span> allowed" in html and "✗</span> not allowed" in html
    assert cells(html) == {
        (str(zoe.pk), str(website.pk), "None"): "allowed",
        (str(zoe.pk), str(yearbook.pk), "None"): "not_allowed",
    }


def test_lookup_shows_the_chosen_media_type(client, communications, pupils, website, mother):
    zoe = pupils[0]
    record(mother.user, zoe, website, f.media("photo"))
    client.force_login(communications)

    html = client.get(reverse("communications_lookup"), {"q": "Zoë", "media": "film"})

    assert cells(html.content.decode())[(str(zoe.pk), str(website.pk), "None")] == "no_answer"


def test_lookup_answers_htmx_requests_with_the_results_only(
    client, communications, pupils, purposes
):
    client.force_login(communications)

    response = client.get(reverse("communications_lookup"), {"q": "2a"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html and 'id="lookup-table"' in html
    assert len({row[0] for row in cells(html)}) == 3


def test_person_detail_tells_who_decided_when_under_which_text_and_whether_renewed(
    client, communications, pupils, website, photo, mother, father
):
    zoe = pupils[0]
    with time_machine.travel(amsterdam(2026, 9, 10)):
        record(mother.user, zoe, website, photo)
    with time_machine.travel(amsterdam(2027, 9, 3)):
        record(father.user, zoe, website, photo, value="refused")
        client.force_login(communications)
        response = client.get(reverse("communications_person", args=[zoe.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"by {escape(mother.name)} (guardian)" in html
    assert f"by {escape(father.name)} (guardian)" in html
    assert "10 September 2026" in html and "3 September 2027" in html
    assert "text version 1" in html
    assert "Not renewed this school year." in html
    assert "The guardians disagree" in html
    state = cells(html, person=zoe.pk)[(str(zoe.pk), str(website.pk), "photo")]
    assert state == "not_allowed"


def test_person_detail_lists_each_decision_in_one_line_with_capacity_method_and_year(
    client, communications, pupils, website, photo, mother
):
    zoe = pupils[0]
    with time_machine.travel(amsterdam(2026, 9, 10, 9, 12)):
        record(mother.user, zoe, website, photo)
    client.force_login(communications)
    url = reverse("communications_person", args=[zoe.pk])

    with time_machine.travel(amsterdam(2026, 9, 11)):
        english = client.get(url).content.decode()
        dutch = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert (
        f"<li>Granted by {escape(mother.name)} (guardian), 10 September 2026 09:12, "
        "text version 1, guardian, online (school year 2026-2027)</li>"
    ) in english
    assert (
        f"<li>Toestemming gegeven door {escape(mother.name)} (ouder), 10 september 2026 09:12, "
        "tekstversie 1, ouder/verzorger, online (schooljaar 2026-2027)</li>"
    ) in dutch


# --- Group check -------------------------------------------------------------------------------


def test_group_check_names_who_may_not_appear_with_class_and_reason(
    client, communications, pupils, website, photo, mother
):
    zoe, sem, daan = pupils
    record(mother.user, zoe, website, photo)
    client.force_login(communications)

    response = group_check(client, zoe.school, website, photo, groups=[zoe.group])

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 of 3 people may not appear." in html
    not_allowed = html[html.index('id="not-allowed-table"') : html.index('id="allowed-table"')]
    assert sem.name in not_allowed and daan.name in not_allowed and zoe.name not in not_allowed
    assert "Nobody has answered yet" in not_allowed and 'data-label="Class">2a</td>' in not_allowed
    assert mother.name in html[html.index('id="allowed-table"') :]


def test_a_group_checks_record_form_carries_everyone_checked_as_a_candidate(
    client, communications, pupils, website, photo
):
    client.force_login(communications)

    html = group_check(client, pupils[0].school, website, photo, groups=[pupils[0].group])
    html = html.content.decode()

    form = html[html.index('id="publication-form"') :]
    candidates = re.findall(r'<input type="hidden" name="candidates" value="(\d+)"', form)
    assert sorted(int(pk) for pk in candidates) == sorted(p.pk for p in pupils)


def test_group_check_of_a_pasted_list_reports_the_lines_not_found(
    client, communications, pupils, website, photo, other_school
):
    zoe, sem, daan = pupils
    stranger = f.StudentFactory(school=other_school, first_name="Tess", last_name="Smit")
    client.force_login(communications)
    names = "\n".join(
        ["Vries, Zoë de", "  sem bakker ", daan.student_number, "Tess Smit", "Jan Onbekend", ""]
    )

    response = group_check(client, zoe.school, website, photo, names=names)

    html = response.content.decode()
    found = {row[0] for row in cells(html, purpose=website.pk)}
    assert found == {str(zoe.pk), str(sem.pk), str(daan.pk)}
    not_found = html[html.index('id="not-found"') :]
    assert "Tess Smit" in not_found and "Jan Onbekend" in not_found
    assert str(stranger.pk) not in found


def test_pasted_names_match_without_diacritics_and_report_namesakes(school, pupils):
    twin = f.StudentFactory(school=school, first_name="Sem", last_name="Bakker")

    people, not_found, ambiguous = names_resolve(school, "Zoe de Vries\nSem Bakker\nDaan Celik")

    assert {p.pk for p in people} == {pupils[0].pk, pupils[1].pk, twin.pk, pupils[2].pk}
    assert not_found == [] and ambiguous == ["Sem Bakker"]


def test_pasted_student_numbers_find_only_this_schools_students_by_their_number(
    school, other_school, pupils, django_assert_max_num_queries
):
    """A list of student numbers only is matched on the school's number index; the same
    number at another school, an erased student's number and a number in other case are
    not found, and a mixed list still matches names."""
    zoe, sem, daan = pupils
    f.StudentFactory(school=other_school, student_number="900001", first_name="Tess")
    f.StudentFactory(
        school=school, student_number="900002", last_name="Gone", erased_at=timezone.now()
    )
    lettered = f.StudentFactory(school=school, student_number="ab12")

    with django_assert_max_num_queries(2):
        people, not_found, ambiguous = names_resolve(
            school, f"{zoe.student_number}\n  {sem.student_number}  \n900001\n900002"
        )
    assert [p.pk for p in people] == [zoe.pk, sem.pk]
    assert not_found == ["900001", "900002"] and ambiguous == []

    people, not_found, ambiguous = names_resolve(school, f"AB12\nDaan Celik\n{zoe.student_number}")
    assert [p.pk for p in people] == [lettered.pk, daan.pk, zoe.pk]
    assert not_found == [] and ambiguous == []


def test_pasted_names_find_the_schools_staff_but_not_erased_people_or_other_schools(
    school, other_school
):
    from django.utils import timezone

    teacher = f.StaffMemberFactory(
        board=school.board, first_name="Anton", last_name="Verhoeven", schools=[school]
    )
    f.StaffMemberFactory(
        board=school.board, first_name="Bas", last_name="Elders", schools=[other_school]
    )
    f.StudentFactory(school=other_school, first_name="Lotte", last_name="Mol")
    f.StudentFactory(school=school, first_name="Vera", last_name="Gone", erased_at=timezone.now())

    people, not_found, _ambiguous = names_resolve(
        school, "Anton Verhoeven\nBas Elders\nLotte Mol\nVera Gone"
    )

    assert [p.pk for p in people] == [teacher.pk]
    assert not_found == ["Bas Elders", "Lotte Mol", "Vera Gone"]


def test_a_staff_member_working_at_two_schools_is_found_at_both(
    client, communications, other_school_communications, school, other_school, purposes
):
    teacher = f.StaffMemberFactory(
        board=school.board,
        first_name="Anton",
        last_name="Verhoeven",
        schools=[school, other_school],
    )
    for user in (communications, other_school_communications):
        client.force_login(user)
        html = client.get(reverse("communications_lookup"), {"q": "Verhoeven"}).content.decode()
        assert {row[0] for row in cells(html)} == {str(teacher.pk)}
        assert "staff" in html
        assert client.get(reverse("communications_person", args=[teacher.pk])).status_code == 200


def test_a_group_check_without_class_or_names_asks_for_one_and_shows_no_result(
    client, communications, school, website, photo
):
    client.force_login(communications)

    response = group_check(client, school, website, photo)

    html = response.content.decode()
    assert "Choose one or more classes, or paste a list of names." in html
    assert "Record the publication" not in html


def test_a_group_check_offers_only_this_years_classes_of_the_school(
    client, communications, school, other_school, this_year, class_2a, website, photo
):
    last_year = SchoolYear.objects.for_date(school.board, this_year.start_date - dt.timedelta(1))
    old_class = f.GroupFactory(school=school, school_year=last_year, name="1a")
    foreign_class = f.GroupFactory(school=other_school, school_year=this_year, name="G2a")
    client.force_login(communications)

    page = client.get(reverse("communications_group_check")).content.decode()
    assert set(re.findall(r'name="groups" value="(\d+)"', page)) == {str(class_2a.pk)}
    for group in (old_class, foreign_class):
        html = group_check(client, school, website, photo, groups=[group]).content.decode()
        assert "Select a valid choice" in html


def test_board_wide_communications_staff_choose_the_school_of_a_group_check(
    client, board, school, other_school, this_year, class_2a, purposes, photo
):
    user = f.RoleFactory(kind=Role.Kind.COMMUNICATIONS, school=None, board=board).user
    foreign_class = f.GroupFactory(school=other_school, school_year=this_year, name="G2a")
    pupil = f.StudentFactory(school=other_school, group=foreign_class)
    client.force_login(user)

    page = client.get(reverse("communications_group_check")).content.decode()
    assert f"?school={school.pk}" in page and f"?school={other_school.pk}" in page
    page = client.get(reverse("communications_group_check"), {"school": other_school.pk})
    groups = re.findall(r'name="groups" value="(\d+)"', page.content.decode())
    assert groups == [str(foreign_class.pk)]
    html = group_check(client, other_school, purposes[0], photo, groups=[foreign_class])
    assert {row[0] for row in cells(html.content.decode(), purpose=1)} == {str(pupil.pk)}


@pytest.mark.parametrize("school_value", ["other school", "²", "12abc", "99999999999999999999"])
def test_a_group_check_for_a_school_not_ones_own_is_not_found_and_logs_nobody(
    client, communications, pupils, other_school, website, photo, school_value
):
    client.force_login(communications)
    value = other_school.pk if school_value == "other school" else school_value
    response = client.post(
        reverse("communications_group_check"),
        {
            "school": value,
            "groups": [pupils[0].group.pk],
            "purpose": website.pk,
            "media_type": photo.pk,
        },
    )
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("group_id", ["abc", "²", "-1", "99999999999999999999"])
def test_a_garbled_class_id_is_a_form_error(
    client, communications, pupils, website, photo, group_id
):
    client.force_login(communications)
    response = client.post(
        reverse("communications_group_check"),
        {
            "school": pupils[0].school.pk,
            "groups": [pupils[0].group.pk, group_id],
            "purpose": website.pk,
            "media_type": photo.pk,
        },
    )
    assert response.status_code == 200
    assert "groups" in response.context["form"].errors
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.GROUP_CHECK).exists()


def test_a_group_check_for_a_purpose_of_another_board_is_a_form_error(
    client, communications, pupils, photo
):
    elsewhere = f.PurposeFactory(code="elsewhere")
    client.force_login(communications)

    response = group_check(client, pupils[0].school, elsewhere, photo, groups=[pupils[0].group])

    assert response.status_code == 200
    assert "purpose" in response.context["form"].errors
    assert "Record the publication" not in response.content.decode()
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.GROUP_CHECK).exists()


def test_the_admin_lists_publications_and_takedown_tasks(
    admin_client, communications, pupils, website, photo
):
    publication_record(
        user=communications,
        school=pupils[0].school,
        title="Open dag",
        purpose=website,
        media_type=photo,
        published_on=dt.date(2026, 9, 1),
        people=pupils,
        override_reason="Blurred",
    )
    for name in ("publication", "takedowntask"):
        response = admin_client.get(reverse(f"admin:consents_{name}_changelist"))
        assert response.status_code == 200
    pk = Publication.objects.get().pk
    response = admin_client.get(reverse("admin:consents_publication_change", args=[pk]))
    assert response.status_code == 200 and pupils[0].name in response.content.decode()


# --- Who may see what ----------------------------------------------------------------------------


@pytest.fixture
def other_school_publication(other_school, website, photo, other_school_communications):
    pupil = f.StudentFactory(school=other_school)
    return publication_record(
        user=other_school_communications,
        school=other_school,
        title="Elders",
        purpose=website,
        media_type=photo,
        published_on=dt.date(2026, 9, 1),
        people=[pupil],
        override_reason="test",
    )


def test_communications_staff_of_one_school_get_404_for_the_people_of_another(
    client, communications, other_school, other_school_publication, website, photo, purposes
):
    outsider = f.StudentFactory(school=other_school, first_name="Elders", last_name="Kind")
    from consents.models import TakedownTask

    task = TakedownTask.objects.create(
        publication=other_school_publication,
        subject=outsider,
        decision=record(f.GuardianFactory(students=[outsider]).user, outsider, website, photo),
        opened_at=timezone.now(),
    )
    client.force_login(communications)

    for url in (
        reverse("communications_person", args=[outsider.pk]),
        reverse("communications_publication", args=[other_school_publication.pk]),
        reverse("communications_takedown", args=[task.pk]),
        reverse("communications_group_check") + f"?school={other_school.pk}",
    ):
        assert client.get(url).status_code == 404, url
    html = client.get(reverse("communications_lookup"), {"q": "Elders"}).content.decode()
    assert cells(html) == {}
    publications = client.get(reverse("communications_publications")).content.decode()
    assert "Elders" not in publications
    response = client.post(
        reverse("communications_takedown", args=[task.pk]), {"outcome": "removed"}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.is_open


def communications_urls(publication):
    return [
        reverse("communications_home"),
        reverse("communications_lookup") + "?q=a",
        reverse("communications_person", args=[publication.people.first().pk]),
        reverse("communications_group_check"),
        reverse("communications_publications"),
        reverse("communications_publication", args=[publication.pk]),
    ]


@pytest.mark.parametrize("who", ["parent", "student", "council", "staff member"])
def test_parents_students_and_other_roles_get_403_on_every_page(
    client, who, school, child, mother, other_school_publication, board
):
    if who == "parent":
        user = mother.user
    elif who == "student":
        child.user = f.UserFactory()
        child.save()
        user = child.user
    elif who == "council":
        user = f.RoleFactory(kind=Role.Kind.COUNCIL, school=None, board=board).user
    else:
        user = f.StaffMemberFactory(board=board, schools=[school]).user
    client.force_login(user)

    for url in communications_urls(other_school_publication):
        assert client.get(url).status_code == 403, url
    for url in (
        reverse("communications_publication_create"),
        reverse("communications_publication_review", args=[other_school_publication.pk]),
    ):
        assert client.post(url, {}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, other_school_publication):
    for url in communications_urls(other_school_publication):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_only_an_administrator_reviews_a_flagged_publication(
    client, other_school_communications, other_school_administrator, other_school_publication
):
    url = reverse("communications_publication_review", args=[other_school_publication.pk])
    client.force_login(other_school_communications)
    assert client.post(url).status_code == 403
    page = client.get(reverse("communications_publication", args=[other_school_publication.pk]))
    assert "Mark as reviewed" not in page.content.decode()

    client.force_login(other_school_administrator)
    assert client.post(url).status_code == 302
    other_school_publication.refresh_from_db()
    assert other_school_publication.reviewed_by == other_school_administrator


# --- A constant number of queries --------------------------------------------------------------


def population(school, this_year, size, purposes, photo):
    """`size` students named Visser in classes of 20; every fifth has guardians who answered."""
    groups = [
        Group.objects.create(school=school, school_year=this_year, name=f"k{n}")
        for n in range((size + 19) // 20)
    ]
    students = [
        f.StudentFactory(school=school, group=groups[n // 20], last_name="Visser")
        for n in range(size)
    ]
    for student in students[::5][:20]:
        guardian = f.GuardianFactory(students=[student])
        for purpose in purposes:
            record(guardian.user, student, purpose, photo, value="granted")
    return groups, students


@pytest.mark.parametrize("size", [10, 500])
def test_lookup_and_group_check_take_the_same_number_of_queries_for_10_or_500_people(
    client,
    communications,
    school,
    this_year,
    purposes,
    photo,
    size,
    django_assert_max_num_queries,
):
    groups, students = population(school, this_year, size, purposes, photo)
    names = "\n".join(s.student_number for s in students[:40])
    client.force_login(communications)

    # Each bound includes the second-factor check and the role-based menu (4 queries) and the
    # access log (the entry, and its people in one insert).
    with django_assert_max_num_queries(21):
        response = client.get(reverse("communications_lookup"), {"q": "Visser"})
    assert len({row[0] for row in cells(response.content.decode())}) == min(size, 50)

    with django_assert_max_num_queries(24):
        response = group_check(client, school, purposes[0], photo, names=names)
    assert len(cells(response.content.decode(), purpose=purposes[0].pk)) == min(size, 40)

    # (SQLite inserts the 500 people of the access log in two batches)
    with django_assert_max_num_queries(26):
        response = group_check(client, school, purposes[0], photo, groups=groups, names=names)
    assert len(cells(response.content.decode(), purpose=purposes[0].pk)) == size


# --- The pages show the rules' verdicts (property-based) ---------------------------------------

VOICES = ("self", "guardian 1", "guardian 2")
person_strategy = st.fixed_dictionaries(
    {
        "age": st.integers(min_value=11, max_value=18),
        "guardians": st.integers(min_value=0, max_value=2),
        "events": st.lists(
            st.tuples(
                st.sampled_from(VOICES),
                st.integers(min_value=0, max_value=1),  # purpose
                st.sampled_from(["photo", "film"]),
                st.sampled_from(["granted", "refused", "withdrawn"]),
                st.integers(min_value=0, max_value=700),  # days ago
            ),
            max_size=6,
        ),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(person_strategy, min_size=1, max_size=5),
    at_sixteen=st.sampled_from(Board.AtSixteen.values),
    unanswered_year=st.sampled_from(Board.UnansweredYear.values),
    material_change_days_ago=st.none() | st.integers(min_value=0, max_value=700),
)
def test_the_pages_show_exactly_the_verdicts_of_the_rules(
    client,
    communications,
    board,
    school,
    purposes,
    people,
    at_sixteen,
    unanswered_year,
    material_change_days_ago,
):
    client.force_login(communications)
    now = timezone.now()
    today = school_today()
    media = {code: f.media(code) for code in ("photo", "film", "sound")}
    with transaction.atomic():
        board.at_sixteen, board.unanswered_year = at_sixteen, unanswered_year
        board.save()
        group = Group.objects.create(
            school=school, school_year=SchoolYear.objects.for_date(board, today), name="hypo"
        )
        if material_change_days_ago is not None:
            ConsentText.objects.create(
                purpose=purposes[0],
                body_nl="Nieuw",
                body_en="New",
                change=ConsentText.Change.MATERIAL,
                created_at=now - dt.timedelta(days=material_change_days_ago, hours=1),
            )
        events, students = [], []
        for person in people:
            student = f.StudentFactory(
                school=school,
                group=group,
                user=f.UserFactory(),
                date_of_birth=today - dt.timedelta(days=int(person["age"] * 365.25) + 3),
            )
            students.append(student)
            guardians = [f.GuardianFactory(students=[student]) for _ in range(person["guardians"])]
            voices = {"self": student.user}
            voices.update({f"guardian {n + 1}": g.user for n, g in enumerate(guardians)})
            for voice, purpose, medium, value, days_ago in person["events"]:
                if voice in voices:
                    at = now - dt.timedelta(days=days_ago, minutes=len(events))
                    events.append((at, voices[voice], student, purposes[purpose], medium, value))
        for at, actor, student, purpose, medium, value in sorted(events, key=lambda e: e[0]):
            try:
                decision_record(
                    actor=actor,
                    subject=student,
                    purpose=purpose,
                    media_type=media[medium],
                    value=value,
                    at=at,
                )
            except (DecisionNotAllowed, InvalidDecision):
                pass  # the rules refused this event (a guardian after 16, nothing to withdraw)

        expected = {
            (str(s.pk), str(p.pk), code): verdict_for(s, p, media[code], on=today).state
            for s in students
            for p in purposes
            for code in media
        }
        for state in set(expected.values()):
            event(f"a verdict is {state}")
        shown = {}
        for code in media:
            html = client.get(
                reverse("communications_lookup"), {"q": "hypo", "media": code}
            ).content.decode()
            shown.update({(p, q, code): s for (p, q, _m), s in cells(html).items()})
        assert shown == expected

        for purpose in purposes:
            html = group_check(
                client, school, purpose, media["film"], groups=[group]
            ).content.decode()
            shown = cells(html, purpose=purpose.pk, media="film")
            wanted = (str(purpose.pk), "film")
            assert shown == {k: v for k, v in expected.items() if k[1:] == wanted}

        person = students[0]
        html = client.get(reverse("communications_person", args=[person.pk])).content.decode()
        assert cells(html, person=person.pk) == {
            k: v for k, v in expected.items() if k[0] == str(person.pk)
        }
        transaction.set_rollback(True)


def test_a_recorded_publication_shows_the_verdicts_of_that_moment(
    client, communications, pupils, website, photo, mother
):
    zoe = pupils[0]
    record(mother.user, zoe, website, photo)
    publication = publication_record(
        user=communications,
        school=zoe.school,
        title="Open dag",
        purpose=website,
        media_type=photo,
        published_on=dt.date(2026, 9, 1),
        people=[zoe],
    )
    record(mother.user, zoe, website, photo, value="withdrawn")
    client.force_login(communications)

    html = client.get(reverse("communications_publication", args=[publication.pk])).content
    assert 'data-state="allowed"' in html.decode()
    assert Publication.objects.get().entries.get().state == "allowed"
