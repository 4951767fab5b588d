"""The board generator: deterministic, a valid hash chain, a status table equal to a rebuild."""

import datetime as dt
import hashlib
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from benchmarks.generate import board_generate, pack, unpack
from consents.dates import age_on, school_date
from consents.decisions.chain import chain_verify
from consents.decisions.services import consent_status_rebuild
from consents.models import (
    ChainHead,
    ConsentDecision,
    ConsentStatus,
    DecisionEvidence,
    Guardian,
    Guardianship,
    StaffMember,
    Student,
    Subject,
)
from consents.rules import Decider, State, decider_on, verdicts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)
SMALL = {"students": 150, "today": TODAY}


def fingerprint() -> str:
    """A digest of the people, families and the whole log (through the chain head's hash)."""
    digest = hashlib.sha256()
    for rows in (
        Subject.objects.order_by("key").values_list("key", "kind", "first_name", "last_name"),
        Student.objects.order_by("key").values_list(
            "key", "student_number", "date_of_birth", "school__name", "group__name"
        ),
        Guardianship.objects.order_by("guardian__key", "student__key").values_list(
            "guardian__key", "student__key"
        ),
        StaffMember.objects.order_by("key", "schools__name").values_list("key", "schools__name"),
        ChainHead.objects.values_list("seq", "hash"),
    ):
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def generated_fingerprint(**options) -> str:
    with transaction.atomic():
        board_generate(**options)
        result = fingerprint()
        transaction.set_rollback(True)
    return result


def status_rows() -> set[tuple]:
    return set(
        ConsentStatus.objects.values_list(
            "subject_id", "purpose_id", "media_type_id", "guardian_id", "decision_id"
        )
    )


def test_packed_events_unpack_to_what_was_packed():
    event = (1_789_000_123_456, 49_999, 90_001, 9, 2, 1, 4)
    assert unpack(pack(*event)) == event


def test_the_same_seed_generates_the_same_board_and_another_seed_another():
    first = generated_fingerprint(seed=1, **SMALL)
    assert generated_fingerprint(seed=1, **SMALL) == first
    assert generated_fingerprint(seed=2, **SMALL) != first


def test_the_generated_log_is_a_valid_hash_chain():
    report = board_generate(seed=1, **SMALL)
    total = ConsentDecision.objects.count()
    assert total > 5000
    assert chain_verify().ok
    assert chain_verify().checked == total
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (total, report.head_hash)
    assert DecisionEvidence.objects.count() == total
    out = io.StringIO()
    call_command("verify_consent_chain", stdout=out)
    assert f"{total} events verified" in out.getvalue()


def test_the_status_table_equals_a_rebuild_from_the_log():
    board_generate(seed=3, **SMALL)
    generated = status_rows()
    assert generated
    consent_status_rebuild()
    assert status_rows() == generated


def test_the_generated_board_looks_like_a_real_one():
    board_generate(seed=1, **SMALL)
    students = list(Student.objects.all())
    assert len(students) == 150
    assert {age_on(s.date_of_birth, TODAY) for s in students} <= set(range(11, 20))
    per_student = Counter(Guardianship.objects.values_list("student_id", flat=True))
    assert set(per_student.values()) <= {1, 2} and len(per_student) == 150
    per_guardian = Counter(Guardianship.objects.values_list("guardian_id", flat=True))
    assert max(per_guardian.values()) >= 2, "siblings share guardians"
    assert 1.6 < Guardian.objects.count() / 150 < 2.0
    staff_schools = Counter(StaffMember.schools.through.objects.values_list("staffmember_id"))
    assert set(staff_schools.values()) <= {1, 2, 3}

    values = Counter(ConsentDecision.objects.values_list("value", flat=True))
    assert values["granted"] > values["refused"] > values["withdrawn"] > 0
    assert ConsentDecision.objects.dates("decided_at", "year").count() >= 5
    assert not ConsentDecision.objects.filter(decided_at__date__gte=TODAY).exists()

    # Every decision was one its author could make on that day (rule 1).
    born = dict(Student.objects.values_list("id", "date_of_birth"))
    for subject_id, guardian_id, capacity, decided_at in ConsentDecision.objects.values_list(
        "subject_id", "guardian_id", "capacity", "decided_at"
    ):
        decider = decider_on(born.get(subject_id), school_date(decided_at))
        assert (guardian_id is not None) == (decider == Decider.GUARDIANS)
        if capacity in ("guardian", "self", "staff"):
            assert capacity == {Decider.GUARDIANS: "guardian"}.get(
                decider, "self" if subject_id in born else "staff"
            )

    found = verdicts(born, on=TODAY)
    states = Counter(v.state for v in found.values())
    assert states[State.ALLOWED] and states[State.NOT_ALLOWED] and states[State.NO_ANSWER]
    assert any(v.disputed for v in found.values())
    assert any(v.not_renewed for v in found.values())


def test_a_database_with_decisions_is_refused_and_left_alone():
    board_generate(seed=1, students=20, today=TODAY)
    subjects = Subject.objects.count()
    with pytest.raises(CommandError, match="already holds consent decisions"):
        call_command("generate_board", students=20, seed=2, stdout=io.StringIO())
    assert Subject.objects.count() == subjects
