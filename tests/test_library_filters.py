"""The library list's filters in SQL (issue 23): chosen by the database from the stored
verdicts, and always the items the rules choose, also for a person whose stored verdict is
stale (changed, not yet refreshed by the worker)."""

import datetime as dt

import pytest
import time_machine
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from consents import stored
from consents.communications.protection import protection_set
from consents.dates import school_today
from consents.decisions.services import consent_withdraw
from consents.library import window
from consents.library.filters import items_chosen
from consents.library.verdicts import item_statuses
from consents.models import CurrentVerdict, LibraryItem, Publication, VerdictDirty

from . import factories as f
from .helpers import record
from .library_helpers import NOW, list_items, list_query_counts, make_item

pytest_plugins = ["tests.library_fixtures"]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("site_in_english", "library_storage"),
]


def chosen_by_rules(school, purposes, *, purpose=None, attention=False) -> list[str]:
    """What the list showed before the filters moved to SQL: every item worked out with the
    rules, in Python."""
    items = list(LibraryItem.objects.filter(school=school))
    statuses = item_statuses(items, purposes=purposes, on=school_today(), detail=False)
    return sorted(
        s.item.title
        for s in statuses
        if (not purpose or s.may_go_on(purpose.pk)) and (not attention or s.attention)
    )


def shown_by_rules(school, purposes) -> dict[str, tuple]:
    """Each item's states per channel and reasons for attention, worked out with the rules."""
    items = list(LibraryItem.objects.filter(school=school))
    statuses = item_statuses(items, purposes=purposes, on=school_today(), detail=False)
    return {s.item.title: _shown(s) for s in statuses}


def _shown(status) -> tuple:
    return [(c.purpose.pk, c.state) for c in status.channels], status.attention


def assert_list_shows_what_the_rules_show(client, school, purposes):
    """The list's badges and reasons, combined by the database from the stored verdicts."""
    response = client.get(reverse("library_list"), {"school": school.pk})
    shown = {s.item.title: _shown(s) for s in response.context["page"].object_list}
    assert shown == shown_by_rules(school, purposes)


def assert_filters_choose_what_the_rules_choose(client, school, purposes, *, sql=True):
    website, yearbook = purposes
    chosen = items_chosen(
        school,
        purpose=website,
        attention=True,
        purposes=purposes,
        on=school_today(),
    )
    # In SQL when the store holds for today; otherwise every item worked out in Python.
    assert isinstance(chosen, QuerySet if sql else list)
    for purpose, attention in [
        (website, False),
        (yearbook, False),
        (None, True),
        (website, True),
        (yearbook, True),
    ]:
        params = {"attention": "on"} if attention else {}
        if purpose:
            params["purpose"] = purpose.pk
        expected = chosen_by_rules(school, purposes, purpose=purpose, attention=attention)
        response = client.get(reverse("library_list"), {"school": school.pk, **params})
        shown = {s.item.title: _shown(s) for s in response.context["page"].object_list}
        assert sorted(shown) == expected, params
        # Each chosen item's badges and reasons too, also for people queued since the refresh.
        by_rules = shown_by_rules(school, purposes)
        assert shown == {title: by_rules[title] for title in shown}, params
    assert_list_shows_what_the_rules_show(client, school, purposes)


@pytest.fixture
def library(communications, administrator, school, purposes, pupils, mother, photo):
    """Zoë (allowed), Sem (refused the website), Lotte (no answer), Noor (withdrew the website
    the day before the photos were added), Daan (protected), on twelve items."""
    zoe, sem, lotte = pupils
    website, yearbook = purposes
    noor = f.StudentFactory(school=school, first_name="Noor", last_name="Jansen")
    noor_parent = f.GuardianFactory(students=[noor])
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        for purpose in purposes:
            record(noor_parent.user, noor, purpose, photo)
        consent_withdraw(actor=noor_parent.user, subject=noor, purposes=[website])
    daan = f.StudentFactory(school=school, first_name="Daan", last_name="Smit")
    protection_set(user=administrator, subject=daan, protected=True, note="Court order")
    noor, daan = noor.subject_ptr, daan.subject_ptr
    make_item(communications, school, [zoe], title="Zoë")
    make_item(communications, school, [zoe, sem], title="Zoë and Sem")
    make_item(communications, school, [lotte], title="Lotte")
    make_item(communications, school, [noor], title="Noor")
    make_item(communications, school, [noor, zoe], title="Noor and Zoë")
    make_item(communications, school, [daan, zoe], title="Daan and Zoë")
    make_item(communications, school, [daan], title="Daan")
    make_item(communications, school, [], title="Nobody")
    make_item(communications, school, marked=False, title="Not marked")
    crowd = make_item(communications, school, [zoe], title="Crowd")
    LibraryItem.objects.filter(pk=crowd.pk).update(others_visible=True)
    for title, people in [("Published Zoë", [zoe]), ("Published Sem", [sem])]:
        item = make_item(communications, school, people, title=title)
        item.publications.add(
            Publication.objects.create(
                school=school,
                title=title,
                purpose=website,
                media_type=photo,
                published_on=NOW.date(),
                recorded_by=communications,
                recorded_at=timezone.now(),
            )
        )
    assert stored.refresh().as_of == school_today()  # what the worker runs every minute
    assert not VerdictDirty.objects.exists()
    return zoe, sem, lotte, noor, daan


