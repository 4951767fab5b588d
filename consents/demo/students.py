"""The demo board's students, their guardians and a plausible history of their answers.

Every random draw comes from the demo's seeded generator, in a fixed order, so that the board
is the same on every first start.
"""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone

from consents.dates import SCHOOL_TZ, school_year_start, years_before
from consents.decisions.services import decision_record
from consents.models import Group, Guardian, Guardianship, MediaType, Student
from consents.rules import Decider, Method, Value, decider_on, sixteen_cutoff

from .names import FIRST_NAMES, GUARDIAN_FIRST, LAST_NAMES

# (school index, class name prefix, year groups, students per class)
SCHOOLS = ((0, "M", range(1, 5), 13), (1, "G", range(1, 7), 16))


class Event(NamedTuple):
    """One decision of the demo history, recorded in the order of `at`."""

    at: dt.datetime
    actor: object
    student: Student
    purpose: object
    medium: MediaType
    value: str


@dataclass(frozen=True)
class Showcase:
    """The cases a demo must show: two guardians who disagree (Zoë), a student turning 16
    this week (Daan) and a student of 17 who decides herself (Brontë)."""

    zoe: Student
    daan: Student
    bronte: Student
    mark: Guardian
    sanne: Guardian
    celik: Guardian


def students_load(demo, board, schools, this_year, last_year, purposes) -> None:
    media = list(MediaType.objects.all())
    groups = groups_create(schools, this_year)
    students = students_create(demo, board, schools, groups)
    showcase = showcase_create(demo, board, schools, groups)
    demo.log(f"Created {len(students)} students; adding their guardians and answers")
    history = families_history(demo, students, purposes, media, this_year, last_year)
    history += showcase_history(demo, showcase, purposes, media, this_year)
    history_record(demo, history, students=len(students))


def groups_create(schools, this_year) -> dict[tuple[int, int], list[Group]]:
    """Two classes (a and b) per year group of each school, by (school id, year group)."""
    groups = {}
    for index, prefix, levels, _per_group in SCHOOLS:
        school = schools[index]
        for level in levels:
            groups[(school.id, level)] = [
                Group.objects.get_or_create(
                    school=school,
                    school_year=this_year,
                    name=f"{prefix}{level}{letter}",
                    defaults={"year_group": level},
                )[0]
                for letter in "ab"
            ]
    return groups


def students_create(demo, board, schools, groups) -> list[Student]:
    rnd = demo.random
    students = []
    number = 100000
    for index, _prefix, levels, per_group in SCHOOLS:
        school = schools[index]
        for level in levels:
            for group in groups[(school.id, level)]:
                for _ in range(per_group):
                    number += 1
                    age = 11 + level + rnd.choice((0, 0, 0, 1))
                    born = demo.today - dt.timedelta(days=age * 365 + rnd.randint(0, 364))
                    prefix, last = rnd.choice(LAST_NAMES)
                    students.append(
                        Student.objects.create(
                            board=board,
                            school=school,
                            group=group,
                            student_number=str(number),
                            date_of_birth=born,
                            first_name=rnd.choice(FIRST_NAMES),
                            prefix=prefix,
                            last_name=last,
                        )
                    )
    return students


def showcase_create(demo, board, schools, groups) -> Showcase:
    today = demo.today
    zoe = Student.objects.create(
        board=board,
        school=schools[0],
        group=groups[(schools[0].id, 2)][0],
        student_number="200001",
        first_name="Zoë",
        prefix="de",
        last_name="Vries",
        date_of_birth=years_before(today, 13) - dt.timedelta(days=40),
    )
    daan = Student.objects.create(
        board=board,
        school=schools[1],
        group=groups[(schools[1].id, 4)][0],
        student_number="200002",
        first_name="Daan",
        last_name="Çelik",
        date_of_birth=sixteen_cutoff(today + dt.timedelta(days=3)),  # 16 in three days
    )
    bronte = Student.objects.create(
        board=board,
        school=schools[1],
        group=groups[(schools[1].id, 6)][0],
        student_number="200003",
        first_name="Brontë",
        last_name="Jansen",
        user=demo.user("bronte.jansen@example.org", "Brontë", "Jansen"),
        date_of_birth=years_before(today, 17) - dt.timedelta(days=100),
    )
    return Showcase(
        zoe=zoe,
        daan=daan,
        bronte=bronte,
        mark=demo.guardian("mark.devries@example.org", "Mark", "de", "Vries", [zoe]),
        sanne=demo.guardian("sanne.bakker@example.org", "Sanne", "", "Bakker", [zoe]),
        celik=demo.guardian("ouder.celik@example.org", "Ayşe", "", "Çelik", [daan]),
    )


