"""OneRoster 1.1 and 1.2 CSV: a zip with manifest, orgs, classes, users, enrollments, (1.2)
roles, and optionally demographics.

`manifest.csv` says the version; any other is refused. Students are users with role `student`
(student number: `identifier`, else `sourcedId`); `middleName` is a second given name, not a
tussenvoegsel, so it is not stored. Their class is their enrollment in a class of type
`homeroom`; their date of birth comes from demographics.csv (optional in the standard, but a
student without one cannot be imported: the age rule needs it). Guardians are users with role
`parent` or `guardian` (in 1.2 also as a secondary role: a teacher who is a parent), linked
through `agentSourcedIds` (in either direction); other agents (a `relative`, a teacher) are
skipped with a warning. In 1.1 a user's role and schools are on their row; in 1.2 in roles.csv.
Staff are teachers, aides and administrators (1.1), and in 1.2 also principals, site, district
and system administrators, counselors and proctors; a staff member without a valid email
address cannot log in and is skipped with a warning, and so is one who works only for the board
(a `district` org), not at a school. Users with another role are skipped with a warning.
Schools are orgs, matched by `identifier` (the BRIN code) or by name. An export of changes only
(a manifest with a `delta` file) is refused. A row with status `tobedeleted` is deleted: it is
left out, and so is every row that refers to it. A student or staff member switched off
(`enabledUser` false) is skipped with a warning.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .oneroster_files import Row, tables_read
from .reading import clean_email, parse_date, unreadable_as_error
from .records import GuardianRecord, ParsedFile, StaffRecord, StudentRecord

GUARDIAN_ROLES = {"parent", "guardian"}
# Lower case, as compared: 1.1's roles, and those 1.2 added (it has no "administrator").
STAFF_ROLES = {
    "teacher",
    "administrator",
    "aide",
    "principal",
    "siteadministrator",
    "districtadministrator",
    "systemadministrator",
    "counselor",
    "proctor",
}
# Agents of students, met (and warned about) when their links are read.
AGENT_ROLES = {"relative"}
# Orgs that are not a school a person works at (OneRoster's org types).
NOT_SCHOOLS = {"district", "local", "state", "national"}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _is_deleted(row: Row) -> bool:
    return row.get("status").lower() == "tobedeleted"


class _Roster:
    """The export's files indexed by sourcedId, and the links between them.

    Rows with status `tobedeleted` are deleted (OneRoster 1.1 §2.1, 1.2 §3.1): they are not
    imported, and an enrollment or agent link that names one is dropped with them.
    """

    def __init__(self, version: str, tables: dict[str, list[Row]], parsed: ParsedFile):
        self.version = version
        self.errors = parsed.errors
        self.warnings = parsed.warnings
        self.tables = {
            name: [row for row in rows if not _is_deleted(row)] for name, rows in tables.items()
        }
        deleted = {
            name: {row.get("sourcedId") for row in rows if _is_deleted(row)}
            for name, rows in tables.items()
        }
        self.deleted_users = deleted["users.csv"]
        self.deleted_classes = deleted["classes.csv"]
        self.orgs = self.by_id("orgs.csv")
        self.classes = self.by_id("classes.csv")
        self.users = self.by_id("users.csv")
        self.birth_dates = self.by_id("demographics.csv")
        self.homeroom: dict[str, Row] = {}
        self.guardians_of: dict[str, list[str]] = {}
        # 1.2: every role of a user (roles.csv), the secondary ones too.
        self.roles: dict[str, set[str]] = {}
        if version == "1.2":
            self.roles_read()

    def by_id(self, name: str) -> dict[str, Row]:
        return {row.get("sourcedId"): row for row in self.tables.get(name, [])}

    def roles_read(self):
        """OneRoster 1.2 keeps a user's roles and schools in roles.csv: the primary role
        becomes the user's role, and the orgs of all their roles their schools, as in 1.1."""
        roles: dict[str, list[Row]] = {}
        for row in self.tables["roles.csv"]:
            user_id = row.get("userSourcedId")
            if user_id in self.deleted_users:
                continue
            if user_id not in self.users:
                self.errors.append(
                    row.problem("userSourcedId", _("Unknown user “%(id)s”.") % {"id": user_id})
                )
                continue
            roles.setdefault(user_id, []).append(row)
        for user_id, rows in roles.items():
            rows.sort(key=lambda row: row.get("roleType").lower() != "primary")
            self.roles[user_id] = {row.get("role").lower() for row in rows}
            user = self.users[user_id]
            user.values["role"] = rows[0].get("role")
            orgs = dict.fromkeys(row.get("orgSourcedId") for row in rows if row.get("orgSourcedId"))
            user.values["orgsourcedids"] = ",".join(orgs)
            user.labels.setdefault("role", "roles.csv: role")
            user.labels.setdefault("orgsourcedids", "roles.csv: orgSourcedId")

    def school_of(self, row: Row, column: str, sourced_id: str) -> tuple[str, str] | None:
        org = self.orgs.get(sourced_id)
        if org is None:
            self.errors.append(row.problem(column, _("Unknown org “%(id)s”.") % {"id": sourced_id}))
            return None
        return org.get("identifier") or org.get("name"), org.get("name")

    def schools_among(self, row: Row, org_ids: list[str]) -> list[str]:
        """The orgs of `org_ids` a staff member works at: not the board (a district) or a
        region above it. A staff member of the board alone is skipped with a warning."""
        schools = [
            org_id
            for org_id in org_ids
            if self.orgs.get(org_id) is None
            or self.orgs[org_id].get("type").lower() not in NOT_SCHOOLS
        ]
        if org_ids and not schools:
            self.warnings.append(
                row.problem(
                    "orgSourcedIds",
                    _("This staff member works for the board, not at a school, and is skipped."),
                )
            )
        return schools

    def classes_check(self):
        for row in self.tables["classes.csv"]:
            if row.get("schoolSourcedId") not in self.orgs:
                self.school_of(row, "schoolSourcedId", row.get("schoolSourcedId"))

    def enrollments_read(self):
        for row in self.tables["enrollments.csv"]:
            class_id, user_id = row.get("classSourcedId"), row.get("userSourcedId")
            if class_id in self.deleted_classes or user_id in self.deleted_users:
                continue
            if class_id not in self.classes:
                self.errors.append(
                    row.problem("classSourcedId", _("Unknown class “%(id)s”.") % {"id": class_id})
                )
                continue
            if user_id not in self.users:
                self.errors.append(
                    row.problem("userSourcedId", _("Unknown user “%(id)s”.") % {"id": user_id})
                )
                continue
            klass = self.classes[class_id]
            is_homeroom = klass.get("classType").lower() == "homeroom"
            if row.get("role").lower() == "student" and is_homeroom:
                self.homeroom.setdefault(user_id, klass)

    def agents_read(self):
        for row in self.tables["users.csv"]:
            for agent in _split(row.get("agentSourcedIds")):
                if agent in self.deleted_users:
                    continue
                if agent not in self.users:
                    self.errors.append(
                        row.problem("agentSourcedIds", _("Unknown agent “%(id)s”.") % {"id": agent})
                    )
                    continue
                self.agent_link(row, agent)

    def agent_link(self, row: Row, agent: str):
        """Link a student and a guardian named on either's row; skip any other agent. A
        guardian may hold that role as a secondary one (1.2): a teacher who is a parent."""
        is_student = row.get("role").lower() == "student"
        if not is_student and self.users[agent].get("role").lower() == "student":
            student, guardian = agent, row.get("sourcedId")
        else:
            student, guardian = row.get("sourcedId"), agent
        role = self.users[guardian].get("role")
        if not self.roles.get(guardian, {role.lower()}) & GUARDIAN_ROLES:
            self.warnings.append(
                row.problem(
                    "agentSourcedIds",
                    _(
                        "Agent “%(id)s” has the role “%(role)s”, not parent or guardian: "
                        "they may not decide for the student, so the link is skipped."
                    )
                    % {"id": guardian, "role": role or "–"},
                )
            )
            return
        linked = self.guardians_of.setdefault(student, [])
        if guardian not in linked:
            linked.append(guardian)

    def guardian_record(self, sourced_id: str) -> GuardianRecord | None:
        row = self.users[sourced_id]
        try:
            email = clean_email(row.get("email"))
        except ValidationError:
            message = (
                _("Guardian %(id)s has no email address; they could not log in.")
                if not row.get("email")
                else _("“%(value)s” is not an email address.")
            )
            self.errors.append(
                row.problem("email", message % {"id": sourced_id, "value": row.get("email")})
            )
            return None
        return GuardianRecord(
            first_name=row.get("givenName"),
            prefix="",
            last_name=row.get("familyName"),
            email=email,
            slot=sourced_id,
            source=row.source(first_name="givenName", last_name="familyName", email="email"),
        )

    def birth_date(self, row: Row):
        demographics = self.birth_dates.get(row.get("sourcedId"))
        if demographics is None or not demographics.get("birthDate"):
            self.errors.append(
                row.problem(
                    "sourcedId",
                    _(
                        "No birth date for this student (birthDate in demographics.csv): the "
                        "portal needs it to know whether the student decides at 16 or older "
                        "or the guardians decide."
                    ),
                )
            )
            return None
        try:
            return parse_date(demographics.get("birthDate"))
        except ValueError:
            self.errors.append(
                demographics.problem(
                    "birthDate",
                    _("“%(value)s” is not a date.") % {"value": demographics.get("birthDate")},
                )
            )
            return None


