"""OneRoster 1.1 and 1.2 exports through the import page: versions, roles, deletions, agents."""

import datetime as dt

import pytest
import time_machine

from consents.models import Guardian, ImportRun, StaffMember, Student

from .helpers import amsterdam
from .import_helpers import DATA, DOCS, confirm, page, upload, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "private_media")]

ONEROSTER_11 = DOCS / "oneroster"
ONEROSTER_12 = DATA / "oneroster-1.2"


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


@pytest.fixture
def admin_client(client, administrator, school):
    school.brin = "02VX"
    school.save()
    client.force_login(administrator)
    return client


def dry_run(client, school, content):
    return page(upload(client, school, content, name="or.zip", format=ImportRun.Format.ONEROSTER))


def test_a_oneroster_1_2_set_imports_students_guardians_classes_and_staff(admin_client, school):
    text = dry_run(admin_client, school, zipped(ONEROSTER_12))
    assert "Dry run" in text and "Import now" in text
    page(confirm(admin_client))
    zoe, lotte = Student.objects.filter(last_name="de Vries").order_by("first_name").reverse()
    assert (zoe.first_name, zoe.date_of_birth, zoe.group.name) == (
        "Zoë",
        dt.date(2013, 3, 14),
        "2a",
    )
    # siblings share their guardians: one account each, linked to both children
    assert set(zoe.guardians.all()) == set(lotte.guardians.all())
    assert Guardian.objects.filter(user__email="mark.devries@example.org").count() == 1
    anton = StaffMember.objects.get(user__email="anton.verhoeven@example.org")
    assert anton.schools.get() == school and anton.function == "teacher"
    assert Student.objects.count() == 3


def test_middle_name_is_not_stored_as_the_tussenvoegsel(admin_client, school):
    dry_run(admin_client, school, zipped(ONEROSTER_12))
    confirm(admin_client)
    zoe = Student.objects.get(student_number="100101")
    assert (zoe.first_name, zoe.prefix, zoe.last_name) == ("Zoë", "", "de Vries")


def test_an_agent_who_is_not_a_parent_or_guardian_is_skipped_with_a_warning(admin_client, school):
    text = dry_run(admin_client, school, zipped(ONEROSTER_12))
    assert "users.csv, line 3, column “agentSourcedIds”" in text
    assert "Agent “rel-1” has the role “relative”, not parent or guardian" in text
    confirm(admin_client)
    daan = Student.objects.get(student_number="100102")
    assert [g.user.email for g in daan.guardians.all()] == ["ayse.celik@example.org"]
    assert not Guardian.objects.filter(user__email="fatma.yilmaz@example.org").exists()


def test_an_enrollment_in_a_class_to_be_deleted_is_dropped_not_an_unknown_class(
    admin_client, school
):
    text = dry_run(admin_client, school, zipped(ONEROSTER_12))
    assert "Unknown class" not in text and "class-3c" not in text
    confirm(admin_client)
    assert Student.objects.get(student_number="100103").group.name == "2a"


def test_a_user_to_be_deleted_in_1_1_is_not_imported_and_nothing_that_names_them_fails(
    admin_client, school
):
    users = (ONEROSTER_11 / "users.csv").read_text().replace("stu-2,,,", "stu-2,tobedeleted,,")
    text = dry_run(admin_client, school, zipped(ONEROSTER_11, {"users.csv": users}))
    assert "Import now" in text, text[text.find("import-errors") :][:600]
    confirm(admin_client)
    assert list(Student.objects.values_list("student_number", flat=True)) == ["100101"]


def test_demographics_are_optional_in_the_standard_but_a_student_needs_a_birth_date(
    admin_client, school
):
    text = dry_run(admin_client, school, zipped(ONEROSTER_11, leave_out={"demographics.csv"}))
    assert "demographics.csv is missing" not in text
    assert "users.csv, line 2, column “sourcedId”: No birth date for this student" in text
    assert "whether the student decides at 16 or older" in text
    assert Student.objects.count() == 0


def test_staff_import_needs_no_demographics(admin_client, school):
    users = "\n".join(
        line
        for line in (ONEROSTER_11 / "users.csv").read_text().splitlines()
        if ",student," not in line and ",parent," not in line and ",guardian," not in line
    )
    enrollments = "\n".join(
        line
        for line in (ONEROSTER_11 / "enrollments.csv").read_text().splitlines()
        if "stu-" not in line
    )
    content = zipped(
        ONEROSTER_11,
        {"users.csv": users, "enrollments.csv": enrollments},
        leave_out={"demographics.csv"},
    )
    assert "Import now" in dry_run(admin_client, school, content)
    confirm(admin_client)
    assert StaffMember.objects.get().user.email == "anton.verhoeven@example.org"


@pytest.mark.parametrize("version", ["1.0", "2.0", ""])
def test_another_oneroster_version_is_refused_naming_it(admin_client, school, version):
    manifest = (ONEROSTER_12 / "manifest.csv").read_text().replace("1.2", version)
    text = dry_run(admin_client, school, zipped(ONEROSTER_12, {"manifest.csv": manifest}))
    assert "manifest.csv, line 3, column “oneroster.version”" in text
    assert f"OneRoster version “{version or '–'}” cannot be read" in text
    assert "Import now" not in text
    assert Student.objects.count() == 0


def test_a_oneroster_zip_without_manifest_is_refused(admin_client, school):
    text = dry_run(admin_client, school, zipped(ONEROSTER_11, leave_out={"manifest.csv"}))
    assert "manifest.csv is missing: it says which OneRoster version" in text