def families_history(demo, students, purposes, media, this_year, last_year) -> list[Event]:
    """Siblings share guardians; a quarter of the students have two guardians."""
    rnd = demo.random
    history = []
    for index, student in enumerate(students):
        if index and rnd.random() < 0.12:
            voices = list(students[index - 1].guardians.all())
            for guardian in voices:
                Guardianship.objects.create(guardian=guardian, student=student)
        else:
            voices = [
                demo.guardian(
                    f"ouder{student.student_number}@example.org",
                    rnd.choice(GUARDIAN_FIRST),
                    student.prefix,
                    student.last_name,
                    [student],
                )
            ]
            if rnd.random() < 0.25:
                voices.append(
                    demo.guardian(
                        f"ouder{student.student_number}b@example.org",
                        rnd.choice(GUARDIAN_FIRST),
                        "",
                        rnd.choice(LAST_NAMES)[1],
                        [student],
                    )
                )
        history.extend(answers(demo, student, voices, purposes, media, this_year, last_year))
    return history


def showcase_history(demo, showcase, purposes, media, this_year) -> list[Event]:
    start = moment(this_year.start_date + dt.timedelta(days=30))
    # Zoë's guardians disagree about the website: Mark grants, Sanne refuses.
    website = next(p for p in purposes if p.code == "website")
    history = [
        Event(start + dt.timedelta(hours=hours), guardian.user, showcase.zoe, website, m, value)
        for guardian, value, hours in (
            (showcase.mark, Value.GRANTED, 0),
            (showcase.sanne, Value.REFUSED, 5),
        )
        for m in media
    ]
    # Daan's mother granted everything for him before he turns 16.
    history += [
        Event(start, showcase.celik.user, showcase.daan, purpose, media[0], Value.GRANTED)
        for purpose in purposes[:5]
    ]
    # Brontë (17) decided herself.
    history += [
        Event(
            start,
            showcase.bronte.user,
            showcase.bronte,
            purpose,
            media[0],
            Value.GRANTED if purpose.code != "pers" else Value.REFUSED,
        )
        for purpose in purposes
    ]
    return history


def history_record(demo, history: list[Event], *, students: int) -> None:
    """Record the events of the past in the order they happened."""
    now = timezone.now()
    past = sorted((event for event in history if event.at < now), key=lambda event: event.at)
    demo.log(f"Recording {len(past)} decisions of {students} students (about 2 minutes)")
    for done, event in enumerate(past, start=1):
        if done % 1000 == 0:
            demo.log(f"  {done} of {len(past)} decisions recorded")
        decision_record(
            actor=event.actor,
            subject=event.student,
            purpose=event.purpose,
            media_type=event.medium,
            value=event.value,
            method=Method.ONLINE,
            at=event.at,
            user_agent="demo data",
            ip_address="192.0.2.1",
        )


def moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(20, 15), tzinfo=SCHOOL_TZ)


def answers(demo, student, voices, purposes, media, this_year, last_year) -> list[Event]:
    """A plausible history: most answered last year; many renewed; some withdrew."""
    rnd = demo.random
    if rnd.random() < 0.15:
        return []  # never answered
    events = []
    years = [last_year, this_year] if rnd.random() < 0.6 else [last_year]
    for voice in voices[: 1 if rnd.random() < 0.7 else 2]:
        base = rnd.random()
        for year in years:
            day = year.start_date + dt.timedelta(days=rnd.randint(31, 60))
            at = moment(day) + dt.timedelta(minutes=rnd.randint(0, 600))
            actor = voice.user
            if decider_on(student.date_of_birth, day) == Decider.SELF:  # 16 or older
                actor = student.user or demo.student_account(student)
            for purpose in purposes[:6]:
                for medium in media:
                    granted = rnd.random() < (0.85 if base > 0.2 else 0.3)
                    value = Value.GRANTED if granted else Value.REFUSED
                    events.append(Event(at, actor, student, purpose, medium, value))
        if rnd.random() < 0.05 and events and events[-1].value == Value.GRANTED:
            last = events[-1]
            events.append(last._replace(at=last.at + dt.timedelta(days=20), value=Value.WITHDRAWN))
    return [event for event in events if school_year_start(event.at.date()) <= demo.today]