def _student_email(roster: _Roster, row: Row) -> str:
    if not row.get("email"):
        return ""
    try:
        return clean_email(row.get("email"))
    except ValidationError:
        roster.errors.append(
            row.problem(
                "email", _("“%(value)s” is not an email address.") % {"value": row.get("email")}
            )
        )
        return ""


def _student(roster: _Roster, row: Row, schools, first_line_of: dict) -> StudentRecord | None:
    errors = roster.errors
    number = row.get("identifier") or row.get("sourcedId")
    if number in first_line_of:
        errors.append(
            row.problem(
                "identifier",
                _("Duplicate student number %(number)s (also on line %(line)s).")
                % {"number": number, "line": first_line_of[number]},
            )
        )
        return None
    first_line_of[number] = row.line
    errors_before = len(errors)
    born = roster.birth_date(row)
    if not schools:
        errors.append(row.problem("orgSourcedIds", _("The student has no school.")))
    for column in ("givenName", "familyName"):
        if not row.get(column):
            errors.append(row.problem(column, _("This value is required.")))
    email = _student_email(roster, row)
    guardians = [
        roster.guardian_record(agent) for agent in roster.guardians_of.get(row.get("sourcedId"), [])
    ]
    if len(errors) > errors_before:
        return None
    klass = roster.homeroom.get(row.get("sourcedId"))
    grades = klass.get("grades") if klass else ""
    school, school_name = schools[0]
    return StudentRecord(
        source=row.source(
            student_number="identifier" if row.get("identifier") else "sourcedId",
            first_name="givenName",
            last_name="familyName",
            email="email",
            school="orgSourcedIds",
            group="sourcedId",
        ),
        student_number=number,
        first_name=row.get("givenName"),
        prefix="",
        last_name=row.get("familyName"),
        date_of_birth=born,
        group=klass.get("title") if klass else "",
        year_group=int(grades) if grades.isdigit() and 0 < int(grades) < 20 else None,
        school=school,
        school_name=school_name,
        email=email,
        guardians=[g for g in guardians if g is not None],
    )


