"""No personal data in the application's logs.

Canary people (names and addresses that occur nowhere else) go through the main flows:
login by code (with a wrong code first), a failed password, saving and withdrawing consent,
the history and receipt, lookup, person page, group check, recording a publication, closing
the takedown task it got, and pages of someone else (404). Every log record written on the
way, at any level, is searched for the canaries.
"""

import io
import logging
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from consent_portal.log_filters import RedactEmailAddresses
from consents.models import ConsentReceipt, Role, TakedownTask

from . import factories as f

pytestmark = pytest.mark.django_db

CANARIES = [
    "Canarina",
    "Kanarie",
    "Kwetter",
    "Pietje",
    "canary.ouder@example.org",
    "canary.teacher@example.org",
    "canary.comms@example.org",
]


@pytest.fixture
def canaries(school, purposes):
    group = f.GroupFactory(school=school, name="2c")
    child = f.StudentFactory(school=school, group=group, first_name="Canarina", last_name="Kanarie")
    parent = f.GuardianFactory(
        user__email="canary.ouder@example.org",
        user__first_name="Kwetter",
        user__last_name="Kanarie",
        students=[child],
    )
    f.StaffMemberFactory(
        board=school.board,
        schools=[school],
        first_name="Pietje",
        last_name="Kanarie",
        user__email="canary.teacher@example.org",
        user__password="a-long-staff-password-2026",
    )
    comms = f.RoleFactory(
        school=school, kind=Role.Kind.COMMUNICATIONS, user__email="canary.comms@example.org"
    ).user
    return child, parent, comms


def leaked(records) -> list[str]:
    found = []
    for record in records:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        found += [
            f"{record.name}: {canary} in {text[:200]!r}"
            for canary in CANARIES
            if canary.lower() in text.lower()
        ]
    return found


def test_the_main_flows_write_no_name_or_address_to_the_logs(
    canaries, school, website, photo, caplog, celery_eager, django_capture_on_commit_callbacks
):
    child, parent, comms = canaries
    caplog.set_level(logging.DEBUG)

    # A parent: a wrong code, the right code, a yes, a withdrawal, the history and the receipt.
    browser = Client()
    browser.post(reverse("account_request_login_code"), {"email": parent.user.email})
    code = re.search(r"\b(\d{4}-\d{4})\b", mail.outbox[-1].body).group(1)
    browser.post(reverse("account_confirm_login_code"), {"code": "0000-0001"})
    browser.post(reverse("account_confirm_login_code"), {"code": code})
    assert "_auth_user_id" in browser.session
    field = f"consent:{website.code}:{photo.code}"
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            browser.post(reverse("consent_save", args=[child.key]), {field: "yes"}).status_code
            == 302
        )

    # Communications staff: lookup, person, group check, publication.
    staff = Client()
    staff.force_login(comms)
    assert (
        "Kanarie" in staff.get(reverse("communications_lookup"), {"q": "Kanarie"}).content.decode()
    )
    staff.get(reverse("communications_person", args=[child.pk]))
    staff.post(
        reverse("communications_group_check"),
        {
            "school": school.pk,
            "purpose": website.pk,
            "media_type": photo.pk,
            "names": "Canarina Kanarie\nPietje Kanarie\nOnbekende Kanarie",
        },
    )
    response = staff.post(
        reverse("communications_publication_create"),
        {
            "school": school.pk,
            "purpose": website.pk,
            "media_type": photo.pk,
            "candidates": [child.pk],
            "people": [child.pk],
            "title": "Open dag",
            "published_on": "2026-09-01",
            "url": "",
            "override_reason": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("consent_withdraw", args=[child.key]), {"purpose": website.code})
    task = TakedownTask.objects.get(subject=child)
    staff.post(
        reverse("communications_takedown", args=[task.pk]), {"outcome": "removed", "reason": ""}
    )
    browser.get(reverse("consent_history", args=[child.key]))
    receipt = ConsentReceipt.objects.filter(subject=child).first()
    assert browser.get(reverse("receipt_json", args=[receipt.pk])).status_code == 200

    # Failures: a wrong password, pages of others, a tampered form.
    Client().post(
        reverse("account_login"),
        {"login": "canary.teacher@example.org", "password": "wrong-password-Kanarie"},
    )
    other = Client()
    other.force_login(f.GuardianFactory().user)
    assert other.get(reverse("consent_history", args=[child.key])).status_code == 404
    assert (
        browser.post(
            reverse("consent_save", args=[child.key]), {"consent:x:Kanarie": "yes"}
        ).status_code
        == 400
    )

    assert len(mail.outbox) >= 3  # the code, receipts, the takedown notice: mail was sent
    # The capture works: the security log of the wrong code and password is in it, masked.
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Wrong login code for ca***@example.org") for m in messages)
    assert any(m.startswith("Failed password login for ca***@example.org") for m in messages)
    assert not leaked(caplog.records), "\n".join(leaked(caplog.records))


def test_an_address_that_slips_into_a_log_line_is_masked_in_the_output():
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(flt, RedactEmailAddresses) for flt in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logger = logging.getLogger("consents.test")
        logger.error("Mail to %s bounced", "canary.ouder@example.org")
        try:
            raise ValueError("unknown recipient canary.teacher@example.org")
        except ValueError:
            logger.exception("Sending failed")
    finally:
        handler.setStream(previous)
    output = stream.getvalue()
    assert "Mail to ca***@example.org bounced" in output
    assert "ValueError: unknown recipient ca***@example.org" in output
    assert "canary.ouder" not in output and "canary.teacher" not in output
