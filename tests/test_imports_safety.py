"""What an import asks before it writes: many leavers, a changed identity, a dropped guardian."""

import datetime as dt

import pytest
import time_machine

from consents.models import Guardianship, ImportRun, Student

from .helpers import amsterdam
from .import_helpers import DOCS, confirm, page, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "private_media")]

HEADER = "leerlingnummer;roepnaam;tussenvoegsel;achternaam;geboortedatum;klas"
EXAMPLE = (DOCS / "leerlingen.csv").read_bytes()


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def csv_file(*rows, header=HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig")


def imported(client, school, content, **data):
    """Upload and import at once, as an earlier import did."""
    assert "Import now" in page(upload(client, school, content, **data))
    text = page(confirm(client))
    assert "The file has been imported." in text
    return text


def example_without(*numbers: str) -> bytes:
    lines = EXAMPLE.split(b"\r\n") if b"\r\n" in EXAMPLE else EXAMPLE.split(b"\n")
    return b"\n".join(line for line in lines if not any(n.encode() in line for n in numbers))


def left(school) -> list[str]:
    return sorted(
        Student.objects.filter(school=school, date_left__isnull=False).values_list(
            "student_number", flat=True
        )
    )


def test_a_full_import_marking_over_a_tenth_as_left_stops_and_names_the_count(admin_client, school):
    imported(admin_client, school, EXAMPLE)
    text = page(upload(admin_client, school, example_without("100104", "100105"), full="on"))
    assert "This full import marks 2 people as left" in text
    assert "2 of the 5 people of Waldheim-mavo: more than one in ten." in text
    assert "Yes, mark 2 people as left" in text
    # "Import now" without the tick writes nothing, and the run can still be confirmed
    text = page(confirm(admin_client, leaving=2))
    assert "Nothing was imported: confirm that 2 people are marked as left." in text
    assert left(school) == []
    assert ImportRun.objects.latest("pk").status == ImportRun.Status.CHECKED
    text = page(confirm(admin_client, leaving=2, confirm_leaving="on"))
    assert "The file has been imported." in text
    assert left(school) == ["100104", "100105"]


def test_a_confirmation_of_another_count_writes_nothing(admin_client, school):
    imported(admin_client, school, EXAMPLE)
    upload(admin_client, school, example_without("100104", "100105"), full="on")
    text = page(confirm(admin_client, leaving=1, confirm_leaving="on"))
    assert "Nothing was imported: confirm that 2 people are marked as left." in text
    assert left(school) == []


def test_a_full_import_that_matches_nobody_stops_at_the_dry_run(admin_client, school):
    imported(admin_client, school, EXAMPLE)
    other_school_file = csv_file("200001;Noor;;Bos;01-02-2012;1b", "200002;Ties;;Bos;01-02-2014;1b")
    text = page(upload(admin_client, school, other_school_file, full="on"))
    assert "This full import marks 5 people as left" in text
    assert "Nobody in the file is known at this school" in text
    page(confirm(admin_client))
    assert left(school) == [] and Student.objects.count() == 5


def test_a_full_import_marking_a_tenth_or_fewer_as_left_does_not_ask(admin_client, school):
    rows = [f"{300000 + i};Kind{i};;Jansen;01-02-2013;1a" for i in range(10)]
    imported(admin_client, school, csv_file(*rows))
    text = page(upload(admin_client, school, csv_file(*rows[1:]), full="on"))
    assert "mass-leave" not in text
    page(confirm(admin_client))
    assert left(school) == ["300000"]


def test_a_student_number_with_another_name_and_birth_date_is_held_for_review(admin_client, school):
    imported(admin_client, school, EXAMPLE)
    changed = EXAMPLE.replace(
        b"100105;Tess;van den;Berg;30-09-2011", b"100105;Fleur;;Smit;12-12-2012"
    )
    changed = changed.replace(b"100102;Daan;;", b"100102;Daniel;;")  # a name only: applied
    text = page(upload(admin_client, school, changed))
    assert "1 student held for review" in text
    assert (
        "Tess van den Berg (100105): name and date of birth both differ: Tess van den Berg, "
        "born 30-09-2011 → Fleur Smit, born 12-12-2012" in text
    )
    page(confirm(admin_client))
    tess = Student.objects.get(student_number="100105")
    assert (tess.first_name, tess.date_of_birth) == ("Tess", dt.date(2011, 9, 30))
    assert Student.objects.get(student_number="100102").first_name == "Daniel"


def test_a_held_identity_change_is_applied_when_confirmed(admin_client, school):
    imported(admin_client, school, EXAMPLE)
    changed = EXAMPLE.replace(
        b"100105;Tess;van den;Berg;30-09-2011", b"100105;Fleur;;Smit;12-12-2012"
    )
    upload(admin_client, school, changed)
    page(confirm(admin_client, apply_held="on"))
    fleur = Student.objects.get(student_number="100105")
    assert (fleur.first_name, fleur.last_name, fleur.date_of_birth) == (
        "Fleur",
        "Smit",
        dt.date(2012, 12, 12),
    )


def test_a_guardian_dropped_from_the_file_is_reported_in_the_dry_run(admin_client, school):
    imported(admin_client, school, EXAMPLE)
    dropped = EXAMPLE.replace(b";Inge;;Visser;inge.visser@example.org", b";;;;")
    text = page(upload(admin_client, school, dropped))
    assert (
        "Inge Visser <inge.visser@example.org> is no longer listed as a guardian of "
        "Tess van den Berg (100105) and is unlinked" in text
    )
    assert Guardianship.objects.filter(guardian__user__email="inge.visser@example.org").exists()
