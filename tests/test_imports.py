"""Importing the school administration system's records: formats, errors, idempotence, moves."""

import datetime as dt
import html
import io
import uuid
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from accounts.models import User
from consents.imports import records_import
from consents.imports.reading import MAX_COLUMNS, MAX_COMPRESSION_RATIO
from consents.models import (
    ConsentDecision,
    Group,
    Guardian,
    Guardianship,
    ImportRun,
    School,
    StaffMember,
    Student,
)
from consents.rules import State

from . import factories as f
from .helpers import amsterdam, record, state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DOCS = Path(__file__).resolve().parent.parent / "docs" / "import"
HEADER = (
    "leerlingnummer;roepnaam;tussenvoegsel;achternaam;geboortedatum;klas;"
    "ouder1_roepnaam;ouder1_achternaam;ouder1_e-mail;ouder2_roepnaam;ouder2_achternaam;ouder2_e-mail"
)
TODAY = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def in_october_2026(private_media):
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


def students_file(*rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def run(data, school, *, format=ImportRun.Format.STUDENTS, filename="leerlingen.csv", **kwargs):
    if "allowed_schools" not in kwargs:
        kwargs["allowed_schools"] = School.objects.filter(pk=school.pk)
    kwargs.setdefault("dry_run", False)
    return records_import(
        format=format, filename=filename, data=data, school=school, today=TODAY, **kwargs
    )


def oneroster_zip(replace: dict | None = None, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for path in (DOCS / "oneroster").glob("*.csv"):
            content = (replace or {}).get(path.name, path.read_text(encoding="utf-8"))
            archive.writestr(path.name, content)
    return buffer.getvalue()


def actions(result):
    return {o.label: o.action for o in result.outcomes}


# --- The documented example files ------------------------------------------------------------


def test_dry_run_of_the_example_file_reports_new_rows_and_writes_nothing(school):
    data = (DOCS / "leerlingen.csv").read_bytes()
    result = run(data, school, dry_run=True)
    assert result.ok, result.errors
    assert not result.applied
    assert result.counts["student"]["created"] == 5
    assert result.guardians_created == 5
    assert Student.objects.count() == 0
    assert Guardian.objects.count() == 0
    assert Group.objects.count() == 0


def test_example_file_imports_students_guardians_and_classes(school):
    result = run((DOCS / "leerlingen.csv").read_bytes(), school)
    assert result.ok, result.errors
    zoe = Student.objects.get(student_number="100101")
    assert (zoe.first_name, zoe.prefix, zoe.last_name) == ("Zoë", "de", "Vries")
    assert zoe.date_of_birth == dt.date(2013, 3, 14)
    assert zoe.group.name == "2a" and zoe.group.year_group == 2
    assert sorted(g.user.email for g in zoe.guardians.all()) == [
        "mark.devries@example.org",
        "sanne.bakker@example.org",
    ]
    daan = Student.objects.get(student_number="100102")
    assert daan.last_name == "Çelik" and daan.user.email == "daan.celik@example.org"
    assert Student.objects.get(student_number="100103").guardians.count() == 0
    # Siblings share a guardian: one Peter, linked to Sem and Tess.
    peter = Guardian.objects.get(user__email="peter.vandenberg@example.org")
    assert (peter.prefix, peter.last_name) == ("van den", "Berg")
    assert sorted(s.first_name for s in peter.students.all()) == ["Sem", "Tess"]
    assert Guardian.objects.count() == 5


def test_the_excel_example_gives_the_same_result_as_the_csv_example(school):
    result = run((DOCS / "leerlingen.xlsx").read_bytes(), school, filename="leerlingen.xlsx")
    assert result.ok, result.errors
    assert result.counts["student"]["created"] == 5
    again = run((DOCS / "leerlingen.csv").read_bytes(), school)
    assert again.ok and again.counts["student"] == {"unchanged": 5}


def test_importing_the_same_file_twice_changes_nothing_the_second_time(school):
    data = (DOCS / "leerlingen.csv").read_bytes()
    run(data, school, full=True)
    before = list(Student.objects.values().order_by("id"))
    second = run(data, school, full=True)
    assert second.counts["student"] == {"unchanged": 5}
    assert second.guardians_created == 0
    assert list(Student.objects.values().order_by("id")) == before
    assert Guardianship.objects.count() == 6


def test_oneroster_example_imports_students_guardians_classes_and_staff(school):
    school.brin = "02VX"
    school.save()
    result = run(oneroster_zip(), school, format=ImportRun.Format.ONEROSTER, filename="or.zip")
    assert result.ok, result.errors
    zoe = Student.objects.get(student_number="100101")
    assert (zoe.prefix, zoe.last_name, zoe.group.name, zoe.group.year_group) == (
        "",
        "de Vries",
        "2a",
        2,
    )
    assert zoe.date_of_birth == dt.date(2013, 3, 14)
    assert sorted(g.user.email for g in zoe.guardians.all()) == [
        "mark.devries@example.org",
        "sanne.bakker@example.org",
    ]
    daan = Student.objects.get(student_number="100102")
    assert daan.group.name == "4b"  # the homeroom, not the scheduled class
    anton = StaffMember.objects.get(user__email="anton.verhoeven@example.org")
    assert anton.schools.get() == school
    again = run(oneroster_zip(), school, format=ImportRun.Format.ONEROSTER, filename="or.zip")
    assert set(actions(again).values()) == {"unchanged"}


def test_staff_example_links_a_teacher_to_two_schools(school, other_school):
    allowed = School.objects.filter(pk__in=[school.pk, other_school.pk])
    data = (DOCS / "personeel.csv").read_bytes()
    result = run(data, None, format=ImportRun.Format.STAFF, allowed_schools=allowed)
    assert result.ok, result.errors
    assert result.warnings and "Windows-1252" in str(result.warnings[0])
    anton = StaffMember.objects.get(user__email="anton.verhoeven@example.org")
    assert set(anton.schools.all()) == {school, other_school}
    assert StaffMember.objects.get(user__email="kees.vanderlinden@example.org").function == (
        "conciërge"
    )
    again = run(data, None, format=ImportRun.Format.STAFF, allowed_schools=allowed)
    assert again.counts["staff"] == {"unchanged": 3}


# --- What Excel does to a CSV file -------------------------------------------------------------


def test_windows_1252_with_commas_and_no_bom_is_read_with_its_diacritics(school):
    header = "Leerlingnummer,Roepnaam,Tussenvoegsel,Achternaam,Geboortedatum,Klas"
    data = students_file(
        "1,Brontë,,Çelik,1-2-2012,1a",
        "2,Chloë,van der,Linden,01/02/2012,1a",
        header=header,
        encoding="cp1252",
    )
    result = run(data, school)
    assert result.ok, result.errors
    assert any("Windows-1252" in str(w) for w in result.warnings)
    assert Student.objects.get(student_number="1").name == "Brontë Çelik"
    assert Student.objects.get(student_number="2").date_of_birth == dt.date(2012, 2, 1)


def test_an_unknown_column_is_ignored_with_a_warning(school):
    data = students_file("1;Sem;;Berg;09-01-2014;1a;;;;;;", header=HEADER + ";mentor")
    data = data.replace(b"1a;;;;;;", b"1a;;;;;;;Jansen")
    result = run(data, school)
    assert result.ok
    assert any("mentor" in str(w) for w in result.warnings)


# --- Errors: named by file, line and column; nothing written -----------------------------------


def assert_single_error(result, *fragments):
    assert not result.ok and not result.applied
    message = " | ".join(str(e) for e in result.errors)
    for fragment in fragments:
        assert fragment in message, message
    assert Student.objects.count() == 0
    assert Guardian.objects.count() == 0


def test_a_bad_date_is_reported_with_file_line_and_column(school):
    data = students_file("1;Sem;;Berg;09-01-2014;1a;;;;;;", "2;Tess;;Berg;31-02-2011;3a;;;;;;")
    assert_single_error(
        run(data, school), "leerlingen.csv", "line 3", "geboortedatum", "31-02-2011"
    )


def test_a_duplicate_student_number_is_an_error_naming_both_lines(school):
    data = students_file("7;Sem;;Berg;09-01-2014;1a;;;;;;", "7;Tess;;Berg;30-09-2011;3a;;;;;;")
    assert_single_error(run(data, school), "line 3", "leerlingnummer", "line 2")


def test_a_guardian_without_email_is_an_error(school):
    data = students_file("1;Sem;;Berg;09-01-2014;1a;Peter;Berg;;;;")
    assert_single_error(run(data, school), "line 2", "ouder1_e-mail", "no email")


def test_an_unknown_school_is_an_error(school):
    header = HEADER + ";school"
    data = students_file("1;Sem;;Berg;09-01-2014;1a;;;;;;;Nergens College", header=header)
    assert_single_error(run(data, school), "line 2", "school", "Nergens College")


def test_a_missing_required_column_is_an_error(school):
    data = students_file("1;Sem;Berg", header="leerlingnummer;roepnaam;achternaam")
    assert_single_error(
        run(data, school), "line 1", "No column holds the date of birth", "“Geboortedatum”"
    )


def test_a_failing_import_writes_nothing_even_when_most_rows_are_good(school):
    rows = [
        f"{n};Kind;;Nummer{n};01-01-2013;1a;Ouder;Nummer{n};o{n}@example.org;;;"
        for n in range(1, 40)
    ]
    rows.append("99;Fout;;Datum;2013-13-40;1a;;;;;;")
    result = run(students_file(*rows), school)
    assert_single_error(result, "line 41")
    assert Group.objects.count() == 0


def test_an_old_excel_file_is_refused_with_a_clear_message(school):
    result = run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, school, filename="x.xls")
    assert_single_error(result, "x.xls", ".xlsx")


def test_oneroster_unknown_class_is_an_error(school):
    school.brin = "02VX"
    school.save()
    enrollments = (
        (DOCS / "oneroster" / "enrollments.csv").read_text().replace("class-2a,org", "class-9z,org")
    )
    result = run(
        oneroster_zip({"enrollments.csv": enrollments}),
        school,
        format=ImportRun.Format.ONEROSTER,
        filename="or.zip",
    )
    assert_single_error(result, "enrollments.csv", "line 2", "classSourcedId", "class-9z")


def test_oneroster_unknown_agent_is_an_error(school):
    school.brin = "02VX"
    school.save()
    users = (DOCS / "oneroster" / "users.csv").read_text().replace("par-3", "par-33", 1)
    result = run(
        oneroster_zip({"users.csv": users}),
        school,
        format=ImportRun.Format.ONEROSTER,
        filename="or.zip",
    )
    assert_single_error(result, "users.csv", "line 3", "agentSourcedIds", "par-33")


def test_oneroster_guardian_without_email_is_an_error(school):
    school.brin = "02VX"
    school.save()
    users = (DOCS / "oneroster" / "users.csv").read_text().replace("ayse.celik@example.org", "")
    result = run(
        oneroster_zip({"users.csv": users}),
        school,
        format=ImportRun.Format.ONEROSTER,
        filename="or.zip",
    )
    assert_single_error(result, "users.csv", "line 6", "email", "no email")


# --- People change mid-year -------------------------------------------------------------------


def test_full_import_marks_missing_students_as_left_and_keeps_their_decisions(
    school, website, photo
):
    data = (DOCS / "leerlingen.csv").read_bytes()
    run(data, school, full=True)
    sem = Student.objects.get(student_number="100104")
    peter = Guardian.objects.get(user__email="peter.vandenberg@example.org")
    with time_machine.travel(amsterdam(2026, 9, 15)):
        record(peter.user, sem, website, photo)
    without_sem = b"\r\n".join(line for line in data.split(b"\r\n") if b"100104" not in line)
    result = run(without_sem, school, full=True, confirmed_leavers=1)
    assert actions(result)["Sem van den Berg (100104)"] == "left"
    sem.refresh_from_db()
    assert sem.date_left == TODAY
    assert ConsentDecision.objects.filter(subject=sem).count() == 1
    assert Student.objects.count() == 5
    # Without "full import", missing students are left alone.
    other = Student.objects.get(student_number="100105")
    run(students_file("100101;Zoë;de;Vries;14-03-2013;2a;;;;;;"), school)
    other.refresh_from_db()
    assert other.date_left is None


def test_a_student_who_left_and_reappears_is_back_at_school(school):
    data = students_file("1;Sem;;Berg;09-01-2014;1a;;;;;;")
    run(data, school)
    Student.objects.update(date_left=dt.date(2026, 9, 1))
    result = run(data, school)
    assert result.counts["student"] == {"updated": 1}
    assert Student.objects.get().date_left is None


def test_a_class_move_mid_year_updates_the_student_and_keeps_the_decisions(school, website, photo):
    run(students_file("1;Zoë;de;Vries;14-03-2013;2a;Mark;Vries;mark@example.org;;;"), school)
    zoe = Student.objects.get()
    mark = Guardian.objects.get()
    record(mark.user, zoe, website, photo)
    result = run(
        students_file("1;Zoë;de;Vries;14-03-2013;2b;Mark;Vries;mark@example.org;;;"), school
    )
    outcome = result.outcomes[0]
    assert outcome.action == "updated" and "2a → 2b" in outcome.changes[0]
    zoe.refresh_from_db()
    assert zoe.group.name == "2b" and Student.objects.count() == 1
    assert state(zoe, website, photo, TODAY) == State.ALLOWED


def test_a_move_to_another_school_of_the_board_keeps_the_history(
    school, other_school, website, photo
):
    run(students_file("1;Zoë;de;Vries;14-03-2013;2a;Mark;Vries;mark@example.org;;;"), school)
    zoe = Student.objects.get()
    record(Guardian.objects.get().user, zoe, website, photo)
    result = run(
        students_file("1;Zoë;de;Vries;14-03-2013;G2a;Mark;Vries;mark@example.org;;;"),
        other_school,
        allowed_schools=School.objects.filter(pk=other_school.pk),
    )
    assert result.outcomes[0].action == "updated"
    assert any("Griftland College" in change for change in result.outcomes[0].changes)
    zoe.refresh_from_db()
    assert zoe.school == other_school and zoe.group.school == other_school
    assert Student.objects.count() == 1
    assert state(zoe, website, photo, TODAY) == State.ALLOWED


def test_the_same_number_with_another_birth_date_at_another_school_is_another_student(
    school, other_school
):
    run(students_file("1;Zoë;de;Vries;14-03-2013;2a;;;;;;"), school)
    run(
        students_file("1;Sem;;Berg;09-01-2014;1a;;;;;;"),
        other_school,
        allowed_schools=School.objects.filter(pk=other_school.pk),
    )
    assert Student.objects.count() == 2


def test_a_new_guardian_after_a_divorce_is_added_and_a_dropped_one_unlinked(school):
    run(students_file("1;Zoë;de;Vries;14-03-2013;2a;Mark;Vries;mark@example.org;;;"), school)
    result = run(
        students_file(
            "1;Zoë;de;Vries;14-03-2013;2a;Mark;Vries;mark@example.org;Ilse;Smit;ilse@example.org"
        ),
        school,
    )
    assert result.outcomes[0].action == "updated"
    assert "ilse@example.org" in result.outcomes[0].changes[0]
    zoe = Student.objects.get()
    assert zoe.guardians.count() == 2
    result = run(
        students_file("1;Zoë;de;Vries;14-03-2013;2a;Ilse;Smit;ilse@example.org;;;"), school
    )
    assert zoe.guardians.get().user.email == "ilse@example.org"
    assert Guardian.objects.count() == 2  # Mark is unlinked, not deleted


def test_a_guardian_with_a_new_address_stays_the_same_guardian(school, website, photo):
    run(students_file("1;Zoë;de;Vries;14-03-2013;2a;Mark;Vries;mark@example.org;;;"), school)
    zoe, mark = Student.objects.get(), Guardian.objects.get()
    record(mark.user, zoe, website, photo)
    result = run(
        students_file("1;Zoë;de;Vries;14-03-2013;2a;Mark;Vries;mark.vries@example.org;;;"),
        school,
    )
    assert "mark.vries@example.org" in result.outcomes[0].changes[0]
    assert Guardian.objects.get().pk == mark.pk
    mark.user.refresh_from_db()
    assert mark.user.email == "mark.vries@example.org"
    assert state(zoe, website, photo, TODAY) == State.ALLOWED


def test_a_student_email_that_is_a_guardians_address_is_not_linked(school):
    result = run(
        students_file(
            "1;Brontë;;Jansen;21-06-2009;5a;Ruud;Jansen;jansen@example.org;;;",
            header=HEADER,
        ),
        school,
    )
    assert result.ok
    header = HEADER + ";e-mail leerling"
    result = run(
        students_file(
            "1;Brontë;;Jansen;21-06-2009;5a;Ruud;Jansen;jansen@example.org;;;;jansen@example.org",
            header=header,
        ),
        school,
    )
    assert result.ok and Student.objects.get().user is None
    assert any("guardian's address" in str(w) for w in result.warnings)


def test_full_staff_import_removes_the_school_and_marks_leavers(school, other_school):
    both = f.StaffMemberFactory(board=school.board, schools=[school, other_school])
    only_here = f.StaffMemberFactory(board=school.board, schools=[school])
    data = b"e-mail;achternaam\r\nnew@example.org;Nieuw\r\n"
    result = run(data, school, format=ImportRun.Format.STAFF, full=True, confirmed_leavers=2)
    assert result.ok and result.applied
    both.refresh_from_db()
    only_here.refresh_from_db()
    assert list(both.schools.all()) == [other_school] and both.date_left is None
    assert only_here.date_left == TODAY
    assert StaffMember.objects.count() == 3


def test_a_school_column_may_name_only_the_administrators_schools(school, other_school):
    header = HEADER + ";brin"
    other_school.brin = "16NP"
    other_school.save()
    data = students_file("1;Sem;;Berg;09-01-2014;1a;;;;;;;16NP", header=header)
    assert_single_error(run(data, school), "16NP")
    allowed = School.objects.filter(pk__in=[school.pk, other_school.pk])
    result = run(data, None, allowed_schools=allowed)
    assert result.ok and Student.objects.get().school == other_school


# --- The pages ---------------------------------------------------------------------------------


def upload(client, school, content, name="leerlingen.csv", **data):
    return client.post(
        reverse("import_start"),
        {
            "format": ImportRun.Format.STUDENTS,
            "school": school.pk,
            "file": SimpleUploadedFile(name, content),
            **data,
        },
    )


def test_upload_shows_the_dry_run_then_imports_on_confirmation(
    client, administrator, school, private_media
):
    client.force_login(administrator)
    response = upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    page = response.content.decode()
    assert "Dry run" in page and "Zoë de Vries (100101)" in page
    assert Student.objects.count() == 0
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.CHECKED and run.file
    response = client.post(reverse("import_apply", args=[run.token]))
    assert "Imported" in response.content.decode()
    assert Student.objects.count() == 5
    run.refresh_from_db()
    assert run.status == ImportRun.Status.IMPORTED and not run.file
    assert run.summary["counts"]["student"] == {"created": 5}
    assert not [p for p in private_media.rglob("*") if p.is_file()]  # the upload is gone
    # A run is imported once.
    assert client.post(reverse("import_apply", args=[run.token])).status_code == 404


def test_errors_are_listed_and_nothing_can_be_imported(client, administrator, school):
    client.force_login(administrator)
    data = students_file("1;Sem;;Berg;31-02-2014;1a;;;;;;")
    page = upload(client, school, data).content.decode()
    assert "nothing is imported" in page and "line 2" in page and "geboortedatum" in page
    assert "Import now" not in page
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_a_cancelled_run_removes_the_file(client, administrator, school, private_media):
    client.force_login(administrator)
    upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    run = ImportRun.objects.get()
    client.post(reverse("import_cancel", args=[run.token]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED and not run.file
    assert Student.objects.count() == 0


def test_only_the_uploader_can_apply_a_run(client, administrator, school, private_media):
    colleague = f.RoleFactory(school=school).user
    client.force_login(administrator)
    upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    client.force_login(colleague)
    run = ImportRun.objects.get()
    assert client.post(reverse("import_apply", args=[run.token])).status_code == 404
    assert Student.objects.count() == 0


def test_an_administrator_cannot_import_into_another_school(
    client, other_school_administrator, school
):
    client.force_login(other_school_administrator)
    response = upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    assert "school" in response.context["form"].errors
    assert not ImportRun.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, settings, administrator, school):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(administrator)
    response = upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    assert "larger than" in str(response.context["form"].errors["file"])


def test_the_example_files_can_be_downloaded(client, administrator):
    client.force_login(administrator)
    for name in ("leerlingen.csv", "leerlingen.xlsx", "personeel.csv", "oneroster.zip"):
        response = client.get(reverse("import_example", args=[name]))
        assert response.status_code == 200 and response.content
    assert client.get(reverse("import_example", args=["README.md"])).status_code == 404
    assert client.get("/manage/import/examples/..%2F..%2Fpyproject.toml").status_code == 404


def test_council_members_and_parents_cannot_import(client, council_member, mother):
    for user in (council_member, mother.user):
        client.force_login(user)
        assert client.get(reverse("import_start")).status_code == 403


# --- Oversized and damaged files: a clear message, and nothing kept ----------------------------


def stored_files(private_media) -> list[Path]:
    return [p for p in private_media.rglob("*") if p.is_file()]


def assert_refused(response, private_media, *fragments):
    """The dry run lists the problem; nothing is imported, nothing stored, nothing to import."""
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for fragment in fragments:
        assert fragment in page, page[page.find("import-errors") :][:2000]
    assert "Import now" not in page
    run = ImportRun.objects.latest("pk")
    assert run.status == ImportRun.Status.FAILED and not run.file
    assert stored_files(private_media) == []
    assert Student.objects.count() == Guardian.objects.count() == Group.objects.count() == 0
    assert StaffMember.objects.count() == 0


XLSX_NAMES = ("leerlingnummer", "roepnaam", "achternaam", "geboortedatum")


def xml_row(*values, number: int | None = None) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>' if number else f"<row>{cells}</row>"


def xlsx_file(*rows: str, dimension: str = "", names=XLSX_NAMES) -> bytes:
    """The example Excel file with its sheet made of the column `names` and `rows` (<row>
    elements), stating its size (`dimension`, "A1:D100") or not, packed as tightly as zip
    can."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + "<sheetData>"
        + xml_row(*names)
        + "".join(rows)
        + "</sheetData></worksheet>"
    )
    example = zipfile.ZipFile(DOCS / "leerlingen.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member in example.infolist():
            content = example.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = sheet.encode()
            archive.writestr(member.filename, content)
    return buffer.getvalue()


def student_rows(count: int) -> list[str]:
    return [xml_row(str(n), "Sem", f"Berg{n}", "09-01-2014") for n in range(1, count + 1)]


def test_a_sheet_as_the_limits_allow_is_imported(client, administrator, school, settings):
    settings.IMPORT_MAX_ROWS = 3
    client.force_login(administrator)
    data = xlsx_file(*student_rows(3), dimension="A1:D4")
    page = upload(client, school, data, name="leerlingen.xlsx").content.decode()
    assert "Import now" in page and "Berg3" in page


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_it_is_unpacked(
    client, administrator, school, private_media
):
    # 432 KB that unpacked to 147 MB kept a worker busy until gunicorn killed it; this one
    # is 39 KB that unpacks to 7 MB (well under the size limit) of identical rows.
    data = xlsx_file(xml_row("1", "Sem", "Berg", "09-01-2014") * 50_000)
    assert len(data) < 40_000
    client.force_login(administrator)
    response = upload(client, school, data, name="bom.xlsx")
    assert_refused(
        response,
        private_media,
        "bom.xlsx: xl/worksheets/sheet1.xml unpacks to",
        f"at most {MAX_COMPRESSION_RATIO} times, so this file is refused",
    )


def test_an_excel_file_that_unpacks_to_more_than_the_limit_is_refused(
    client, administrator, school, settings, private_media
):
    settings.IMPORT_MAX_UNPACKED_BYTES = 50_000
    data = xlsx_file(*student_rows(600))  # varied rows: packs like a real export
    client.force_login(administrator)
    response = upload(client, school, data, name="leerlingen.xlsx")
    assert_refused(
        response,
        private_media,
        "leerlingen.xlsx: The file unpacks to",
        f"more than the {filesizeformat(50_000)} one import can take",
    )


def test_a_sheet_that_states_more_rows_than_the_limit_is_refused_before_reading_them(
    client, administrator, school, settings, private_media
):
    settings.IMPORT_MAX_ROWS = 3
    # Only the stated size is too large: the sheet's one row is not what refuses it.
    data = xlsx_file(*student_rows(1), dimension="A1:D5")
    client.force_login(administrator)
    response = upload(client, school, data, name="leerlingen.xlsx")
    assert_refused(
        response, private_media, "The file has more than 3 rows, the most one import can take."
    )


@pytest.mark.parametrize(
    "rows",
    [
        student_rows(4),
        # a sheet can skip rows: the skipped ones are read (as empty) and counted too
        [xml_row("1", "Sem", "Berg", "09-01-2014", number=5)],
    ],
    ids=["four rows", "one row numbered 5"],
)
def test_rows_over_the_limit_are_counted_while_reading_a_sheet_that_states_no_size(
    client, administrator, school, settings, private_media, rows
):
    settings.IMPORT_MAX_ROWS = 3
    client.force_login(administrator)
    response = upload(client, school, xlsx_file(*rows), name="leerlingen.xlsx")
    assert_refused(response, private_media, "The file has more than 3 rows")


def test_a_sheet_with_more_columns_than_can_be_read_is_refused(
    client, administrator, school, private_media
):
    names = [*XLSX_NAMES, *(f"kolom{n}" for n in range(MAX_COLUMNS))]
    client.force_login(administrator)
    response = upload(client, school, xlsx_file(names=names), name="leerlingen.xlsx")
    assert_refused(
        response,
        private_media,
        f"The first row has {len(names)} columns; at most {MAX_COLUMNS} can be read.",
    )


def test_a_csv_file_with_more_rows_than_the_limit_is_refused(
    client, administrator, school, settings, private_media
):
    settings.IMPORT_MAX_ROWS = 3
    rows = [f"{n};Sem;;Berg;09-01-2014;1a;;;;;;" for n in range(1, 5)]
    client.force_login(administrator)
    assert "Import now" in upload(client, school, students_file(*rows[:3])).content.decode()
    client.post(reverse("import_cancel", args=[ImportRun.objects.get().token]))
    response = upload(client, school, students_file(*rows))
    assert_refused(response, private_media, "leerlingen.csv: The file has more than 3 rows")


def test_a_csv_value_with_a_quote_that_is_never_closed_is_an_error(
    client, administrator, school, private_media
):
    data = students_file('1;"Sem' + "m" * 200_000 + ";;Berg;09-01-2014;1a;;;;;;")
    client.force_login(administrator)
    response = upload(client, school, data)
    assert_refused(
        response,
        private_media,
        "leerlingen.csv: Line 2 cannot be read: a value is far too long or a quote is not closed.",
    )


def upload_oneroster(client, school, content):
    school.brin = "02VX"
    school.save()
    return upload(client, school, content, name="or.zip", format=ImportRun.Format.ONEROSTER)


def test_a_oneroster_zip_bomb_is_refused_before_it_is_unpacked(
    client, administrator, school, private_media
):
    users = (DOCS / "oneroster" / "users.csv").read_text() + "\n" * 5_000_000
    data = oneroster_zip({"users.csv": users}, compression=zipfile.ZIP_DEFLATED)
    client.force_login(administrator)
    response = upload_oneroster(client, school, data)
    assert_refused(response, private_media, "or.zip: users.csv unpacks to", "this file is refused")


def test_a_oneroster_zip_that_unpacks_to_more_than_the_limit_is_refused(
    client, administrator, school, settings, private_media
):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1000
    client.force_login(administrator)
    response = upload_oneroster(client, school, oneroster_zip())
    assert_refused(
        response, private_media, f"more than the {filesizeformat(1000)} one import can take"
    )


def test_a_oneroster_file_with_more_rows_than_the_limit_is_refused(
    client, administrator, school, settings, private_media
):
    settings.IMPORT_MAX_ROWS = 5  # users.csv has 6
    client.force_login(administrator)
    response = upload_oneroster(client, school, oneroster_zip())
    assert_refused(response, private_media, "users.csv: The file has more than 5 rows")


def test_a_oneroster_file_that_is_not_text_is_an_error(
    client, administrator, school, private_media
):
    data = oneroster_zip({"users.csv": bytes(range(128, 256))})  # 0x81 is no Windows-1252
    client.force_login(administrator)
    response = upload_oneroster(client, school, data)
    assert_refused(response, private_media, "users.csv: The file's character encoding")


def test_a_student_email_address_that_is_not_one_is_an_error_naming_it(
    client, administrator, school, private_media
):
    header = "leerlingnummer;roepnaam;achternaam;geboortedatum;e-mail leerling"
    data = students_file("1;Zoë;Vries;14-03-2013;zoë@example.org", header=header)
    client.force_login(administrator)
    response = upload(client, school, data)
    assert_refused(
        response,
        private_media,
        "line 2, column “e-mail leerling”: “zoë@example.org” is not an email address.",
    )


def test_a_staff_email_address_that_is_not_one_is_an_error_naming_it(
    client, administrator, school, private_media
):
    data = students_file("jan@@example.org;Jan;Jansen", header="e-mail;roepnaam;achternaam")
    client.force_login(administrator)
    response = upload(client, school, data, name="personeel.csv", format=ImportRun.Format.STAFF)
    assert_refused(response, private_media, "“jan@@example.org” is not an email address.")


# --- A crash leaves no upload behind -----------------------------------------------------------


def test_a_crash_after_the_run_was_stored_leaves_no_file(
    client, administrator, school, private_media, monkeypatch
):
    def database_gone(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(ImportRun, "save", database_gone)
    client.force_login(administrator)
    with pytest.raises(DatabaseError):
        upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    assert stored_files(private_media) == []
    assert not ImportRun.objects.exists()


# A crash halfway through reading the file, or halfway through writing its people; SystemExit
# is what gunicorn raises in a worker it stops for taking too long.
CRASHES = [
    ("consents.imports.tabular.parse_date", RuntimeError),
    ("consents.imports.importer.Importer.group", RuntimeError),
    ("consents.imports.importer.Importer.group", SystemExit),
]


def crash_at(monkeypatch, target, exception):
    def crash(*args, **kwargs):
        raise exception("unexpected")

    monkeypatch.setattr(target, crash)


@pytest.mark.parametrize(("target", "exception"), CRASHES)
def test_a_crash_during_the_dry_run_leaves_no_file_and_no_rows(
    client, administrator, school, private_media, monkeypatch, target, exception
):
    crash_at(monkeypatch, target, exception)
    client.force_login(administrator)
    with pytest.raises(exception):
        upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    assert stored_files(private_media) == []
    assert not ImportRun.objects.exists()
    assert Student.objects.count() == Guardian.objects.count() == Group.objects.count() == 0


@pytest.mark.parametrize(("target", "exception"), CRASHES)
def test_a_crash_during_the_import_removes_the_file_and_fails_the_run(
    client, administrator, school, private_media, monkeypatch, target, exception
):
    client.force_login(administrator)
    upload(client, school, (DOCS / "leerlingen.csv").read_bytes())
    run = ImportRun.objects.get()
    assert len(stored_files(private_media)) == 1
    crash_at(monkeypatch, target, exception)
    with pytest.raises(exception):
        client.post(reverse("import_apply", args=[run.token]))
    assert stored_files(private_media) == []
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and not run.file
    assert Student.objects.count() == Guardian.objects.count() == Group.objects.count() == 0


# --- Values longer than the portal stores: the same error on SQLite and PostgreSQL -------------

STUDENT_ROW = {
    "leerlingnummer": "100101",
    "roepnaam": "Zoë",
    "achternaam": "Vries",
    "geboortedatum": "14-03-2013",
    "klas": "2a",
    "ouder1_achternaam": "Bakker",
    "ouder1_e-mail": "sanne@example.org",
}


def max_length(model, field_name) -> int:
    return model._meta.get_field(field_name).max_length


def student_file(**changes) -> bytes:
    row = {**STUDENT_ROW, **changes}
    return students_file(";".join(row.values()), header=";".join(row))


@pytest.mark.parametrize(
    ("column", "value", "stored_in"),
    [
        ("leerlingnummer", str(uuid.UUID(int=7)), (Student, "student_number")),
        ("achternaam", "Berg" * 40, (Student, "last_name")),
        ("klas", "Havo-vwo brugklas met extra aandacht voor wiskunde 1a", (Group, "name")),
        ("ouder1_achternaam", "Bakker" * 30, (Guardian, "last_name")),
        ("ouder1_e-mail", "sanne." + "a" * 55 + "@" + "school." * 30 + "nl", (User, "email")),
    ],
)
def test_a_value_longer_than_the_portal_stores_is_an_error_naming_column_line_and_value(
    client, administrator, school, private_media, column, value, stored_in
):
    limit = max_length(*stored_in)
    assert len(value) > limit
    client.force_login(administrator)
    response = upload(client, school, student_file(**{column: value}))
    assert_refused(
        response,
        private_media,
        f"leerlingen.csv, line 2, column “{column}”: “{value[:30]}",
        f"” has {len(value)} characters; at most {limit} fit.",
    )
    assert not User.objects.filter(email=STUDENT_ROW["ouder1_e-mail"]).exists()


def test_values_as_long_as_the_portal_stores_are_imported(client, administrator, school):
    number = "9" * max_length(Student, "student_number")
    last_name = "B" * max_length(Guardian, "last_name")
    client.force_login(administrator)
    upload(client, school, student_file(leerlingnummer=number, ouder1_achternaam=last_name))
    client.post(reverse("import_apply", args=[ImportRun.objects.get().token]))
    student = Student.objects.get()
    assert student.student_number == number
    assert student.guardians.get().last_name == last_name


def test_a_staff_function_longer_than_the_portal_stores_is_an_error(
    client, administrator, school, private_media
):
    function = "Docent " * 20
    data = students_file(f"jan@example.org;Jansen;{function}", header="e-mail;achternaam;functie")
    client.force_login(administrator)
    response = upload(client, school, data, name="personeel.csv", format=ImportRun.Format.STAFF)
    limit = max_length(StaffMember, "function")
    assert_refused(
        response,
        private_media,
        "personeel.csv, line 2, column “functie”: “Docent Docent",
        f"” has {len(function.strip())} characters; at most {limit} fit.",
    )


def test_a_oneroster_guid_as_student_number_is_an_error_naming_the_column(
    client, administrator, school, private_media
):
    guid = str(uuid.UUID(int=9))
    users = (DOCS / "oneroster" / "users.csv").read_text().replace(",100102,", f",{guid},")
    client.force_login(administrator)
    response = upload_oneroster(client, school, oneroster_zip({"users.csv": users}))
    limit = max_length(Student, "student_number")
    assert_refused(
        response,
        private_media,
        f"users.csv, line 3, column “identifier”: “{guid}” has 36 characters; at most {limit} fit.",
    )


def test_a_oneroster_guardian_name_too_long_is_an_error_naming_the_guardians_own_line(
    client, administrator, school, private_media
):
    name = "Bakker-" * 25
    users = (DOCS / "oneroster" / "users.csv").read_text().replace(",Bakker,", f",{name},")
    client.force_login(administrator)
    response = upload_oneroster(client, school, oneroster_zip({"users.csv": users}))
    assert_refused(
        response,
        private_media,
        "users.csv, line 5, column “familyName”: “Bakker-Bakker",
        f"” has {len(name)} characters; at most {max_length(Guardian, 'last_name')} fit.",
    )
