"""Hostile input: random and malicious values to every form and endpoint, wrong methods,
oversized and garbled bodies, unknown ids, forged htmx headers, and the database going away.

Never a 500 (and never a traceback), and an invalid request changes nothing in the database.
The pages are those of the role matrix (tests/permissions_world.py: ALL_PAGES); the Django
admin's own forms are left out (superusers only, and Django's own code).
"""

import logging
import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import OperationalError
from django.db.models import F
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from consents.models import (
    ConsentDecision,
    ConsentReceipt,
    DecisionEvidence,
    Guardian,
    Guardianship,
    LibraryDownload,
    LibraryItem,
    LibraryItemPerson,
    Publication,
    PublicationPerson,
    Role,
    Subject,
    TakedownTask,
)

from . import factories as f
from .permissions_world import ALL_PAGES, page_url, world_build

# The permission world keeps a library photo on disk: in the test's own private folder.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

PAYLOADS = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "²",
    "١٢",
    "' OR 1=1 --",
    "'; DROP TABLE consents_consentdecision; --",
    '"><script>alert(1)</script>',
    "{{ 7*7 }}{% debug %}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "\u202eevil",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 Zoë Çelik",
    '=HYPERLINK("http://x")',
    "\r\nSet-Cookie: x=1",
    "yes\x00",
    "a\x00b",
    "x" * 20_000,
    str(uuid.uuid4()),
]
hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
# POST-only pages: the fields their forms send (the form is on another page).
POST_FIELDS = {
    # An image or a video, not a page with a form: only the query's values.
    "library_thumbnail": [],
    "library_preview": [],
    "consent_save": [
        "consent:website:photo",
        "consent:website:film",
        "consent:nope:photo",
        "purpose:website",
        "purpose:nope",
    ],
    "consent_card_action": ["action", "source"],
    "communications_publication_create": [
        "school",
        "purpose",
        "media_type",
        "candidates",
        "people",
        "title",
        "published_on",
        "url",
        "override_reason",
    ],
    "communications_publication_review": [],
    "set_language": ["language", "next"],
    "account_logout": ["next"],
}
# Pages where a POST without any field is a complete, valid request: there, a request that
# is answered with success may change the database; one that is refused may not.
VALID_WITHOUT_FIELDS = {
    "consent_withdraw": "an empty confirmation withdraws every consent for the person",
    "communications_publication_review": "marks the publication reviewed",
    "library_item_delete": "a ticked confirmation (any value a checkbox takes) deletes the photo",
}
ROLE_PREFERENCE = ("guardian", "communications", "administrator", "superuser", "anonymous")
FIELD_NAME = re.compile(r'\bname="([^"]+)"')
PAGES = [name for name in ALL_PAGES if not name.startswith("admin:")]


def database_state() -> dict:
    """Counts of everything a request of a user could create, change or remove."""
    return {
        "decisions": ConsentDecision.objects.count(),
        "evidence": DecisionEvidence.objects.count(),
        "receipts": ConsentReceipt.objects.count(),
        "publications": Publication.objects.count(),
        "people on publications": PublicationPerson.objects.count(),
        "reviewed": Publication.objects.filter(reviewed_at__isnull=False).count(),
        "open tasks": TakedownTask.objects.filter(closed_at__isnull=True).count(),
        "users": User.objects.count(),
        # (allauth mirrors a user's own address into EmailAddress on its pages: not a change)
        "addresses": EmailAddress.objects.exclude(email=F("user__email")).count(),
        "authenticators": Authenticator.objects.count(),
        "roles": Role.objects.count(),
        "people": Subject.objects.count(),
        "guardians": Guardian.objects.count(),
        "library items": LibraryItem.objects.count(),
        "people on library items": LibraryItemPerson.objects.count(),
        "library downloads": LibraryDownload.objects.count(),
    }


def acting_role(page) -> str:
    expected = page.expected("own")
    return next((r for r in ROLE_PREFERENCE if expected[r] in ("200", "302", "400")), "anonymous")


def client_as(world, role) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def field_names(world, name, page, role) -> list[str]:
    if name in POST_FIELDS:
        return POST_FIELDS[name]
    response = client_as(world, role).get(page_url(world, name, page, role))
    names = set(FIELD_NAME.findall(response.content.decode(errors="replace")))
    return sorted(names - {"csrfmiddlewaretoken"})


