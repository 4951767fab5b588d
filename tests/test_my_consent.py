"""The "my consent" page: deciding, withdrawing, two guardians, history, receipts, bad input.

Cast: `mother` and `father` are the guardians of `child` (13); `other_family_guardian` has a
child of their own; `older` is a 17-year-old whose guardian is the mother as well.
"""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape, strip_tags
from pypdf import PdfReader

from consents import rules
from consents.decisions.services import consent_text_publish
from consents.models import (
    ConsentDecision,
    ConsentReceipt,
    ConsentText,
    Guardianship,
)
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
def older(school, mother):
    student = f.StudentFactory(
        school=school, first_name="Brontë", last_name="Jansen", date_of_birth=dt.date(2008, 5, 1)
    )
    Guardianship.objects.create(guardian=mother, student=student)
    return student


@pytest.fixture
def film():
    return f.media("film")


def save(client, subject, answers):
    return client.post(reverse("consent_save", args=[subject.key]), answers)


def cell(purpose, media):
    return f"consent:{purpose.code}:{media.code}"


def decisions(subject=None):
    qs = ConsentDecision.objects.all()
    return qs.filter(subject=subject) if subject else qs


def today():
    from consents.dates import school_today

    return school_today()


# --- The page -----------------------------------------------------------------------------


def test_a_guardian_lands_on_my_consent_after_login(client, mother):
    client.force_login(mother.user)
    assert client.get(reverse("home"))["Location"] == reverse("my_consent")


def test_staff_who_decide_for_nobody_stay_on_the_home_page(client, school):
    user = f.RoleFactory(school=school, kind="council").user
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


def test_a_guardian_sees_a_card_per_child_with_nothing_preselected(
    english, mother, child, purposes
):
    english.force_login(mother.user)
    response = english.get(reverse("my_consent"))
    html = response.content.decode()
    assert response.status_code == 200
    assert child.name in html
    assert f'name="{cell(purposes[0], f.media("photo"))}"' in html
    assert " checked" not in html
    assert "You decide as: guardian." in html
    assert "not answered" in html


def test_every_radio_button_has_a_label_and_every_group_a_legend(english, mother, child, purposes):
    english.force_login(mother.user)
    html = english.get(reverse("my_consent")).content.decode()
    # Per purpose: yes, no and "per type" for all media types, and yes/no for each of three.
    assert html.count('type="radio"') == (3 + 2 * 3) * len(purposes)
    assert html.count("<label ") == html.count('type="radio"')
    # One fieldset per purpose and one per purpose and media type, each with a legend.
    assert html.count("<fieldset") == html.count("<legend") == len(purposes) * 4


def test_the_text_in_force_is_shown_without_version_or_hash(english, mother, child, website):
    consent_text_publish(
        purpose=website, body_nl="Nieuwe tekst", body_en="New website text", change="editorial"
    )
    english.force_login(mother.user)
    html = english.get(reverse("my_consent")).content.decode()
    text = ConsentText.objects.in_force(website)
    assert text.version == 2
    assert "New website text" in html
    # Parents see no jargon; the version and hash stay in the receipt and the history.
    assert text.sha256 not in html
    assert "version" not in html.lower()


def test_a_standing_answer_is_shown_selected(client, mother, child, website, photo):
    record(mother.user, child, website, photo, "granted")
    client.force_login(mother.user)
    html = client.get(reverse("my_consent")).content.decode()
    # Film and sound have no answer, so the purpose is answered per type, and opened.
    assert html.count(" checked") == 2
    assert f'value="yes" id="c1-{website.pk}-{photo.pk}-yes" checked' in html
    assert f'value="each" id="p1-{website.pk}-each" checked' in html
    assert '<details class="per-type" open>' in html


# --- Saving -------------------------------------------------------------------------------


