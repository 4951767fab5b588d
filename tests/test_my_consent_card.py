"""The compact card (issue 20): one answer per purpose, no to everything, the same choices as
for a brother or sister, keeping a year's choices in one tap, and the confirmation in place.

Cast: `mother` and `father` are the guardians of `child` (13); `sibling` (11) is the mother's
other child; `older` (17) is the mother's child who decides alone.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import strip_tags

from consents.dates import school_today
from consents.models import ConsentDecision, ConsentReceipt, Guardianship, MediaType
from consents.rules import State

from . import factories as f
from .helpers import amsterdam, record, state

pytestmark = pytest.mark.django_db

Value = ConsentDecision.Value


@pytest.fixture
def english(client):
    """Pages in English, so that assertions on wording do not depend on the translation."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def sibling(school, mother):
    student = f.StudentFactory(
        school=school, first_name="Daan", last_name="de Vries", date_of_birth=dt.date(2015, 2, 1)
    )
    Guardianship.objects.create(guardian=mother, student=student)
    return student


@pytest.fixture
def older(school, mother):
    student = f.StudentFactory(
        school=school, first_name="Brontë", last_name="Jansen", date_of_birth=dt.date(2008, 5, 1)
    )
    Guardianship.objects.create(guardian=mother, student=student)
    return student


@pytest.fixture
def media(db):
    return list(MediaType.objects.order_by("order"))


def answers(subject, guardian=None):
    qs = ConsentDecision.objects.filter(subject=subject)
    if guardian is not None:
        qs = qs.filter(guardian=guardian)
    return {(d.purpose.code, d.media_type.code): d.value for d in qs.order_by("seq")}


def quick(client, subject, action, **data):
    return client.post(
        reverse("consent_card_action", args=[subject.key]), {"action": action, **data}
    )


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


# --- One answer per purpose ---------------------------------------------------------------


def test_one_yes_for_a_purpose_answers_photo_film_and_sound(client, mother, child, website, media):
    client.force_login(mother.user)
    client.post(reverse("consent_save", args=[child.key]), {f"purpose:{website.code}": "yes"})
    assert answers(child) == {(website.code, m.code): Value.GRANTED for m in media}


def test_the_purposes_answer_wins_over_answers_per_type_left_behind(
    client, mother, child, website, media
):
    """Without JavaScript the folded answers per type keep what they showed."""
    client.force_login(mother.user)
    posted = {f"purpose:{website.code}": "no", f"consent:{website.code}:photo": "yes"}
    client.post(reverse("consent_save", args=[child.key]), posted)
    assert answers(child) == {(website.code, m.code): Value.REFUSED for m in media}


def test_per_type_the_answers_per_media_type_count(client, mother, child, website, media):
    client.force_login(mother.user)
    posted = {
        f"purpose:{website.code}": "each",
        f"consent:{website.code}:photo": "yes",
        f"consent:{website.code}:film": "no",
    }
    client.post(reverse("consent_save", args=[child.key]), posted)
    assert answers(child) == {(website.code, "photo"): "granted", (website.code, "film"): "refused"}


@pytest.mark.parametrize("value", ["maybe", "", "yes;no"])
def test_a_purpose_answer_other_than_yes_no_or_per_type_answers_400(
    english, mother, child, website, value
):
    english.force_login(mother.user)
    response = english.post(
        reverse("consent_save", args=[child.key]), {f"purpose:{website.code}": value}
    )
    assert response.status_code == 400
    assert "Answer yes or no" in response.content.decode()
    assert answers(child) == {}


def test_an_unknown_purpose_answer_answers_400_and_records_nothing(english, mother, child, website):
    english.force_login(mother.user)
    posted = {"purpose:nope": "yes", f"purpose:{website.code}": "yes"}
    response = english.post(reverse("consent_save", args=[child.key]), posted)
    assert response.status_code == 400
    assert "The purpose “nope” does not exist" in response.content.decode()
    assert answers(child) == {}


# --- No to everything ---------------------------------------------------------------------