@pytest.mark.parametrize("name", PAGES)
def test_random_and_hostile_values_never_cause_a_server_error_or_a_change(name):
    world = world_build()
    page = ALL_PAGES[name]
    role = acting_role(page)
    url = page_url(world, name, page, role)
    fields = field_names(world, name, page, role)
    before = database_state()

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        data=st.dictionaries(
            st.sampled_from([*fields, "unexpected", "school", "q", "page"]),
            st.one_of(hostile, st.lists(hostile, max_size=3)),
            max_size=len(fields) + 2,
        ),
        method=st.sampled_from(["get", "post"]),
        htmx=st.booleans(),
    )
    def hostile_request(data, method, htmx):
        headers = {"HX-Request": "true", "HX-Target": "<main>"} if htmx else {}
        state = database_state() if name in VALID_WITHOUT_FIELDS else before
        response = getattr(client_as(world, role), method)(url, data, headers=headers)
        assert response.status_code < 500, (method, data, response.status_code)
        if name not in VALID_WITHOUT_FIELDS or response.status_code >= 400:
            assert database_state() == state, (method, data, response.status_code)

    hostile_request()


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_a_wrong_method_is_refused_on_every_page(method):
    world = world_build()
    before = database_state()
    errors = []
    for name in PAGES:
        page = ALL_PAGES[name]
        role = acting_role(page)
        response = getattr(client_as(world, role), method)(page_url(world, name, page, role))
        if response.status_code >= 500:
            errors.append(f"{name}: {response.status_code}")
    assert not errors
    assert database_state() == before


@pytest.fixture
def comms_client(communications):
    client = Client(raise_request_exception=False)
    client.force_login(communications)
    return client


