"""The library tests' fixtures, loaded with `pytest_plugins` by the modules that use them:
private storage at a fixed moment, and a class with three pupils."""

import datetime as dt

import pytest
import time_machine

from . import factories as f
from .helpers import record
from .library_helpers import NOW


@pytest.fixture
def library_storage(private_media):
    """Library files in the test's private folder; the clock at NOW."""
    with time_machine.travel(NOW, tick=False):
        yield private_media


@pytest.fixture
def group(school):
    year = f.SchoolYearFactory(board=school.board, start_date=dt.date(2026, 8, 1))
    return f.GroupFactory(school=school, school_year=year, name="G1a")


@pytest.fixture
def pupils(group, child, mother, purposes, photo):
    """Zoë (allowed everywhere by her mother), Sem (refused the website), Lotte (no answer)."""
    child.group = group
    child.save()
    sem = f.StudentFactory(school=group.school, group=group, first_name="Sem", last_name="Bakker")
    lotte = f.StudentFactory(school=group.school, group=group, first_name="Lotte", last_name="Smit")
    sem_parent = f.GuardianFactory(students=[sem])
    for purpose in purposes:
        record(mother.user, child, purpose, photo)
    website, yearbook = purposes
    record(sem_parent.user, sem, website, photo, value="refused")
    record(sem_parent.user, sem, yearbook, photo)
    return child.subject_ptr, sem.subject_ptr, lotte.subject_ptr