def test_no_to_everything_refuses_every_purpose_and_type_in_one_step(
    client, mother, child, purposes, media
):
    client.force_login(mother.user)
    response = quick(client, child, "refuse")
    assert response.status_code == 302
    assert answers(child) == {(p.code, m.code): Value.REFUSED for p in purposes for m in media}
    assert ConsentReceipt.objects.get().decisions.count() == len(purposes) * len(media)


def test_no_to_everything_withdraws_a_standing_yes(client, mother, child, website, photo):
    record(mother.user, child, website, photo, "granted")
    client.force_login(mother.user)
    quick(client, child, "refuse")
    assert answers(child)[(website.code, photo.code)] == Value.WITHDRAWN
    assert state(child, website, photo, school_today()) == State.NOT_ALLOWED


def test_no_to_everything_is_offered_also_when_nothing_was_granted(client, mother, child):
    client.force_login(mother.user)
    html = client.get(reverse("my_consent")).content.decode()
    assert 'name="action" value="refuse"' in html


def test_no_to_everything_for_a_child_of_16_answers_403_and_records_nothing(english, mother, older):
    english.force_login(mother.user)
    assert quick(english, older, "refuse").status_code == 403
    assert answers(older) == {}


@pytest.mark.parametrize("action", ["", "yes-to-everything", "REFUSE"])
def test_an_unknown_action_answers_400_and_records_nothing(english, mother, child, action):
    english.force_login(mother.user)
    response = quick(english, child, action)
    assert response.status_code == 400
    assert answers(child) == {}


def test_another_familys_child_gets_404_for_every_action(client, other_family_guardian, child):
    client.force_login(other_family_guardian.user)
    for action in ("refuse", "renew", "copy"):
        assert quick(client, child, action).status_code == 404
    assert answers(child) == {}


# --- The same choices as for a brother or sister -----------------------------------------------


def test_the_same_choices_as_for_a_sibling_copies_what_this_guardian_answered(
    client, mother, father, child, sibling, purposes, media
):
    website, yearbook = purposes
    photo, film = media[0], media[1]
    record(mother.user, child, website, photo, "granted")
    record(mother.user, child, yearbook, film, "refused")
    # The father's answer for the child is his, not the mother's: it is not copied.
    record(father.user, child, website, film, "granted")
    client.force_login(mother.user)
    html = client.get(reverse("my_consent")).content.decode()
    assert f'name="source" value="{child.key}"' in html
    response = quick(client, sibling, "copy", source=str(child.key))
    assert response.status_code == 302
    assert answers(sibling) == {
        (website.code, "photo"): "granted",
        (yearbook.code, "film"): "refused",
    }
    assert {d.guardian_id for d in ConsentDecision.objects.filter(subject=sibling)} == {mother.pk}


def test_choices_cannot_be_copied_to_a_child_of_16(english, mother, child, older, website, photo):
    record(mother.user, child, website, photo, "granted")
    english.force_login(mother.user)
    html = english.get(reverse("my_consent")).content.decode()
    card = html[html.index(f'id="card-{older.key}"') :]
    assert "Same choices as for" not in card.split("</section>")[0]
    assert quick(english, older, "copy", source=str(child.key)).status_code == 403
    assert answers(older) == {}


def test_choices_cannot_be_copied_from_another_familys_child(
    english, mother, child, other_family_guardian, website, photo
):
    theirs = other_family_guardian.students.get()
    record(other_family_guardian.user, theirs, website, photo, "granted")
    english.force_login(mother.user)
    response = quick(english, child, "copy", source=str(theirs.key))
    assert response.status_code == 400
    assert "nobody of yours to copy" in response.content.decode()
    assert answers(child) == {}


def test_copying_needs_a_source(english, mother, child):
    english.force_login(mother.user)
    response = quick(english, child, "copy")
    assert response.status_code == 400
    assert "Choose whose choices to copy." in response.content.decode()


# --- Keeping a year's choices -----------------------------------------------------------------