def test_the_filters_read_from_the_store_choose_what_the_rules_choose(
    client, communications, school, purposes, library
):
    website, yearbook = purposes
    client.force_login(communications)

    assert_filters_choose_what_the_rules_choose(client, school, purposes)
    assert sorted(list_items(client, school, purpose=website.pk)) == [
        "Nobody",
        "Published Zoë",
        "Zoë",
    ]
    assert sorted(list_items(client, school, purpose=yearbook.pk)) == [
        "Nobody",
        "Noor",
        "Noor and Zoë",
        "Published Sem",
        "Published Zoë",
        "Zoë",
        "Zoë and Sem",
    ]
    assert sorted(list_items(client, school, attention="on")) == [
        "Crowd",
        "Daan",
        "Daan and Zoë",
        "Not marked",
        "Published Sem",
    ]


def test_the_list_shows_each_item_as_the_rules_combine_its_people(
    client, communications, school, purposes, library
):
    zoe, sem, *_others = library
    website, yearbook = purposes
    client.force_login(communications)

    response = client.get(reverse("library_list"), {"school": school.pk})
    shown = {s.item.title: _shown(s) for s in response.context["page"].object_list}
    assert shown["Zoë"] == ([(website.pk, "allowed"), (yearbook.pk, "allowed")], [])
    assert shown["Zoë and Sem"][0] == [(website.pk, "not_allowed"), (yearbook.pk, "allowed")]
    assert shown["Not marked"][0] == [(website.pk, "no_answer"), (yearbook.pk, "no_answer")]
    assert shown["Daan and Zoë"] == (
        [(website.pk, "not_allowed"), (yearbook.pk, "not_allowed")],
        ["Someone on it is protected and must not appear anywhere."],
    )
    assert shown == shown_by_rules(school, purposes)
    html = response.content.decode()
    assert html.count('data-state="not_allowed"') == sum(
        states.count((p, "not_allowed"))
        for p in (website.pk, yearbook.pk)
        for states, _reasons in shown.values()
    )


def test_a_missing_stored_verdict_is_no_answer_on_the_list_not_consent(
    client, communications, school, purposes, library, photo
):
    zoe, *_others = library
    website, yearbook = purposes
    CurrentVerdict.objects.filter(subject=zoe, purpose=website, media_type=photo).delete()
    client.force_login(communications)

    response = client.get(reverse("library_list"), {"school": school.pk})
    shown = {s.item.title: _shown(s) for s in response.context["page"].object_list}
    assert shown["Zoë"][0] == [(website.pk, "no_answer"), (yearbook.pk, "allowed")]


def test_a_stale_stored_verdict_gives_way_to_the_rules_answer_on_the_page(
    client, communications, school, purposes, library, mother, photo
):
    zoe, _sem, lotte, _noor, _daan = library
    website, _yearbook = purposes
    lotte_parent = f.GuardianFactory(students=[lotte.student])
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        consent_withdraw(actor=mother.user, subject=zoe, purposes=[website])
        record(lotte_parent.user, lotte.student, website, photo)
        client.force_login(communications)

        # Not refreshed yet: the stored rows still say what they said before the change.
        assert set(VerdictDirty.objects.values_list("subject_id", flat=True)) == {
            zoe.pk,
            lotte.pk,
        }
        row = CurrentVerdict.objects.get(subject=zoe, purpose=website, media_type=photo)
        assert row.state == "allowed"
        lotte_row = CurrentVerdict.objects.get(subject=lotte, purpose=website, media_type=photo)
        assert lotte_row.state == "no_answer"
        assert_filters_choose_what_the_rules_choose(client, school, purposes)
        assert sorted(list_items(client, school, purpose=website.pk)) == ["Lotte", "Nobody"]
        assert "Published Zoë" in list_items(client, school, attention="on")
        assert "Zoë" in list_items(client, school, attention="on")  # withdrew after it was added

        # Refreshed: the stored rows carry the withdrawal themselves; the same choice.
        stored.refresh()
        assert not VerdictDirty.objects.exists()
        row = CurrentVerdict.objects.get(subject=zoe, purpose=website, media_type=photo)
        assert (row.state, row.withdrawn_at) == ("not_allowed", NOW + dt.timedelta(hours=1))
        assert_filters_choose_what_the_rules_choose(client, school, purposes)


