"""Rule 5: the decision log is append-only and tamper-evident, on SQLite and on PostgreSQL."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import translation

from consents.decisions.chain import chain_verify
from consents.models import ConsentDecision, DecisionEvidence

from . import factories as f
from .helpers import amsterdam, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """These tests read the rules' messages in English (the site default is Dutch)."""
    with translation.override("en"):
        yield


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)


@pytest.fixture
def history(child, mother, father, purposes, photo):
    with time_machine.travel(amsterdam(2026, 10, 1), tick=True):
        for purpose in purposes:
            record(mother.user, child, purpose, photo, "granted")
            record(father.user, child, purpose, photo, "refused")
        record(mother.user, child, purposes[0], photo, "withdrawn")
    return ConsentDecision.objects.order_by("seq")


def test_rule_5_each_event_carries_the_hash_of_the_previous_one(history):
    events = list(history)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
    assert chain_verify().ok
    call_command("verify_consent_chain")


@pytest.mark.parametrize(
    "tampering",
    [
        "hash = '" + "a" * 64 + "'",
        "value = 'refused'",
        "decided_at = decided_at - interval '1 day'",
    ],
    ids=["hash", "value", "time"],
)
def test_rule_5_a_hash_changed_by_sql_is_found_by_verify_consent_chain(history, tampering):
    third = history[2]
    if "interval" in tampering and connection.vendor == "sqlite":
        tampering = "decided_at = datetime(decided_at, '-1 day')"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"UPDATE consents_consentdecision SET {tampering} WHERE id = %s", [third.pk])
    report = chain_verify()
    assert report.first_broken_seq == 3
    with pytest.raises(CommandError, match="Chain broken at event 3"):
        call_command("verify_consent_chain")


def test_rule_5_erasing_personal_evidence_leaves_the_chain_verifiable(history, child):
    DecisionEvidence.objects.all().delete()
    child.first_name, child.last_name = "", ""
    child.save()
    for guardian_user in {e.decided_by for e in history}:
        guardian_user.email = f"erased-{guardian_user.pk}@invalid"
        guardian_user.first_name = guardian_user.last_name = ""
        guardian_user.save()
    assert chain_verify().ok


@postgres_only
def test_rule_5_postgresql_refuses_raw_update_delete_and_truncate(history):
    for sql in (
        "UPDATE consents_consentdecision SET value = 'granted'",
        "DELETE FROM consents_consentdecision",
        "TRUNCATE consents_consentdecision CASCADE",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                # The test's transaction defers foreign-key checks; TRUNCATE needs them done.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(sql)
    assert ConsentDecision.objects.count() == 5


@postgres_only
@pytest.mark.usefixtures("chain_transactional_db")
def test_rule_5_concurrent_recording_never_forks_the_chain(school, purposes):
    """8 threads recording 50 decisions each leave one unbroken chain of 400 links."""
    children = [f.StudentFactory(school=school) for _ in range(8)]
    guardians = [f.GuardianFactory(students=[c]) for c in children]
    media = [f.media(code) for code in ("photo", "film", "sound")]
    start = threading.Barrier(8)
    errors = []

    def work(guardian, student):
        try:
            start.wait()
            for i in range(50):
                value = "granted" if i % 2 == 0 else "refused"
                record(guardian.user, student, purposes[i % 2], media[i % 3], value)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=pair) for pair in zip(guardians, children, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ConsentDecision.objects.count() == 400
    assert sorted(ConsentDecision.objects.values_list("seq", flat=True)) == list(range(1, 401))
    report = chain_verify()
    assert report.ok and report.checked == 400


def test_rule_5_verify_reports_a_missing_event(history):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM consents_consentstatus")
        cursor.execute(
            "DELETE FROM consents_decisionevidence WHERE decision_id = %s", [history[1].pk]
        )
        cursor.execute("DELETE FROM consents_consentdecision WHERE seq = 2")
    report = chain_verify()
    assert report.first_broken_seq == 2 and "missing" in report.problem


def test_decisions_are_dated_in_the_school_year_of_amsterdam(child, mother, website, photo):
    # 31 July 23:30 in Amsterdam belongs to the old school year; 00:30 on 1 August to the new.
    with time_machine.travel(amsterdam(2026, 7, 31, 23, 30), tick=False):
        old = record(mother.user, child, website, photo)
    with time_machine.travel(amsterdam(2026, 8, 1, 0, 30), tick=False):
        new = record(mother.user, child, website, photo, "refused")
    assert old.school_year.start_date == dt.date(2025, 8, 1)
    assert new.school_year.start_date == dt.date(2026, 8, 1)
