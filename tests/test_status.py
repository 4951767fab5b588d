"""The current-status table equals a rebuild from the log after any history (hypothesis)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consents.decisions.services import InvalidDecision
from consents.models import ConsentStatus, MediaType
from consents.rules import DecisionNotAllowed, verdicts

from . import factories as f
from .helpers import amsterdam, record

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        ConsentStatus.objects.values_list(
            "subject_id", "purpose_id", "media_type_id", "guardian_id", "decision_id"
        )
    )


step = st.tuples(
    st.integers(0, 3),  # which actor
    st.integers(0, 1),  # which purpose
    st.integers(0, 2),  # which media type
    st.sampled_from(["granted", "refused", "withdrawn"]),
    st.integers(0, 800),  # days after 1 September 2026
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_rebuilt_status_equals_the_incrementally_kept_one(school, purposes, steps):
    child = f.StudentFactory(school=school, date_of_birth=dt.date(2012, 1, 10))
    sibling = f.StudentFactory(school=school, date_of_birth=dt.date(2010, 11, 3))
    sibling.user = f.UserFactory()
    sibling.save()
    guardians = [f.GuardianFactory(students=[child, sibling]) for _ in range(2)]
    admin = f.RoleFactory(school=school).user
    media = list(MediaType.objects.all())
    actors = [guardians[0].user, guardians[1].user, sibling.user, admin]
    day = 0
    for actor_index, purpose_index, media_index, value, days in steps:
        day = max(day, days)
        moment = amsterdam(2026, 9, 1) + dt.timedelta(days=day)
        actor = actors[actor_index]
        subject = sibling if actor_index == 2 else child
        kwargs = {}
        if actor is admin:
            kwargs = {"method": "recorded", "note": "phone", "guardian": guardians[0]}
        with time_machine.travel(moment, tick=False):
            try:
                record(actor, subject, purposes[purpose_index], media[media_index], value, **kwargs)
            except (DecisionNotAllowed, InvalidDecision):
                pass
    kept = snapshot()
    call_command("rebuild_consent_status", stdout=io.StringIO())
    assert snapshot() == kept


def test_verdicts_for_many_people_take_a_constant_number_of_queries(
    school, purposes, django_assert_max_num_queries
):
    media = list(MediaType.objects.all())
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        for size in (3, 30):
            students = [f.StudentFactory(school=school) for _ in range(size)]
            for student in students:
                guardian = f.GuardianFactory(students=[student])
                record(guardian.user, student, purposes[0], media[0], "granted")
            with django_assert_max_num_queries(7):
                result = verdicts([s.pk for s in students], on=dt.date(2026, 10, 1))
            assert len(result) == size * len(purposes) * len(media)