def _staff_member(roster: _Roster, row: Row, role: str, schools) -> StaffRecord | None:
    try:
        email = clean_email(row.get("email"))
    except ValidationError:
        # Staff are known by their address; without one they cannot log in (as in EDEXML).
        roster.warnings.append(
            row.problem("email", _("This staff member lacks a valid email address and is skipped."))
        )
        return None
    if not row.get("familyName"):
        roster.errors.append(row.problem("familyName", _("This value is required.")))
        return None
    return StaffRecord(
        source=row.source(
            email="email",
            first_name="givenName",
            last_name="familyName",
            school="orgSourcedIds",
        ),
        email=email,
        first_name=row.get("givenName"),
        prefix="",
        last_name=row.get("familyName"),
        function=role,
        schools=schools,
    )


def _people(roster: _Roster, parsed: ParsedFile):
    first_line_of: dict[str, int] = {}
    for row in roster.tables["users.csv"]:
        role = row.get("role").lower()
        if role in GUARDIAN_ROLES:
            continue
        if row.get("enabledUser").lower() == "false":
            if role == "student" or role in STAFF_ROLES:
                roster.warnings.append(_switched_off(row))
            continue
        org_ids = _split(row.get("orgSourcedIds"))
        if role in STAFF_ROLES:
            org_ids = roster.schools_among(row, org_ids)
            if not org_ids:
                continue
        schools = [roster.school_of(row, "orgSourcedIds", org_id) for org_id in org_ids]
        if None in schools:
            continue
        if role == "student":
            student = _student(roster, row, schools, first_line_of)
            if student is not None:
                parsed.students.append(student)
        elif role in STAFF_ROLES:
            member = _staff_member(roster, row, role, schools)
            if member is not None:
                parsed.staff.append(member)
        elif role not in AGENT_ROLES:
            roster.warnings.append(
                row.problem(
                    "role",
                    _("The role “%(role)s” is not imported; this user is skipped.")
                    % {"role": row.get("role") or "–"},
                )
            )


def _switched_off(row: Row):
    """Said: a full import counts them as left, and some systems switch off young pupils."""
    message = _(
        "This user is switched off in the file (enabledUser is false) and is not "
        "imported; a full import counts them as having left."
    )
    return row.problem("enabledUser", message)


@unreadable_as_error
def parse_oneroster(filename: str, data: bytes) -> ParsedFile:
    parsed = ParsedFile(names_schools=True)
    found = tables_read(filename, data, parsed)
    if found is None:
        return parsed
    roster = _Roster(*found, parsed)
    roster.classes_check()
    roster.enrollments_read()
    roster.agents_read()
    _people(roster, parsed)
    return parsed
