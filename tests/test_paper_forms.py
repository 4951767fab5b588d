"""Administrators enter paper forms (with a scan) and decisions given in person (with a note)."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from consents.models import ConsentDecision, DecisionEvidence
from consents.rules import State

from . import factories as f
from .helpers import amsterdam, record, state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TODAY = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def in_october_2026(private_media):
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


def url(subject):
    return reverse("paper_record", args=[subject.key])


def answer(purpose, media_type):
    return f"answer_{purpose.id}_{media_type.id}"


def post(client, subject, **data):
    return client.post(url(subject), data)


def scans(private_media):
    return [p for p in private_media.rglob("*") if p.is_file()]


def test_administrator_records_a_paper_form_for_the_guardian_whose_form_it_is(
    client, administrator, child, mother, father, website, photo, private_media
):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="Formulier ingeleverd bij de administratie op 30 september.",
        scan=SimpleUploadedFile("formulier.pdf", PDF, content_type="application/pdf"),
        **{answer(website, photo): "granted"},
    )
    assert response.status_code == 302
    decision = ConsentDecision.objects.get()
    assert (decision.method, decision.capacity) == ("paper", "administrator")
    assert decision.guardian == mother and decision.decided_by == administrator
    assert decision.evidence.note.startswith("Formulier ingeleverd")
    stored = scans(private_media)
    assert len(stored) == 1 and stored[0].suffix == ".pdf" and stored[0].read_bytes() == PDF
    assert state(child, website, photo, TODAY) == State.ALLOWED


def test_one_form_records_several_answers_sharing_one_scan(
    client, administrator, child, mother, purposes, photo, private_media
):
    client.force_login(administrator)
    film = f.media("film")
    post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="Papieren formulier",
        scan=SimpleUploadedFile("scan.png", PNG),
        **{answer(purposes[0], photo): "granted", answer(purposes[1], film): "refused"},
    )
    assert ConsentDecision.objects.count() == 2
    assert len({e.scan.name for e in DecisionEvidence.objects.all()}) == 1
    assert len(scans(private_media)) == 1


def test_a_decision_given_in_person_needs_a_note(
    client, administrator, child, mother, website, photo
):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="recorded",
        guardian=mother.pk,
        note="  ",
        **{answer(website, photo): "refused"},
    )
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    assert ConsentDecision.objects.count() == 0


def test_a_recorded_decision_with_a_note_needs_no_scan(
    client, administrator, child, mother, website, photo
):
    client.force_login(administrator)
    post(
        client,
        child,
        method="recorded",
        guardian=mother.pk,
        note="Moeder belde op 30 september, genoteerd door J. de Boer",
        **{answer(website, photo): "refused"},
    )
    decision = ConsentDecision.objects.get()
    assert decision.method == "recorded" and not decision.evidence.scan


def test_a_paper_form_needs_its_scan(client, administrator, child, mother, website, photo):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="formulier",
        **{answer(website, photo): "granted"},
    )
    assert "scan" in response.context["form"].errors
    assert ConsentDecision.objects.count() == 0


@pytest.mark.parametrize(
    "name, content",
    [
        ("formulier.pdf", b"<html><script>alert(1)</script></html>"),
        ("formulier.jpg", b"MZ\x90\x00 an executable"),
        ("formulier.png", b"GIF89a not a png"),
    ],
)
def test_a_scan_is_checked_by_its_content_not_its_name(
    client, administrator, child, mother, website, photo, private_media, name, content
):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="formulier",
        scan=SimpleUploadedFile(name, content),
        **{answer(website, photo): "granted"},
    )
    assert "PDF, JPEG or PNG" in str(response.context["form"].errors["scan"])
    assert ConsentDecision.objects.count() == 0
    assert scans(private_media) == []


def test_a_real_png_with_another_name_is_stored_as_png(
    client, administrator, child, mother, website, photo, private_media
):
    client.force_login(administrator)
    history = client.get(reverse("person_detail", args=[child.key])).content.decode()
    assert '<td colspan="7">No decisions yet.</td>' in history
    post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="formulier",
        scan=SimpleUploadedFile("scan.txt", PNG),
        **{answer(website, photo): "granted"},
    )
    assert [p.suffix for p in scans(private_media)] == [".png"]


def test_a_scan_over_the_size_limit_is_refused(
    client, settings, administrator, child, mother, website, photo
):
    settings.SCAN_MAX_BYTES = 50
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="formulier",
        scan=SimpleUploadedFile("scan.pdf", PDF + b"x" * 100),
        **{answer(website, photo): "granted"},
    )
    assert "larger than" in str(response.context["form"].errors["scan"])
    assert ConsentDecision.objects.count() == 0


def test_for_a_child_under_16_the_guardian_must_be_named(
    client, administrator, child, mother, website, photo
):
    client.force_login(administrator)
    response = post(
        client, child, method="recorded", note="telefoon", **{answer(website, photo): "granted"}
    )
    assert "guardian" in response.context["form"].errors
    assert ConsentDecision.objects.count() == 0


def test_a_student_of_16_decides_alone_so_no_guardian_is_asked(
    client, administrator, school, website, photo
):
    student = f.StudentFactory(school=school, date_of_birth=dt.date(2009, 6, 1))
    f.GuardianFactory(students=[student])
    client.force_login(administrator)
    page = client.get(url(student))
    assert "guardian" not in page.context["form"].fields
    post(
        client,
        student,
        method="recorded",
        note="zei het zelf",
        **{answer(website, photo): "refused"},
    )
    decision = ConsentDecision.objects.get()
    assert decision.guardian is None and decision.capacity == "administrator"


def test_an_invalid_answer_writes_nothing_and_keeps_no_scan(
    client, administrator, child, mother, purposes, photo, private_media
):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="formulier",
        scan=SimpleUploadedFile("scan.pdf", PDF),
        **{answer(purposes[0], photo): "granted", answer(purposes[1], photo): "withdrawn"},
    )
    assert response.status_code == 200
    assert "no consent to withdraw" in response.content.decode()
    assert ConsentDecision.objects.count() == 0
    assert scans(private_media) == []


@pytest.mark.parametrize("exception", [RuntimeError, SystemExit])
def test_a_crash_or_a_stopped_worker_while_recording_keeps_no_scan(
    client, administrator, child, mother, website, photo, private_media, monkeypatch, exception
):
    """SystemExit is what gunicorn raises in a worker it stops for taking too long."""

    def crash(**kwargs):
        raise exception("unexpected")

    monkeypatch.setattr("consents.decisions.paper.decision_record", crash)
    client.force_login(administrator)
    with pytest.raises(exception):
        post(
            client,
            child,
            method="paper",
            guardian=mother.pk,
            note="formulier",
            scan=SimpleUploadedFile("scan.pdf", PDF),
            **{answer(website, photo): "granted"},
        )
    assert ConsentDecision.objects.count() == 0
    assert scans(private_media) == []


def test_another_familys_guardian_cannot_be_named_on_the_form(
    client, administrator, child, mother, other_family_guardian, website, photo, private_media
):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="paper",
        guardian=other_family_guardian.pk,
        note="formulier",
        scan=SimpleUploadedFile("scan.pdf", PDF),
        **{answer(website, photo): "granted"},
    )
    assert response.status_code == 200
    assert "guardian" in response.context["form"].errors
    assert ConsentDecision.objects.count() == 0
    assert scans(private_media) == []


@pytest.mark.parametrize("value", ["yes", "GRANTED", "withdrawn ", "1"])
def test_an_answer_that_is_not_one_of_the_choices_is_a_form_error(
    client, administrator, child, mother, website, photo, value
):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="recorded",
        guardian=mother.pk,
        note="telefoon",
        **{answer(website, photo): value},
    )
    assert response.status_code == 200
    assert answer(website, photo) in response.context["form"].errors
    assert ConsentDecision.objects.count() == 0


def test_an_answer_for_a_purpose_of_another_board_is_not_recorded(
    client, administrator, child, mother, photo
):
    elsewhere = f.PurposeFactory(code="elsewhere")
    client.force_login(administrator)
    response = post(
        client,
        child,
        method="recorded",
        guardian=mother.pk,
        note="telefoon",
        **{answer(elsewhere, photo): "granted"},
    )
    assert response.status_code == 200
    assert "Choose at least one answer." in response.context["form"].non_field_errors()
    assert ConsentDecision.objects.count() == 0


@pytest.mark.parametrize("method", ["online", "", "PAPER"])
def test_a_method_other_than_paper_or_recorded_is_a_form_error(
    client, administrator, child, mother, website, photo, method
):
    client.force_login(administrator)
    response = post(
        client,
        child,
        method=method,
        guardian=mother.pk,
        note="telefoon",
        **{answer(website, photo): "granted"},
    )
    assert response.status_code == 200
    assert "method" in response.context["form"].errors
    assert ConsentDecision.objects.count() == 0


def test_an_administrator_of_another_school_posting_a_form_gets_404(
    client, other_school_administrator, child, mother, website, photo
):
    client.force_login(other_school_administrator)
    response = post(
        client,
        child,
        method="recorded",
        guardian=mother.pk,
        note="telefoon",
        **{answer(website, photo): "granted"},
    )
    assert response.status_code == 404
    assert ConsentDecision.objects.count() == 0


def test_the_scan_is_served_to_administrators_of_the_school_only(
    client,
    administrator,
    other_school_administrator,
    council_member,
    child,
    mother,
    website,
    photo,
):
    client.force_login(administrator)
    history = client.get(reverse("person_detail", args=[child.key])).content.decode()
    assert '<td colspan="7">No decisions yet.</td>' in history
    post(
        client,
        child,
        method="paper",
        guardian=mother.pk,
        note="formulier",
        scan=SimpleUploadedFile("scan.pdf", PDF),
        **{answer(website, photo): "granted"},
    )
    scan_url = reverse("scan_download", args=[ConsentDecision.objects.get().id])
    history = client.get(reverse("person_detail", args=[child.key])).content.decode()
    row = re.search(r"<tr>\s*<td>1</td>.*?</tr>", history, re.S).group(0)
    row = re.sub(r">\s+<", "><", " ".join(row.split()))
    assert f"{escape(mother.name)} (guardian), entered by {escape(str(administrator))}" in row
    assert f'paper form · <a href="{scan_url}">scan</a></td><td>formulier</td>' in row
    response = client.get(scan_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(other_school_administrator)
    assert client.get(scan_url).status_code == 404
    client.force_login(council_member)
    assert client.get(scan_url).status_code == 403
    client.force_login(mother.user)
    assert client.get(scan_url).status_code == 403
    client.logout()
    assert client.get(scan_url).status_code == 302


def test_scans_live_outside_any_public_url(client, settings, private_media):
    assert not str(private_media).startswith(str(settings.STATIC_ROOT))
    (private_media / "scans").mkdir()
    (private_media / "scans" / "secret.pdf").write_bytes(PDF)
    for path in ("/scans/secret.pdf", "/media/scans/secret.pdf", "/static/scans/secret.pdf"):
        assert client.get(path).status_code == 404


def test_administrator_of_another_school_gets_404_for_the_person(
    client, other_school_administrator, child
):
    client.force_login(other_school_administrator)
    assert client.get(url(child)).status_code == 404
    assert client.get(reverse("person_detail", args=[child.key])).status_code == 404
    listing = client.get(reverse("people_list"))
    assert child.name not in listing.content.decode()


def test_council_members_and_guardians_may_not_enter_forms(client, council_member, child, mother):
    for user in (council_member, mother.user):
        client.force_login(user)
        assert client.get(url(child)).status_code == 403
        assert client.get(reverse("people_list")).status_code == 403


def test_the_person_page_shows_the_history_with_method_and_note(
    client, administrator, child, mother, website, photo
):
    record(mother.user, child, website, photo)
    client.force_login(administrator)
    post(
        client,
        child,
        method="recorded",
        guardian=mother.pk,
        note="Belde op maandag",
        **{answer(website, photo): "withdrawn"},
    )
    page = client.get(reverse("person_detail", args=[child.key])).content.decode()
    assert "Belde op maandag" in page and child.name in page
    assert state(child, website, photo, TODAY) == State.NOT_ALLOWED