def test_saving_records_only_the_cells_that_changed(client, mother, child, purposes, photo, film):
    website, yearbook = purposes
    client.force_login(mother.user)
    response = save(client, child, {cell(website, photo): "yes", cell(yearbook, photo): "yes"})
    assert response.status_code == 302
    assert decisions(child).count() == 2
    response = save(
        client,
        child,
        {cell(website, photo): "yes", cell(yearbook, photo): "yes", cell(yearbook, film): "no"},
    )
    assert decisions(child).count() == 3
    latest = decisions(child).first()
    assert (latest.purpose, latest.media_type, latest.value) == (yearbook, film, Value.REFUSED)
    assert latest.capacity == "guardian"
    assert latest.guardian == mother
    assert latest.method == "online"
    assert latest.evidence.ip_address == "127.0.0.1"


def test_saving_nothing_new_records_nothing_and_issues_no_receipt(client, mother, child, website):
    client.force_login(mother.user)
    response = save(client, child, {})
    assert response.status_code == 302
    assert decisions().count() == 0
    assert ConsentReceipt.objects.count() == 0


def test_saying_no_to_a_standing_yes_withdraws_it(client, mother, child, website, photo):
    record(mother.user, child, website, photo, "granted")
    client.force_login(mother.user)
    save(client, child, {cell(website, photo): "no"})
    assert decisions(child).first().value == Value.WITHDRAWN
    assert state(child, website, photo, today()) == State.NOT_ALLOWED


def test_the_same_answer_is_recorded_again_when_the_school_year_has_turned(
    client, mother, child, website, photo
):
    with time_machine.travel(amsterdam(2026, 6, 1)):
        record(mother.user, child, website, photo, "granted")
    with time_machine.travel(amsterdam(2026, 9, 1)):
        client.force_login(mother.user)
        html = client.get(reverse("my_consent")).content.decode()
        assert "please confirm again" in html or "opnieuw" in html
        save(client, child, {cell(website, photo): "yes"})
        assert decisions(child).count() == 2
        latest = decisions(child).first()
        assert latest.value == Value.GRANTED
        assert latest.school_year.start_date == dt.date(2026, 8, 1)
        # Now it is current: saving the same again records nothing.
        save(client, child, {cell(website, photo): "yes"})
        assert decisions(child).count() == 2


def test_renewal_is_due_after_a_material_change_of_the_text(mother, child, website, photo):
    decision = record(mother.user, child, website, photo, "granted")
    texts = list(ConsentText.objects.filter(purpose=website))
    assert not rules.renewal_due(decision, on=today(), texts=texts)
    consent_text_publish(purpose=website, body_nl="b", body_en="b", change="editorial")
    texts = list(ConsentText.objects.filter(purpose=website))
    assert not rules.renewal_due(decision, on=today(), texts=texts)
    consent_text_publish(purpose=website, body_nl="c", body_en="c", change="material")
    texts = list(ConsentText.objects.filter(purpose=website))
    assert rules.renewal_due(decision, on=today(), texts=texts)


def test_a_student_of_16_decides_for_themself(client, older, website, photo):
    older.user = f.UserFactory()
    older.save()
    client.force_login(older.user)
    save(client, older, {cell(website, photo): "yes"})
    decision = decisions(older).get()
    assert decision.capacity == "self"
    assert decision.guardian is None


def test_a_staff_member_decides_for_themself(client, board, school, website, photo):
    staff = f.StaffMemberFactory(board=board, schools=[school])
    client.force_login(staff.user)
    assert client.get(reverse("home"))["Location"] == reverse("my_consent")
    save(client, staff, {cell(website, photo): "no"})
    assert decisions(staff).get().capacity == "staff"


# --- Two guardians ------------------------------------------------------------------------


def test_each_guardian_sees_what_the_other_decided_and_the_resulting_status(
    english, mother, father, child, website, photo
):
    record(mother.user, child, website, photo, "granted")
    record(father.user, child, website, photo, "refused")
    english.force_login(mother.user)
    html = english.get(reverse("my_consent")).content.decode()
    assert "partly allowed · guardians disagree" in " ".join(strip_tags(html).split())
    assert f"{escape(father.name)} (guardian): refused" in html
    english.force_login(father.user)
    html = english.get(reverse("my_consent")).content.decode()
    assert f"{escape(mother.name)} (guardian): granted" in html
    assert "guardians disagree" in html