def test_a_person_protected_since_the_refresh_holds_every_item_back(
    client, communications, administrator, school, purposes, library
):
    zoe, *_others = library
    protection_set(user=administrator, subject=zoe, protected=True, note="Safety")
    client.force_login(communications)

    assert list(VerdictDirty.objects.values_list("subject_id", flat=True)) == [zoe.pk]
    assert_filters_choose_what_the_rules_choose(client, school, purposes)
    assert sorted(list_items(client, school, purpose=purposes[1].pk)) == [
        "Nobody",
        "Noor",
        "Published Sem",
    ]
    stored.refresh()
    assert CurrentVerdict.objects.filter(subject=zoe, protected=True).count() == 2 * 3
    assert_filters_choose_what_the_rules_choose(client, school, purposes)


def test_the_filters_fall_back_to_the_rules_when_the_store_does_not_hold_today(
    client, communications, school, purposes, library
):
    client.force_login(communications)
    with time_machine.travel(dt.datetime(2027, 9, 1, 10, tzinfo=dt.UTC), tick=False):
        client.force_login(communications)
        # A new school year the worker has not refreshed yet: last year's consents lapsed.
        assert "Zoë" in list_items(client, school, attention="on")
        assert_filters_choose_what_the_rules_choose(client, school, purposes, sql=False)


def test_the_filtered_list_takes_the_same_number_of_queries_for_10_and_100_items(
    client, communications, school, purposes, pupils
):
    _zoe, sem, _lotte = pupils
    website, _yearbook = purposes
    client.force_login(communications)

    def queries(count, queued=False):
        def before():
            stored.refresh()
            if queued:  # someone changed since: worked out with the rules
                stored.verdicts_mark_stale(people=[sem.pk])

        args = (client, communications, school, pupils, website)
        return list_query_counts(*args, count, before=before)

    assert queries(10, queued=True) == queries(100, queued=True)


def filtered_pages(client, school, **params) -> list[tuple[list[str], str]]:
    """Each page of a filtered list, followed by its "Older photos" link to the end: its items'
    titles and its markup."""
    pages, after = [], None
    while True:
        query = {"school": school.pk, **params, **({"after": after} if after else {})}
        response = client.get(reverse("library_list"), query)
        page = response.context["page"]
        pages.append(([s.item.title for s in page.object_list], response.content.decode()))
        if page.next_after is None:
            return pages
        assert len(pages) < 100, "the pages do not come to an end"
        after = page.next_after


