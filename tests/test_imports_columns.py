"""Dutch exports as they are: Magister and Somtoday headers, and columns a school maps once."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import Workbook

from consents.models import Guardian, ImportColumn, Student

from .helpers import amsterdam
from .import_helpers import DATA, confirm, page, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "private_media")]

MAGISTER = (DATA / "magister-leerlingen.csv").read_bytes()
SOMTODAY = (DATA / "somtoday-leerlingen.csv").read_bytes()


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def guardians_of(number: str) -> list[str]:
    student = Student.objects.get(student_number=number)
    return sorted(g.user.email for g in student.guardians.all())


def test_a_magister_export_in_windows_1252_imports_with_its_guardians(admin_client, school):
    text = page(upload(admin_client, school, MAGISTER, name="magister.csv"))
    assert "Unknown column" not in text and "Import now" in text
    assert "read as Windows-1252" in text
    page(confirm(admin_client))
    zoe = Student.objects.get(student_number="100101")
    assert (zoe.first_name, zoe.prefix, zoe.last_name) == ("Zoë", "de", "Vries")
    assert zoe.date_of_birth == dt.date(2013, 3, 14) and zoe.group.name == "2a"
    assert Student.objects.get(student_number="100102").last_name == "Çelik"
    # siblings share their guardians: one guardian each, linked to both children
    assert (
        guardians_of("100101")
        == guardians_of("100106")
        == [
            "mark.devries@example.org",
            "sanne.bakker@example.org",
        ]
    )
    assert Guardian.objects.count() == 4
    assert guardians_of("100103") == []


def test_a_magister_export_with_only_guardian_addresses_keeps_known_guardian_names(
    admin_client, school
):
    page(upload(admin_client, school, MAGISTER, name="magister.csv"))
    page(confirm(admin_client))
    mark = Guardian.objects.get(user__email="mark.devries@example.org")
    mark.first_name, mark.prefix, mark.last_name = "Mark", "de", "Vries"
    mark.save()
    page(upload(admin_client, school, MAGISTER, name="magister.csv"))
    page(confirm(admin_client))
    mark.refresh_from_db()
    assert mark.name == "Mark de Vries"


def test_a_magister_export_saved_as_xlsx_imports_the_same(admin_client, school):
    workbook = Workbook()
    sheet = workbook.active
    for line in MAGISTER.decode("cp1252").splitlines():
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    page(upload(admin_client, school, buffer.getvalue(), name="magister.xlsx"))
    page(confirm(admin_client))
    assert Student.objects.count() == 5
    assert guardians_of("100104") == ["peter.vandenberg@example.org"]


def test_a_somtoday_export_with_a_bom_and_commas_imports_guardian_names(admin_client, school):
    text = page(upload(admin_client, school, SOMTODAY, name="somtoday.csv"))
    assert "Unknown column" not in text and "Import now" in text
    page(confirm(admin_client))
    noelle = Student.objects.get(student_number="200201")
    assert (noelle.first_name, noelle.prefix, noelle.last_name) == ("Noëlle", "van der", "Linden")
    assert noelle.group.name == "H2A"
    kees = Guardian.objects.get(user__email="kees.vanderlinden@example.org")
    assert (kees.first_name, kees.prefix, kees.last_name) == ("Kees", "van der", "Linden")
    assert guardians_of("200201") == guardians_of("200202")
    assert Guardian.objects.get(user__email="esref.aydin@example.org").last_name == "Aydın"


def test_an_error_names_the_files_own_header_line_and_value(admin_client, school):
    bad = MAGISTER.replace(b"21-06-2015", b"31-02-2015").replace(
        b"peter.vandenberg@example.org", b"peter.vandenberg@@example.org"
    )
    text = page(upload(admin_client, school, bad, name="magister.csv"))
    assert (
        "magister.csv, line 3, column “Geboortedatum”: “31-02-2015” is not a date: "
        "write it as dd-mm-jjjj." in text
    )
    assert (
        "magister.csv, line 6, column “E-mailadres ouder/verzorger 1”: "
        "“peter.vandenberg@@example.org” is not an email address." in text
    )
    assert Student.objects.count() == 0


def test_a_guardian_without_a_last_name_is_an_error_naming_the_column(admin_client, school):
    bad = SOMTODAY.replace(b"Kees,van der,Linden,kees", b"Kees,van der,,kees", 1)
    text = page(upload(admin_client, school, bad, name="somtoday.csv"))
    assert "somtoday.csv, line 2, column “Verzorger 1 achternaam”: This value is required." in text


def test_an_unknown_header_is_mapped_once_and_remembered_for_the_school(admin_client, school):
    own = MAGISTER.replace(b"Stamnummer;", b"Leerling-ID;")
    text = page(upload(admin_client, school, own, name="magister.csv"))
    assert "column “Leerling-ID”: Unknown column; it is ignored." in text
    assert "No column holds the student number, which is required." in text
    assert "?column=Leerling-ID#map-column" in text
    response = admin_client.post(
        reverse("import_column_add"),
        {"school": school.pk, "label": "Leerling-ID", "field": "student_number"},
    )
    assert response.status_code == 302
    text = page(admin_client.get(reverse("import_start")))
    assert "Leerling-ID" in text and "student number" in text
    text = page(upload(admin_client, school, own, name="magister.csv"))
    assert "Unknown column" not in text and "Import now" in text
    page(confirm(admin_client))
    assert Student.objects.filter(student_number="100101").exists()


def test_a_mapped_guardian_column_reads_that_guardian(admin_client, school):
    own = MAGISTER.replace(b"E-mailadres ouder/verzorger 2", b"Mail tweede ouder")
    ImportColumn.objects.create(
        school=school, header="mailtweedeouder", label="Mail tweede ouder", field="guardian2_email"
    )
    page(upload(admin_client, school, own, name="magister.csv"))
    page(confirm(admin_client))
    assert "sanne.bakker@example.org" in guardians_of("100101")


def test_a_column_is_mapped_only_once_per_school_and_bad_input_changes_nothing(
    admin_client, school, other_school
):
    add = reverse("import_column_add")
    admin_client.post(add, {"school": school.pk, "label": "Leerling-ID", "field": "student_number"})
    text = page(
        admin_client.post(add, {"school": school.pk, "label": "leerling id", "field": "email"})
    )
    assert "“leerling id” is already mapped for Waldheim-mavo." in text
    text = page(admin_client.post(add, {"school": school.pk, "label": "x" * 201, "field": "email"}))
    assert "Ensure this value has at most 200 characters (it has 201)." in text
    text = page(admin_client.post(add, {"school": school.pk, "label": "--", "field": "email"}))
    assert "Write the column's name as it is in the file." in text
    text = page(admin_client.post(add, {"school": school.pk, "label": "X", "field": "password"}))
    assert "Select a valid choice." in text
    # another school's mapping is not this administrator's to make
    text = page(admin_client.post(add, {"school": other_school.pk, "label": "Y", "field": "email"}))
    assert "Select a valid choice." in text
    assert list(ImportColumn.objects.values_list("label", "field")) == [
        ("Leerling-ID", "student_number")
    ]


def test_a_mapping_can_be_removed_by_its_schools_administrator_only(
    admin_client, school, other_school
):
    mine = ImportColumn.objects.create(school=school, header="a", label="A", field="email")
    theirs = ImportColumn.objects.create(school=other_school, header="a", label="A", field="email")
    response = admin_client.post(reverse("import_column_delete", args=[theirs.pk]))
    assert response.status_code == 404
    response = admin_client.post(reverse("import_column_delete", args=[mine.pk]))
    assert response.status_code == 302
    assert list(ImportColumn.objects.all()) == [theirs]