def test_the_other_guardians_name_is_shown_as_text_not_markup(
    english, mother, father, child, website, photo
):
    father.first_name = '<img src=x onerror="alert(1)">'
    father.save()
    record(mother.user, child, website, photo, "granted")
    record(father.user, child, website, photo, "refused")
    english.force_login(mother.user)
    html = english.get(reverse("my_consent")).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert f'aria-describedby="st-1-{website.pk}"' in html  # the row points at its status


def test_one_guardians_yes_is_shown_to_the_other_as_allowed(
    english, mother, father, child, website, photo
):
    record(mother.user, child, website, photo, "granted")
    english.force_login(father.user)
    html = english.get(reverse("my_consent")).content.decode()
    # Photo allowed, film and sound unanswered: the purpose is partly allowed.
    assert "◐</span> partly allowed" in html
    assert f"<strong>{photo.name}</strong>: allowed" in html
    assert f"{escape(mother.name)} (guardian): granted" in html


# --- Withdrawing --------------------------------------------------------------------------


def test_withdrawing_one_purpose_takes_one_confirmation(
    client, mother, child, purposes, photo, film
):
    website, yearbook = purposes
    for purpose in purposes:
        for media in (photo, film):
            record(mother.user, child, purpose, media, "granted")
    client.force_login(mother.user)
    url = reverse("consent_withdraw", args=[child.key]) + "?purpose=website"
    response = client.get(url)
    assert response.status_code == 200
    assert list(response.context["grants"]) == list(
        decisions(child).filter(purpose=website).order_by("media_type__order")
    )
    assert decisions().count() == 4  # the confirmation page records nothing
    response = client.post(reverse("consent_withdraw", args=[child.key]), {"purpose": "website"})
    assert response.status_code == 302
    assert state(child, website, photo, today()) == State.NOT_ALLOWED
    assert state(child, website, film, today()) == State.NOT_ALLOWED
    assert state(child, yearbook, photo, today()) == State.ALLOWED
    assert decisions().filter(value=Value.WITHDRAWN).count() == 2


def test_withdrawing_everything_for_one_person(client, mother, child, purposes, photo, older):
    for purpose in purposes:
        record(mother.user, child, purpose, photo, "granted")
    client.force_login(mother.user)
    assert client.get(reverse("consent_withdraw", args=[child.key])).status_code == 200
    client.post(reverse("consent_withdraw", args=[child.key]))
    for purpose in purposes:
        assert state(child, purpose, photo, today()) == State.NOT_ALLOWED
    receipt = ConsentReceipt.objects.get()
    assert receipt.decisions.count() == 2


def test_withdrawing_when_nothing_was_granted_records_nothing(client, mother, child, website):
    client.force_login(mother.user)
    response = client.post(reverse("consent_withdraw", args=[child.key]))
    assert response.status_code == 302
    assert decisions().count() == 0


def test_withdrawing_leaves_the_other_guardians_consent_alone(
    client, mother, father, child, website, photo
):
    record(mother.user, child, website, photo, "granted")
    record(father.user, child, website, photo, "granted")
    client.force_login(mother.user)
    client.post(reverse("consent_withdraw", args=[child.key]))
    father_voice = decisions(child).filter(guardian=father).first()
    assert father_voice.value == Value.GRANTED
    # ... while the status follows the most restrictive answer (rule 3).
    assert state(child, website, photo, today()) == State.NOT_ALLOWED


# --- History ------------------------------------------------------------------------------


def test_the_history_lists_every_decision_newest_first_with_who_when_and_how(
    english, mother, father, child, website, photo
):
    first = record(mother.user, child, website, photo, "granted")
    second = record(father.user, child, website, photo, "refused")
    english.force_login(mother.user)
    response = english.get(reverse("consent_history", args=[child.key]))
    assert list(response.context["page"]) == [second, first]
    html = response.content.decode()
    assert html.index(escape(father.name)) < html.index(escape(mother.name))
    assert "(guardian)" in html and "online" in html