def test_an_oversized_post_is_refused_with_400(comms_client, settings):
    response = comms_client.post(
        reverse("communications_group_check"), {"names": "x" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 400


def test_too_many_fields_are_refused_with_400(comms_client):
    data = {f"field{n}": "1" for n in range(1500)}
    assert comms_client.post(reverse("communications_group_check"), data).status_code == 400


def test_a_garbled_multipart_body_is_refused_with_400(comms_client):
    response = comms_client.generic(
        "POST",
        reverse("communications_group_check"),
        b"--nonsense\r\nContent-Disposition: form-data; name=\x00\r\n\r\n",
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400


def test_bytes_that_are_not_utf8_do_not_break_a_form(comms_client, school):
    response = comms_client.generic(
        "POST",
        reverse("communications_group_check"),
        b"school=" + str(school.pk).encode() + b"&names=Zo\xeb+\xff\xfe",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/communications/people/?q=a%00b",
        "/communications/group-check/?school=%C2%B2",
        "/communications/people/99999999999999999999999/",
        "/communications/publications/0/",
        "/communications/takedowns/99999/",
    ],
)
def test_nul_characters_unicode_digits_and_unknown_ids_answer_400_or_404(comms_client, url):
    assert comms_client.get(url).status_code in (400, 404)


def test_unknown_keys_and_receipts_answer_404(client, mother):
    client.force_login(mother.user)
    assert client.get(reverse("consent_history", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("receipt_pdf", args=[uuid.uuid4()])).status_code == 404
    assert client.get("/my/not-a-uuid/history/").status_code == 404


def test_a_form_submitted_twice_records_one_decision(client, mother, child, website, photo):
    client.force_login(mother.user)
    answers = {f"consent:{website.code}:{photo.code}": "yes"}
    for _submit in range(2):
        assert client.post(reverse("consent_save", args=[child.key]), answers).status_code == 302
    assert ConsentDecision.objects.filter(subject=child).count() == 1
    assert ConsentReceipt.objects.filter(subject=child).count() == 1


# --- The database goes away --------------------------------------------------------------


class DatabaseGone:
    """Make every query fail as if PostgreSQL had stopped, after `after` queries succeed."""

    def __init__(self, after=0):
        self.after = after

    def __call__(self, execute, sql, params, many, context):
        if self.after <= 0:
            raise OperationalError(
                'connection to server at "db" (10.0.0.5), port 5432 failed: '
                "server closed the connection unexpectedly; password=secret"
            )
        self.after -= 1
        return execute(sql, params, many, context)


def assert_clear_503(response):
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "try again" in html.lower()
    for detail in ("Traceback", "OperationalError", "10.0.0.5", "password", "5432"):
        assert detail not in html


def test_a_database_outage_answers_503_with_a_clear_message_and_no_details(comms_client, settings):
    from django.db import connection

    settings.LANGUAGE_CODE = "en"
    with connection.execute_wrapper(DatabaseGone()):
        response = comms_client.get(reverse("communications_lookup"), {"q": "x"})
    assert_clear_503(response)
    # Once the database is back, the same process answers again: no restart needed.
    assert comms_client.get(reverse("communications_lookup"), {"q": "x"}).status_code == 200


def test_a_database_outage_is_one_short_log_line_per_request_without_a_traceback(
    comms_client, caplog
):
    """The view's query fails, and so does the session save on the way out: still one line."""
    from django.db import connection

    caplog.set_level(logging.INFO)
    with connection.execute_wrapper(DatabaseGone()):
        response = comms_client.get(reverse("communications_lookup"), {"q": "Zoë"})
    assert response.status_code == 503
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "consent_portal.errors",
            "WARNING",
            "Database unavailable (OperationalError): 503 for GET /communications/people/",
        )
    ]
    assert not caplog.records[0].exc_info
    assert "Traceback" not in caplog.text and "10.0.0.5" not in caplog.text


def test_any_other_error_is_still_logged_with_its_traceback(comms_client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("consents.communications.views.people_search", broken)
    caplog.set_level(logging.INFO)
    assert comms_client.get(reverse("communications_lookup"), {"q": "x"}).status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info[0] is RuntimeError


class DatabaseGoneAtSessionSave:
    """The database goes away as the session is saved, after the view has answered."""

    gone = False

    def __call__(self, execute, sql, params, many, context):
        if 'UPDATE "django_session"' in sql:
            self.gone = True
        if self.gone:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def test_an_outage_as_the_session_is_saved_is_a_503_not_a_bad_request(
    chain_transactional_db, mother, child, purposes, photo, settings, caplog
):
    """Django's session backend reports a failed save as an interrupted session (400); when
    the cause is the database, the parent gets the outage page."""
    from django.db import connection

    settings.LANGUAGE_CODE = "en"
    client = Client(raise_request_exception=False)
    client.force_login(mother.user)
    answers = {f"consent:{purposes[0].code}:{photo.code}": "yes"}
    with connection.execute_wrapper(DatabaseGoneAtSessionSave()):
        response = client.post(reverse("consent_save", args=[child.key]), answers)
    assert_clear_503(response)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        f"Database unavailable (OperationalError): 503 for POST /my/{child.key}/"
    ]
    assert "Traceback" not in caplog.text


def test_an_outage_in_the_middle_of_a_save_leaves_no_half_written_decision(
    chain_transactional_db, school, mother, child, purposes, photo, settings
):
    """The database stops at every point between the first decision written and the
    receipt: every time a 503, and not one decision of the save is kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LANGUAGE_CODE = "en"
    client = Client(raise_request_exception=False)
    client.force_login(mother.user)
    answers = {f"consent:{p.code}:{photo.code}": "yes" for p in purposes}
    # The queries of the same save for two siblings: the first creates what is created once
    # (the school year, the chain head), the second is what the save of `child` will run.
    for _sibling in range(2):
        twin = f.StudentFactory(school=school, date_of_birth=child.date_of_birth)
        Guardianship.objects.create(guardian=mother, student=twin)
        with CaptureQueriesContext(connection) as run:
            response = client.post(reverse("consent_save", args=[twin.key]), answers)
        assert response.status_code == 302
    sqls = [q["sql"] for q in run.captured_queries]
    first = next(i for i, sql in enumerate(sqls) if 'INTO "consents_consentdecision"' in sql)
    last = max(i for i, sql in enumerate(sqls) if 'INTO "consents_consentreceipt_decisions"' in sql)
    assert last - first > 5

    # Cut the connection after ever more queries, until the save got through its commit.
    rolled_back = 0
    for after in range(first + 1, last + 10):
        with connection.execute_wrapper(DatabaseGone(after=after)):
            response = client.post(reverse("consent_save", args=[child.key]), answers)
        kept = ConsentDecision.objects.filter(subject=child).count()
        assert kept in (0, len(purposes)), f"{kept} decisions kept after a cut at query {after}"
        if kept:
            break  # the cut came after the commit
        assert response.status_code == 503, after
        assert ConsentReceipt.objects.filter(subject=child).count() == 0, after
        rolled_back += 1
    assert rolled_back >= last - first - 1  # every cut inside the transaction was undone
    assert ConsentDecision.objects.filter(subject=child).count() == len(purposes)
    assert ConsentReceipt.objects.filter(subject=child).count() == 1


def test_any_other_error_answers_a_plain_500_page(comms_client, monkeypatch, settings):
    settings.LANGUAGE_CODE = "en"

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail about Zoë")

    monkeypatch.setattr("consents.communications.views.people_search", broken)
    response = comms_client.get(reverse("communications_lookup"), {"q": "x"})
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret detail" not in html and "Traceback" not in html