def test_my_choices_stay_the_same_records_each_answer_again_on_the_current_text(
    english, mother, child, purposes, media
):
    website, yearbook = purposes
    with time_machine.travel(amsterdam(2026, 6, 1)):
        record(mother.user, child, website, media[0], "granted")
        record(mother.user, child, yearbook, media[1], "refused")
    with time_machine.travel(amsterdam(2026, 9, 2)):
        english.force_login(mother.user)
        page = text_of(english.get(reverse("my_consent")))
        assert "My choices for 2026-2027 stay the same" in page
        assert page.count("please confirm again") == 2
        response = quick(english, child, "renew")
        assert response["Location"].endswith(f"#saved-{child.key}")
        renewed = ConsentDecision.objects.filter(subject=child).order_by("seq")[2:]
        assert [(d.purpose, d.media_type, d.value) for d in renewed] == [
            (website, media[0], "granted"),
            (yearbook, media[1], "refused"),
        ]
        assert {d.school_year.start_date for d in renewed} == {dt.date(2026, 8, 1)}
        page = text_of(english.get(reverse("my_consent")))
        assert "confirmed for this school year" in page
        assert "please confirm again" not in page
        assert "stay the same" not in page
        # Nothing more is due: a second tap records nothing.
        quick(english, child, "renew")
        assert ConsentDecision.objects.filter(subject=child).count() == 4


def test_where_only_the_other_guardian_has_not_renewed_one_sentence_says_so(
    english, mother, father, child, website, photo
):
    with time_machine.travel(amsterdam(2026, 6, 1)):
        record(mother.user, child, website, photo, "granted")
        record(father.user, child, website, photo, "granted")
    with time_machine.travel(amsterdam(2026, 9, 2)):
        english.force_login(mother.user)
        quick(english, child, "renew")
        page = text_of(english.get(reverse("my_consent")))
    assert page.count(f"{father.name} has not yet confirmed the choices") == 1
    assert "Not renewed" not in page
    assert "please confirm again" not in page


def test_renewal_is_offered_only_to_whom_it_is_due(english, mother, child, website, photo):
    record(mother.user, child, website, photo, "granted")
    english.force_login(mother.user)
    assert "stay the same" not in text_of(english.get(reverse("my_consent")))


# --- After saving -----------------------------------------------------------------------------


def test_the_confirmation_and_receipt_are_shown_in_the_saved_card_with_a_way_on(
    english, mother, child, sibling, website
):
    english.force_login(mother.user)
    response = english.post(
        reverse("consent_save", args=[sibling.key]), {f"purpose:{website.code}": "no"}
    )
    assert response["Location"] == reverse("my_consent") + f"#saved-{sibling.key}"
    html = english.get(reverse("my_consent")).content.decode()
    card = html[html.index(f'id="card-{sibling.key}"') :].split("</section>")[0]
    receipt = ConsentReceipt.objects.get()
    assert f'id="saved-{sibling.key}"' in card
    assert reverse("receipt_pdf", args=[receipt.pk]) in card
    assert f'href="#card-{child.key}">On to {child.first_name}' in card
    # Shown once: the next page view no longer has it.
    assert "saved-" not in english.get(reverse("my_consent")).content.decode()


# --- The form of address ----------------------------------------------------------------------

YOU_FORMAL = re.compile(r"\b(u|uw|uzelf)\b", re.IGNORECASE)
YOU_INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf)\b", re.IGNORECASE)


def test_a_parent_is_addressed_with_u_never_with_je(client, mother, child, sibling, website):
    client.force_login(mother.user)
    client.post(reverse("consent_save", args=[child.key]), {f"purpose:{website.code}": "yes"})
    for url in (
        reverse("my_consent"),
        reverse("consent_history", args=[child.key]),
        reverse("consent_withdraw", args=[child.key]),
    ):
        page = text_of(client.get(url))
        assert YOU_FORMAL.search(page), url
        assert not YOU_INFORMAL.search(page), (url, YOU_INFORMAL.search(page))


def test_a_student_of_16_is_addressed_with_je_never_with_u(client, older, website):
    older.user = f.UserFactory()
    older.save()
    client.force_login(older.user)
    client.post(reverse("consent_save", args=[older.key]), {f"purpose:{website.code}": "yes"})
    for url in (
        reverse("my_consent"),
        reverse("consent_history", args=[older.key]),
        reverse("consent_withdraw", args=[older.key]),
    ):
        page = text_of(client.get(url))
        assert YOU_INFORMAL.search(page), url
        assert not YOU_FORMAL.search(page), (url, YOU_FORMAL.search(page))