def test_a_guardian_of_a_student_of_16_sees_only_what_the_guardians_decided(
    client, mother, older, website, photo
):
    with time_machine.travel(amsterdam(2024, 3, 1)):
        ours = record(mother.user, older, website, photo, "granted")
    older.user = f.UserFactory()
    older.save()
    own = record(older.user, older, website, photo, "refused")
    client.force_login(mother.user)
    response = client.get(reverse("consent_history", args=[older.key]))
    assert list(response.context["page"]) == [ours]
    client.force_login(older.user)
    response = client.get(reverse("consent_history", args=[older.key]))
    assert list(response.context["page"]) == [own, ours]


# --- Read-only cards ----------------------------------------------------------------------


def test_a_child_of_16_shows_as_decided_by_themself_since_the_birthday(english, mother, older):
    english.force_login(mother.user)
    html = english.get(reverse("my_consent")).content.decode()
    assert "Decided by Brontë Jansen since May 1, 2024." in html
    assert f'action="{reverse("consent_save", args=[older.key])}"' not in html


def test_a_student_under_16_sees_their_status_but_cannot_change_it(
    english, child, mother, website, photo
):
    record(mother.user, child, website, photo, "granted")
    child.user = f.UserFactory()
    child.save()
    english.force_login(child.user)
    html = english.get(reverse("my_consent")).content.decode()
    assert "Until you are 16, your parents or guardians decide." in html
    assert 'type="radio"' not in html
    assert "allowed" in html


# --- Bad input: 404, 400, 403, and nothing recorded ---------------------------------------


@pytest.mark.parametrize(
    "method,name",
    [
        ("post", "consent_save"),
        ("get", "consent_withdraw"),
        ("post", "consent_withdraw"),
        ("get", "consent_history"),
    ],
)
def test_another_familys_child_is_not_found_on_every_page(
    client, method, name, mother, other_family_guardian, website, photo
):
    other_child = other_family_guardian.students.get()
    record(other_family_guardian.user, other_child, website, photo, "granted")
    client.force_login(mother.user)
    url = reverse(name, args=[other_child.key])
    response = getattr(client, method)(url, {cell(website, photo): "no"})
    assert response.status_code == 404
    assert decisions().count() == 1


def test_another_familys_receipt_is_not_found(
    client, mother, child, other_family_guardian, website, photo
):
    client.force_login(other_family_guardian.user)
    other_child = other_family_guardian.students.get()
    save(client, other_child, {cell(website, photo): "yes"})
    receipt = ConsentReceipt.objects.get()
    client.force_login(mother.user)
    assert client.get(reverse("receipt_pdf", args=[receipt.pk])).status_code == 404
    assert client.get(reverse("receipt_json", args=[receipt.pk])).status_code == 404


def test_an_unknown_purpose_answers_400_and_records_nothing(english, mother, child, website, photo):
    english.force_login(mother.user)
    response = save(english, child, {cell(website, photo): "yes", "consent:tiktok:photo": "yes"})
    assert response.status_code == 400
    assert "The purpose “tiktok” does not exist." in response.content.decode()
    assert decisions().count() == 0


def test_a_purpose_of_another_board_answers_400(client, mother, child, photo):
    elsewhere = f.PurposeFactory(code="elsewhere")
    client.force_login(mother.user)
    response = save(client, child, {cell(elsewhere, photo): "yes"})
    assert response.status_code == 400
    assert decisions().count() == 0


def test_an_unknown_media_type_answers_400_and_records_nothing(english, mother, child, website):
    english.force_login(mother.user)
    response = save(english, child, {"consent:website:hologram": "yes"})
    assert response.status_code == 400
    assert "The media type “hologram” does not exist." in response.content.decode()
    assert decisions().count() == 0


