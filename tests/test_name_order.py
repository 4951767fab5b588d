"""People come in the order of a Dutch class list: by last name without its prefix, without
case or diacritics, so "Çelik" stands among the C's and "Özdemir" among the O's, on SQLite
and PostgreSQL alike. Sorted by the raw column, both put them after "Zwart"."""

import re

import pytest
from django.urls import reverse

from consents.communications.directory import people_search
from consents.models import School

from . import factories as f
from .library_helpers import make_item

pytest_plugins = ["tests.library_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]

# (prefix, last name), shuffled; the order a class list gives them.
NAMES = [
    ("", "Zwart"),
    ("", "Özdemir"),
    ("de", "Vries"),
    ("", "Yılmaz"),
    ("", "Çelik"),
    ("van", "Dijk"),
    ("", "Bakker"),
    ("", "Aydın"),
    ("", "ekinci"),  # as one school system exported it, in lower case
]
IN_ORDER = [
    "Sam Aydın",
    "Sam Bakker",
    "Sam Çelik",
    "Sam van Dijk",
    "Sam ekinci",
    "Sam Özdemir",
    "Sam de Vries",
    "Sam Yılmaz",
    "Sam Zwart",
]


@pytest.fixture
def class_of_sams(group):
    return [
        f.StudentFactory(
            school=group.school, group=group, first_name="Sam", prefix=prefix, last_name=last
        )
        for prefix, last in NAMES
    ]


def listed_names(response) -> list[str]:
    return re.findall(r'<a href="/[^"]*/people/[^"]+/">([^<]+)</a>', response.content.decode())


def test_the_people_list_as_first_opened_sorts_diacritics_among_their_letters(
    client, administrator, class_of_sams
):
    client.force_login(administrator)

    assert listed_names(client.get(reverse("people_list"))) == IN_ORDER


def test_a_search_in_the_people_list_sorts_diacritics_among_their_letters(
    client, administrator, class_of_sams
):
    client.force_login(administrator)

    assert listed_names(client.get(reverse("people_list"), {"q": "sam"})) == IN_ORDER


def test_the_lookup_finds_people_in_class_list_order(school, class_of_sams):
    found = people_search(School.objects.filter(pk=school.pk), "sam", limit=20)

    assert [person.name for person in found] == IN_ORDER


def test_the_class_list_to_tick_on_a_library_item_is_in_name_order(
    client, communications, school, group, class_of_sams, library_storage
):
    item = make_item(communications, school, marked=False)
    client.force_login(communications)

    page = client.get(reverse("library_item", args=[item.pk]), {"group": group.pk})

    ticked_in_order = [
        int(pk) for pk in re.findall(r'value="(\d+)" id="add-\d+"', page.content.decode())
    ]
    by_pk = {student.pk: student.name for student in class_of_sams}
    assert [by_pk[pk] for pk in ticked_in_order] == IN_ORDER


@pytest.mark.parametrize("query", ["yilmaz", "YILMAZ", "Yılmaz", "aydin"])
def test_a_dotless_i_is_found_by_typing_an_i(school, class_of_sams, query):
    found = people_search(School.objects.filter(pk=school.pk), query, limit=10)

    assert len(found) == 1 and found[0].last_name in {"Yılmaz", "Aydın"}
