"""Names are found without case or diacritics, in the lookup, the group check and the
administrator's people list, on SQLite and PostgreSQL alike (issue 21)."""

import pytest
from django.urls import reverse

from consents.communications.directory import people_search
from consents.communications.group_check import names_resolve
from consents.models import School
from consents.names import fold

from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


@pytest.fixture
def zoe(school):
    return f.StudentFactory(school=school, first_name="Zoë", last_name="Çelik")


@pytest.fixture
def bronte(school):
    return f.StudentFactory(school=school, first_name="Anne", prefix="van der", last_name="Brontë")


def pks(people):
    return [person.pk for person in people]


def test_fold_drops_case_and_diacritics():
    assert fold("Zoë Çelik") == "zoe celik"
    assert fold("ÉLODIE Ørsted Straße") == "elodie orsted strasse"
    assert fold("jan") == "jan"


@pytest.mark.parametrize(
    "query", ["zoe", "ZOE", "celik", "Çelik", "zoë çelik", "zoe celik", "ELI", "oë"]
)
def test_lookup_search_forgives_accents_and_case(school, zoe, query):
    found = people_search(School.objects.filter(pk=school.pk), query, limit=10)
    assert pks(found) == [zoe.pk]


def test_the_prefix_is_found_without_case_or_diacritics(school, zoe, bronte):
    schools = School.objects.filter(pk=school.pk)
    assert pks(people_search(schools, "VAN DER bronte", limit=10)) == [bronte.pk]
    assert pks(people_search(schools, "anne van der bronte", limit=10)) == [bronte.pk]
    assert people_search(schools, "van zoe", limit=10) == []


def test_search_words_are_literal_not_patterns(school, zoe):
    schools = School.objects.filter(pk=school.pk)
    assert people_search(schools, "z%", limit=10) == []
    assert people_search(schools, "_oe", limit=10) == []
    assert people_search(schools, "\\", limit=10) == []


def test_the_limit_keeps_the_first_in_name_order(school):
    people = [f.StudentFactory(school=school, first_name="Jan", last_name=n) for n in "edcba"]
    found = people_search(School.objects.filter(pk=school.pk), "jan", limit=3)
    assert pks(found) == pks(sorted(people, key=lambda p: p.last_name)[:3])


def test_the_lookup_page_finds_zoe_celik_by_typing_zoe_celik(client, communications, zoe):
    client.force_login(communications)
    response = client.get(reverse("communications_lookup"), {"q": "zoe celik"})
    assert f'data-person="{zoe.pk}"' in response.content.decode()


def test_the_administrators_people_list_finds_celik(client, administrator, zoe):
    client.force_login(administrator)
    response = client.get(reverse("people_list"), {"q": "celik"})
    assert "Zoë Çelik" in response.content.decode()


def test_pasted_names_in_a_group_check_forgive_accents_and_case(school, zoe):
    people, not_found, _ambiguous = names_resolve(school, "ZOE CELIK\nÇelik, Zoe\nNobody Here")
    assert pks(people) == [zoe.pk]
    assert not_found == ["Nobody Here"]


@pytest.mark.parametrize("size", [10, 500])
def test_searches_take_the_same_number_of_queries_for_10_or_500_people_found(
    client, administrator, communications, school, size, django_assert_max_num_queries
):
    f.StudentFactory.create_batch(size, school=school, first_name="Zoë", last_name="Çelik")
    client.force_login(administrator)
    # The bounds include the second-factor check, the menu and the access log's two inserts.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("people_list"), {"q": "zoe celik"})
    assert response.content.decode().count("Zoë Çelik") == min(size, 50)
    client.force_login(communications)
    with django_assert_max_num_queries(21):
        response = client.get(reverse("communications_lookup"), {"q": "ZOE CELIK"})
    assert response.content.decode().count('<tr data-person="') == min(size, 50)