@pytest.mark.parametrize("value", ["maybe", "granted", ""])
def test_an_answer_other_than_yes_or_no_answers_400(client, mother, child, website, photo, value):
    client.force_login(mother.user)
    response = save(client, child, {cell(website, photo): value})
    assert response.status_code == 400
    assert decisions().count() == 0


def test_an_answer_other_than_yes_or_no_is_named_in_the_error(
    english, mother, child, website, photo
):
    english.force_login(mother.user)
    response = save(english, child, {cell(website, photo): "maybe"})
    assert response.status_code == 400
    assert "Answer yes or no, not “maybe”." in response.content.decode()


def test_one_bad_answer_among_good_ones_records_none_of_them(
    client, mother, child, purposes, photo, film
):
    website, yearbook = purposes
    client.force_login(mother.user)
    answers = {cell(website, photo): "yes", cell(yearbook, photo): "no", cell(website, film): "ja"}
    response = save(client, child, answers)
    assert response.status_code == 400
    assert decisions().count() == 0
    assert ConsentReceipt.objects.count() == 0


def test_an_answer_field_with_a_malformed_name_answers_400(english, mother, child, website, photo):
    english.force_login(mother.user)
    response = save(english, child, {cell(website, photo): "yes", "consent:website:photo:x": "yes"})
    assert response.status_code == 400
    assert "The form contains a field this page does not have" in response.content.decode()
    assert decisions().count() == 0


def test_a_purpose_no_longer_asked_about_answers_400(english, mother, child, website, photo):
    website.active = False
    website.save()
    english.force_login(mother.user)
    response = save(english, child, {cell(website, photo): "yes"})
    assert response.status_code == 400
    assert "The purpose “website” does not exist." in response.content.decode()
    assert decisions().count() == 0


def test_fields_that_are_not_answers_are_ignored(client, mother, child, website, photo):
    client.force_login(mother.user)
    response = save(client, child, {cell(website, photo): "yes", "unexpected": "x"})
    assert response.status_code == 302
    assert decisions(child).count() == 1


def test_a_student_of_15_posting_for_themself_answers_403_and_records_nothing(
    english, child, website, photo
):
    child.user = f.UserFactory()
    child.save()
    english.force_login(child.user)
    response = save(english, child, {cell(website, photo): "yes"})
    assert response.status_code == 403
    assert "Until you are 16, your parents or guardians decide." in response.content.decode()
    assert decisions().count() == 0


def test_a_guardian_posting_for_a_child_of_16_answers_403_and_records_nothing(
    english, mother, older, website, photo
):
    english.force_login(mother.user)
    response = save(english, older, {cell(website, photo): "yes"})
    assert response.status_code == 403
    assert "is 16 or older and decides alone" in response.content.decode()
    assert decisions().count() == 0
    response = english.post(reverse("consent_withdraw", args=[older.key]))
    assert response.status_code == 403


def test_an_unknown_purpose_to_withdraw_answers_400(client, mother, child, website, photo):
    record(mother.user, child, website, photo, "granted")
    client.force_login(mother.user)
    response = client.post(reverse("consent_withdraw", args=[child.key]), {"purpose": "nope"})
    assert response.status_code == 400
    assert decisions().count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_purpose_to_withdraw_is_named_in_the_error(
    english, method, mother, child, website, photo
):
    record(mother.user, child, website, photo, "granted")
    english.force_login(mother.user)
    url = reverse("consent_withdraw", args=[child.key])
    response = getattr(english, method)(url, {"purpose": "tiktok"})
    assert response.status_code == 400
    assert "The purpose “tiktok” does not exist." in response.content.decode()
    assert decisions().count() == 1


def test_a_purpose_of_another_board_cannot_be_withdrawn(client, mother, child, website, photo):
    record(mother.user, child, website, photo, "granted")
    elsewhere = f.PurposeFactory(code="elsewhere")
    client.force_login(mother.user)
    url = reverse("consent_withdraw", args=[child.key])
    response = client.post(url, {"purpose": elsewhere.code})
    assert response.status_code == 400
    assert decisions().count() == 1
    assert state(child, website, photo, today()) == State.ALLOWED