def test_a_1_2_set_without_roles_is_refused(admin_client, school):
    text = dry_run(admin_client, school, zipped(ONEROSTER_12, leave_out={"roles.csv"}))
    assert "roles.csv is missing." in text
    assert "Import now" not in text


def test_a_role_for_an_unknown_user_is_an_error_naming_the_line(admin_client, school):
    roles = (ONEROSTER_12 / "roles.csv").read_text().replace(",stu-3,", ",stu-33,")
    text = dry_run(admin_client, school, zipped(ONEROSTER_12, {"roles.csv": roles}))
    assert "roles.csv, line 4, column “userSourcedId”: Unknown user “stu-33”." in text


# --- Published exports the importer met (issue: real data) -----------------------------------


def _with_staff(*rows: tuple[str, str, str, str]) -> dict:
    """The 1.2 set with more staff: (sourcedId, role, org, email) each."""
    users = (ONEROSTER_12 / "users.csv").read_text(encoding="utf-8")
    roles = (ONEROSTER_12 / "roles.csv").read_text(encoding="utf-8")
    for n, (sourced_id, role, org, email) in enumerate(rows, start=1):
        users += f"{sourced_id},,,true,{sourced_id},,Els,Jansen {n},,,{email},,,,,,,,,,,{org},\n"
        roles += f"rol-x{n},,,{sourced_id},primary,{role},{org},,,\n"
    return {"users.csv": users, "roles.csv": roles}


def test_the_staff_roles_oneroster_1_2_added_are_imported_as_staff(admin_client, school):
    # 1.2 has no "administrator": a school leader is a principal or a siteAdministrator.
    staff = _with_staff(
        ("tea-2", "principal", "org-waldheim", "els.principal@example.org"),
        ("tea-3", "siteAdministrator", "org-waldheim", "els.site@example.org"),
        ("tea-4", "counselor", "org-waldheim", "els.counselor@example.org"),
    )
    dry_run(admin_client, school, zipped(ONEROSTER_12, staff))
    page(confirm(admin_client))
    functions = dict(StaffMember.objects.values_list("user__email", "function"))
    assert functions == {
        "anton.verhoeven@example.org": "teacher",
        "els.principal@example.org": "principal",
        "els.site@example.org": "siteadministrator",
        "els.counselor@example.org": "counselor",
    }


def test_staff_of_the_board_alone_without_an_address_or_role_are_skipped_with_a_warning(
    admin_client, school
):
    staff = _with_staff(
        ("tea-2", "districtAdministrator", "org-board", "els.board@example.org"),
        ("tea-3", "teacher", "org-waldheim", ""),
        ("tea-4", "ext:caretaker", "org-waldheim", "els.caretaker@example.org"),
    )
    text = dry_run(admin_client, school, zipped(ONEROSTER_12, staff))
    assert "Import now" in text
    assert "This staff member works for the board, not at a school, and is skipped." in text
    assert "This staff member lacks a valid email address and is skipped." in text
    assert "The role “ext:caretaker” is not imported; this user is skipped." in text
    page(confirm(admin_client))
    assert list(StaffMember.objects.values_list("user__email", flat=True)) == [
        "anton.verhoeven@example.org"
    ]
    assert Student.objects.count() == 3


def test_an_export_of_changes_only_is_refused_and_nothing_is_imported(admin_client, school):
    manifest = (ONEROSTER_12 / "manifest.csv").read_text(encoding="utf-8")
    delta = manifest.replace("file.users,bulk", "file.users,delta")
    text = dry_run(admin_client, school, zipped(ONEROSTER_12, {"manifest.csv": delta}))
    assert (
        "This export holds only what changed since an earlier one (delta); "
        "export everything (bulk)." in text
    )
    assert "Import now" not in text
    assert Student.objects.count() == 0
    assert ImportRun.objects.get().status != ImportRun.Status.IMPORTED


def test_a_teacher_who_is_also_a_parent_at_the_school_is_linked_as_guardian(admin_client, school):
    # OneRoster 1.2 gives a user several roles: Anton teaches (primary) and is Daan's
    # guardian (secondary), and Daan names him as an agent.
    files = {
        "roles.csv": (ONEROSTER_12 / "roles.csv").read_text(encoding="utf-8")
        + "rol-9,,,tea-1,secondary,guardian,org-waldheim,,,\n",
        "users.csv": (ONEROSTER_12 / "users.csv")
        .read_text(encoding="utf-8")
        .replace('"par-3,rel-1"', '"par-3,rel-1,tea-1"'),
    }
    text = dry_run(admin_client, school, zipped(ONEROSTER_12, files))
    assert "tea-1" not in text  # no warning about Anton as an agent
    page(confirm(admin_client))
    daan = Student.objects.get(student_number="100102")
    assert sorted(g.user.email for g in daan.guardians.all()) == [
        "anton.verhoeven@example.org",
        "ayse.celik@example.org",
    ]
    assert StaffMember.objects.filter(user__email="anton.verhoeven@example.org").exists()


def test_a_student_switched_off_in_the_file_is_skipped_with_a_warning(admin_client, school):
    users = (ONEROSTER_11 / "users.csv").read_text()
    users = users.replace("stu-2,,,true,", "stu-2,,,false,")
    text = dry_run(admin_client, school, zipped(ONEROSTER_11, {"users.csv": users}))
    assert "users.csv, line 3, column “enabledUser”" in text
    assert "switched off in the file (enabledUser is false) and is not imported" in text
    assert "Import now" in text
    confirm(admin_client)
    assert list(Student.objects.values_list("student_number", flat=True)) == ["100101"]
