"""EDEXML 2.1 from ParnasSys and ESIS through the import page, with guardians from a CSV."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consents.imports.service import records_import
from consents.models import Group, Guardian, ImportRun, School, StaffMember, Student

from .helpers import amsterdam
from .import_helpers import DATA, confirm, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "private_media")]

XML = (DATA / "edexml" / "leerlingen.xml").read_bytes()
GUARDIANS = (DATA / "edexml" / "ouders.csv").read_bytes()


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def dry_run(client, school, xml=XML, guardians=GUARDIANS):
    data = {
        "format": ImportRun.Format.EDEXML,
        "school": school.pk,
        "file": SimpleUploadedFile("leerlingen.xml", xml),
    }
    if guardians is not None:
        data["guardians_file"] = SimpleUploadedFile("ouders.csv", guardians)
    return page(client.post(reverse("import_start"), data))


def test_an_edexml_file_imports_students_groups_and_teachers(admin_client, school):
    text = dry_run(admin_client, school, guardians=None)
    assert "Import now" in text
    page(confirm(admin_client))
    zoe = Student.objects.get(student_number="3001")
    assert (zoe.first_name, zoe.prefix, zoe.last_name) == ("Zoë", "de", "Vries")
    assert zoe.date_of_birth == dt.date(2019, 3, 14)
    assert (zoe.group.name, zoe.group.year_group) == ("Groep 3a", 3)
    assert sorted(Group.objects.values_list("name", flat=True)) == ["Groep 3a", "Groep 5"]
    ineke = StaffMember.objects.get(user__email="ineke.vandenberg@example.org")
    assert (ineke.prefix, ineke.last_name, ineke.function) == ("van den", "Berg", "leerkracht")
    assert ineke.schools.get() == school
    assert Guardian.objects.count() == 0


def test_guardians_come_from_the_second_file_and_siblings_share_them(admin_client, school):
    text = dry_run(admin_client, school)
    assert "Import now" in text
    page(confirm(admin_client))
    zoe, thijs = (
        Student.objects.get(student_number="3001"),
        Student.objects.get(student_number="3002"),
    )
    assert set(zoe.guardians.all()) == set(thijs.guardians.all())
    mark = Guardian.objects.get(user__email="mark.devries@example.org")
    assert (mark.first_name, mark.prefix, mark.last_name) == ("Mark", "de", "Vries")
    assert Guardian.objects.get(user__email="gulsen.celik@example.org").first_name == "Gülsen"
    # a child the guardians file does not name keeps the guardians it had (none here)
    assert not Student.objects.get(student_number="3004").guardians.exists()


def test_an_error_in_the_xml_names_the_element_and_value(admin_client, school):
    bad = XML.replace(b"2017-06-21", b"2017-02-30")
    text = dry_run(admin_client, school, xml=bad)
    assert (
        "leerlingen.xml, column “leerling key=3003 › geboortedatum”: “2017-02-30” is not a date."
        in text
    )
    assert Student.objects.count() == 0


def test_a_guardians_file_naming_an_unknown_student_is_an_error_with_its_line(admin_client, school):
    bad = GUARDIANS.replace(b"3003;", b"3999;")
    text = dry_run(admin_client, school, guardians=bad)
    assert "ouders.csv, line 4: Student 3999 is not in the EDEXML file." in text
    assert Student.objects.count() == 0


def test_a_guardians_file_error_names_its_own_header(admin_client, school):
    bad = GUARDIANS.replace(b"gulsen.celik@example.org", b"gulsen.celik@")
    text = dry_run(admin_client, school, guardians=bad)
    assert (
        "ouders.csv, line 4, column “E-mailadres ouder/verzorger 1”: "
        "“gulsen.celik@” is not an email address." in text
    )


def test_an_xml_file_with_entities_is_refused_unread(admin_client, school):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE EDEX [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><EDEX><leerlingen><leerling key="1">'
        b"<achternaam>&b;</achternaam></leerling></leerlingen></EDEX>"
    )
    text = dry_run(admin_client, school, xml=bomb, guardians=None)
    assert "leerlingen.xml: This is not an XML file that can be read." in text
    assert Student.objects.count() == 0


def test_another_edexml_version_is_refused_naming_it(admin_client, school):
    old = XML.replace(b"<xsdversie>2.1</xsdversie>", b"<xsdversie>1.03</xsdversie>")
    text = dry_run(admin_client, school, xml=old, guardians=None)
    assert "This is not an EDEXML 2 file (version “1.03”): export it as EDEXML 2.1." in text


def test_a_guardians_file_goes_with_edexml_only(admin_client, school):
    response = admin_client.post(
        reverse("import_start"),
        {
            "format": ImportRun.Format.STUDENTS,
            "school": school.pk,
            "file": SimpleUploadedFile("leerlingen.csv", GUARDIANS),
            "guardians_file": SimpleUploadedFile("ouders.csv", GUARDIANS),
        },
    )
    assert "A separate guardians file goes with an EDEXML file only." in page(response)
    assert not ImportRun.objects.exists()


def test_a_name_longer_than_the_portal_stores_is_an_error_naming_the_element(admin_client, school):
    long_name = "Ç" * 151
    bad = XML.replace(
        b"<achternaam>Bront\xc3\xab</achternaam>", f"<achternaam>{long_name}</achternaam>".encode()
    )
    text = dry_run(admin_client, school, xml=bad, guardians=None)
    assert (
        "leerlingen.xml, column “leerling key=3004 › achternaam”: "
        f"“{long_name[:59]}…” has 151 characters; at most 150 fit." in text
    )
    assert Student.objects.count() == 0


def test_a_pupil_who_left_by_the_uitstroomdatum_is_not_imported_and_a_full_import_lets_go(
    school,
):
    # The file describes 28 September 2026 (peildatum). Anne left in July; Elif leaves next
    # summer, so she is still at school.
    xml = XML.replace(
        b"<xsdversie>2.1</xsdversie>",
        b"<xsdversie>2.1</xsdversie>\n<peildatum>2026-09-28</peildatum>",
    )
    xml = xml.replace(
        b'<leerling key="3004">',
        b'<leerling key="3004">\n<uitstroomdatum>2026-07-17</uitstroomdatum>',
    )
    xml = xml.replace(
        b'<leerling key="3003">',
        b'<leerling key="3003">\n<uitstroomdatum>2027-07-16</uitstroomdatum>',
    )

    def run(data, **options):
        return records_import(
            format=ImportRun.Format.EDEXML,
            filename="leerlingen.xml",
            data=data,
            school=school,
            allowed_schools=School.objects.filter(pk=school.pk),
            dry_run=False,
            full=True,
            **options,
        )

    run(XML)
    assert Student.objects.get(student_number="3004").date_left is None

    result = run(xml, confirmed_leavers=1)

    assert [p.message for p in result.warnings if "3004" in p.column] == [
        "This student left the school on July 17, 2026 and is not imported."
    ]
    assert Student.objects.get(student_number="3004").date_left == dt.date(2026, 10, 1)
    assert Student.objects.get(student_number="3003").date_left is None


def test_an_uitstroomdatum_that_is_not_a_date_is_an_error_naming_the_element(admin_client, school):
    bad = XML.replace(
        b'<leerling key="3004">',
        b'<leerling key="3004">\n<uitstroomdatum>17-13-2026</uitstroomdatum>',
    )
    text = dry_run(admin_client, school, xml=bad, guardians=None)
    assert (
        "leerlingen.xml, column “leerling key=3004 › uitstroomdatum”: “17-13-2026” is not a date."
        in text
    )
    assert Student.objects.count() == 0