def test_every_form_needs_its_csrf_token(mother, child, website, photo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mother.user)
    assert save(client, child, {cell(website, photo): "yes"}).status_code == 403
    assert client.post(reverse("consent_withdraw", args=[child.key])).status_code == 403
    assert decisions().count() == 0


def test_pages_need_a_login(client, child):
    for url in (
        reverse("my_consent"),
        reverse("consent_history", args=[child.key]),
        reverse("consent_withdraw", args=[child.key]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- Receipts -----------------------------------------------------------------------------


def test_a_save_emails_a_receipt_after_commit(
    client, mother, child, purposes, photo, celery_eager, django_capture_on_commit_callbacks
):
    website, yearbook = purposes
    client.force_login(mother.user)
    with django_capture_on_commit_callbacks(execute=True):
        save(client, child, {cell(website, photo): "yes", cell(yearbook, photo): "no"})
    receipt = ConsentReceipt.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [mother.user.email]
    assert child.name in message.subject
    assert str(receipt.pk) in message.body
    assert "Website" in message.body and "Jaarboek" in message.body
    assert reverse("receipt_pdf", args=[receipt.pk]) in message.body
    assert message.alternatives[0][1] == "text/html"


def test_the_receipts_subject_is_plain_text_and_only_its_html_is_escaped(
    client, mother, school, website, photo, celery_eager, django_capture_on_commit_callbacks
):
    child = f.StudentFactory(
        school=school,
        first_name="Zoë & Sem",
        last_name="<Vries>",
        date_of_birth=dt.date(2013, 3, 14),
    )
    Guardianship.objects.create(guardian=mother, student=child)
    client.force_login(mother.user)
    with django_capture_on_commit_callbacks(execute=True):
        save(client, child, {cell(website, photo): "yes"})
    message = mail.outbox[0]
    assert message.subject == "Ontvangstbewijs: uw toestemmingskeuzes voor Zoë & Sem <Vries>"
    assert "Zoë & Sem <Vries>" in message.body
    html = message.alternatives[0][0]
    assert escape("Zoë & Sem <Vries>") in html and "<Vries>" not in html


def test_no_email_is_sent_when_the_save_fails(
    client, mother, child, website, photo, django_capture_on_commit_callbacks
):
    client.force_login(mother.user)
    with django_capture_on_commit_callbacks(execute=True):
        save(client, child, {cell(website, photo): "yes", "consent:nope:photo": "yes"})
    assert mail.outbox == []


def test_the_pdf_receipt_shows_the_decisions(english, board, mother, child, purposes, photo):
    website, _yearbook = purposes
    english.force_login(mother.user)
    save(english, child, {cell(website, photo): "yes"})
    receipt = ConsentReceipt.objects.get()
    response = english.get(reverse("receipt_pdf", args=[receipt.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = "".join(text.split())  # text extraction splits words at kerning
    for expected in (
        str(receipt.pk),
        board.name,
        board.contact_email,
        child.name,
        mother.name,
        "Website",
        "granted",
        ConsentText.objects.in_force(website).sha256[:16],
        "How to withdraw",
    ):
        assert "".join(expected.split()) in text


def test_the_history_lists_the_users_receipts(client, mother, child, website, photo):
    client.force_login(mother.user)
    save(client, child, {cell(website, photo): "yes"})
    client.post(reverse("consent_withdraw", args=[child.key]))
    response = client.get(reverse("consent_history", args=[child.key]))
    assert len(response.context["receipts"]) == 2
    assert reverse("receipt_pdf", args=[ConsentReceipt.objects.first().pk]) in (
        response.content.decode()
    )


def test_the_consent_page_links_to_the_persons_own_data_download(client, school):
    guardian = f.GuardianFactory(students=[f.StudentFactory(school=school)])
    client.force_login(guardian.user)
    html = client.get(reverse("my_consent")).content.decode()
    for fmt in ("pdf", "json"):
        url = reverse("my_data", args=[fmt])
        assert url in html
        assert client.get(url).status_code == 200
