"""The people directory: whom communications staff and administrators may see, and finding
them by name, student number or class.

A scope (`consents.people.people_in`) and a search (`found_by`, then `among` for the scope)
are kept apart so that PostgreSQL looks people up by their keys; see the functions for the
figures.
"""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from consents.dates import school_year_start
from consents.models import Group, School, StaffMember, Student, Subject
from consents.names import name_order


def matching(term: str, *, email: bool = False) -> QuerySet:
    """The ids of people one search word finds: part of a first or last name, their name
    prefix (names without case or diacritics: "celik" finds "Çelik"), the start of a student
    number, their class; with `email` also their exact address. Each alternative is a query
    an index answers (trigram indexes on the folded names, migration 0016), united, rather
    than one OR over joined tables that none can."""
    found = [
        Subject.objects.filter(
            Q(first_name__folded_contains=term) | Q(last_name__folded_contains=term)
        ),
        # "van der Berg" is typed as three words: each may be part of the prefix.
        Subject.objects.filter(prefix__folded_contains=term),
        Student.objects.filter(student_number__startswith=term),
        Student.objects.filter(group__name__iexact=term),
    ]
    if email:
        found.append(Subject.objects.filter(user__email=term.lower()))  # stored lower case
    first, *others = [query.order_by().values("pk") for query in found]
    return first.union(*others)


def found_by(query: str, *, email: bool = False) -> set[int]:
    """The ids of people whom every word of `query` finds (at most six words, see `matching`).

    Worked out before the scope is applied: given a list of ids, PostgreSQL looks the people
    up by primary key; given the union as a subquery it misjudges its size and scans."""
    found = None
    for term in query.split()[:6]:
        ids = set(matching(term, email=email).values_list("pk", flat=True))
        found = ids if found is None else found & ids
    return found or set()


def among(schools, ids, *, limit: int | None = None) -> list[int]:
    """Those of `ids` (people a search found) who are students or staff members of `schools`
    and not erased, in name order; the first `limit` of them, counted by the database.

    The scope is checked on the found people's own keys. Joined to `people_in` instead,
    PostgreSQL hashes every student of the board (10 to 30 ms at 50,000 students) to check
    the few hundred people a common name finds."""
    if not ids:
        return []
    ids = frozenset(ids)
    students = Student.objects.order_by().filter(pk__any=ids, school__in=schools)
    staff = StaffMember.schools.through.objects.filter(staffmember__any=ids, school__in=schools)
    found = (
        Subject.objects.filter(pk__any=ids, erased_at__isnull=True)
        .filter(Q(pk__in=students.values("pk")) | Q(pk__in=staff.values("staffmember_id")))
        .order_by(*name_order())
        .values_list("pk", flat=True)
    )
    return list(found if limit is None else found[:limit])


def people_by_pk(pks: list[int]) -> list[Subject]:
    """The people `pks` names, in that order, with what a list of people shows of them."""
    people = Subject.objects.select_related("student__school", "student__group", "staffmember")
    found = people.in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


def people_search(schools, query: str, *, limit: int) -> list[Subject]:
    """People of `schools` whom every word of `query` finds, the first `limit` by name."""
    return people_by_pk(among(schools, found_by(query), limit=limit))


def group_label(person: Subject) -> str:
    """The class of a student, or "staff" for a staff member."""
    if person.kind == Subject.Kind.STAFF:
        return _("staff")
    group = person.student.group
    return group.name if group else ""


def current_groups(school: School, on: dt.date) -> QuerySet[Group]:
    return Group.objects.filter(school=school, school_year__start_date=school_year_start(on))