def test_a_filtered_list_goes_on_after_the_last_item_it_showed(
    client, communications, school, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    website, _yearbook = purposes
    for n in range(50):
        make_item(communications, school, [zoe], title=f"Item {n:02d}")
    make_item(communications, school, marked=False, title="Not marked")
    stored.refresh()
    client.force_login(communications)

    (first, first_html), (second, second_html) = filtered_pages(client, school, purpose=website.pk)
    assert first == [f"Item {n:02d}" for n in range(49, 1, -1)]  # newest first, 48
    assert second == ["Item 01", "Item 00"]
    # The links keep the filter and name the last item shown, not a page to count up to.
    filtered = f"?school={school.pk}&amp;purpose={website.pk}"
    last_shown = LibraryItem.objects.get(title="Item 02").pk
    assert f'href="{filtered}&amp;after={last_shown}">Older photos</a>' in first_html
    assert "Newest photos" not in first_html and "Searched back" not in first_html
    assert f'<option value="{website.pk}" selected>' in first_html  # the filter stays chosen
    assert f'href="{filtered}">Newest photos</a>' in second_html
    assert "Older photos" not in second_html


def test_a_filtered_page_looks_at_no_more_items_than_its_window(
    client, communications, school, purposes, pupils, monkeypatch
):
    """With a window of 4: a page goes no further back than the 4 items after where it
    starts, says how far it searched, and the pages together show what the filter chooses
    from the whole library, in the list's order, each item once, also where items were added
    at the same moment."""
    monkeypatch.setattr(window, "WINDOW", 4)
    zoe, sem, _lotte = pupils
    website, yearbook = purposes
    people = [[zoe], [sem], [], [zoe, sem], [sem], [zoe], [zoe], [sem], [sem], [sem], [sem], [sem]]
    with time_machine.travel(NOW, tick=False) as clock:
        for n, on_it in enumerate(people):
            if n % 3 == 0:
                clock.shift(dt.timedelta(days=30))  # three items at a time: ties in time
            make_item(communications, school, on_it, title=f"Item {n:02d}")
    stored.refresh()
    client.force_login(communications)
    newest_first = [f"Item {n:02d}" for n in range(len(people) - 1, -1, -1)]

    for params in ({"purpose": website.pk}, {"attention": "on"}, {"purpose": yearbook.pk}):
        pages = filtered_pages(client, school, **params)
        shown = [title for titles, _html in pages for title in titles]
        expected = chosen_by_rules(school, purposes, **_filters(params, purposes))
        assert shown == [title for title in newest_first if title in expected], params
        assert len(pages) == 3, params  # 12 items, 4 a page

    pages = filtered_pages(client, school, purpose=website.pk)
    assert [titles for titles, _html in pages] == [
        [],
        ["Item 06", "Item 05"],
        ["Item 02", "Item 00"],
    ]
    # Nothing on the first page: it says how far back it searched, and goes on from there.
    item = LibraryItem.objects.get(title="Item 08")
    searched = timezone.localtime(item.uploaded_at)
    first_html = pages[0][1]
    assert "No photos here." in first_html
    assert f"Searched back to the photos added on {searched:%-d %B %Y}." in first_html
    assert f"after={item.pk}" in first_html


def _filters(params, purposes):
    chosen = {p.pk: p for p in purposes}
    return {"purpose": chosen.get(params.get("purpose")), "attention": "attention" in params}


@pytest.mark.parametrize("place", ["x", "-1", "99999999", "9" * 30, "another school", "deleted"])
def test_a_filtered_list_from_a_place_that_does_not_exist_starts_at_the_newest(
    client, communications, school, purposes, pupils, place
):
    zoe, _sem, _lotte = pupils
    website, _yearbook = purposes
    items = [make_item(communications, school, [zoe], title=f"Item {n}") for n in range(3)]
    other = f.SchoolFactory(board=school.board)
    elsewhere = make_item(communications, other, [], title="Elsewhere")
    stored.refresh()
    client.force_login(communications)
    if place == "another school":
        place = elsewhere.pk
    elif place == "deleted":
        place = items[1].pk
        items[1].delete()
    before = LibraryItem.objects.count()

    response = client.get(
        reverse("library_list"), {"school": school.pk, "purpose": website.pk, "after": place}
    )
    assert response.status_code == 200
    newest_first = LibraryItem.objects.filter(school=school).values_list("title", flat=True)
    assert [s.item.title for s in response.context["page"].object_list] == list(newest_first)
    assert "That place in the list no longer exists" in response.content.decode()
    assert "Elsewhere" not in response.content.decode()
    assert LibraryItem.objects.count() == before


def test_staff_and_students_who_moved_count_on_an_item_like_the_schools_own_students(
    client, communications, school, purposes, pupils, photo
):
    """The filter reads the school's own students' verdicts in one go and looks everyone else
    up one by one: a teacher on the photo, and a student who moved to another school."""
    zoe, sem, _lotte = pupils
    website, _yearbook = purposes
    other_school = f.SchoolFactory(board=school.board)
    teacher = f.StaffMemberFactory(board=school.board, schools=[school], first_name="Ans")
    silent = f.StaffMemberFactory(board=school.board, schools=[school], first_name="Bram")
    moved = f.StudentFactory(school=school, first_name="Mila", last_name="Kok")
    moved_parent = f.GuardianFactory(students=[moved])
    for purpose in purposes:
        record(teacher.user, teacher, purpose, photo)
        record(moved_parent.user, moved, purpose, photo)
    record(moved_parent.user, moved, website, photo, value="refused")
    make_item(communications, school, [zoe, teacher], title="Zoë and her teacher")
    make_item(communications, school, [zoe, silent], title="Zoë and a silent teacher")
    make_item(communications, school, [zoe, moved], title="Zoë and Mila, who moved")
    make_item(communications, school, [teacher, sem], title="Sem and his teacher")
    moved.school = other_school
    moved.save()
    assert stored.refresh().as_of == school_today()
    client.force_login(communications)

    assert_filters_choose_what_the_rules_choose(client, school, purposes)
    assert sorted(list_items(client, school, purpose=website.pk)) == ["Zoë and her teacher"]


@pytest.mark.parametrize("value", ["x", "999999", "1e3", ""])
def test_a_channel_that_names_nothing_shows_the_whole_list(
    client, communications, school, purposes, pupils, value
):
    zoe, sem, _lotte = pupils
    make_item(communications, school, [zoe], title="Zoë")
    make_item(communications, school, [sem], title="Sem")
    stored.refresh()
    client.force_login(communications)

    response = client.get(reverse("library_list"), {"school": school.pk, "purpose": value})
    assert response.status_code == 200
    assert [s.item.title for s in response.context["page"].object_list] == ["Sem", "Zoë"]
    if value:
        assert "Select a valid choice." in response.content.decode()
    # The choice offered is each of the board's channels, by name.
    options = response.content.decode().split('name="purpose"', 1)[1].split("</select>")[0]
    assert [f'value="{p.pk}">{p}<' in options for p in purposes] == [True, True]
