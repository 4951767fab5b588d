"""A realistic demo board: CVO Baarn/Soest with Waldheim-mavo and Griftland College.

Deterministic (fixed seed) and idempotent: running it twice changes nothing the second time.
`Demo.load` makes the board, its purposes and staff (here), the students, guardians and their
answers (`students.py`), and two publications with a takedown (here).
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from consents.communications.group_check import group_check
from consents.communications.publications import publication_record
from consents.dates import SCHOOL_TZ, school_today
from consents.decisions.services import decision_record
from consents.models import (
    Board,
    Campaign,
    ConsentText,
    Group,
    Guardian,
    Guardianship,
    MediaType,
    Purpose,
    Role,
    School,
    SchoolYear,
    StaffMember,
    Student,
)
from consents.people import people_in
from consents.rules import Value

from .library import library_load
from .names import BOARD_NAME, DEMO_PASSWORD, PURPOSES, TEXT_EN, TEXT_NL
from .students import students_load

User = get_user_model()


class Demo:
    def __init__(self, stdout=None, seed: int = 2026):
        # Repeatable demo data.
        self.random = random.Random(seed)  # nosec B311
        self.stdout = stdout
        self.today = school_today()

    def log(self, message):
        if self.stdout:
            self.stdout.write(message)
            self.stdout.flush()  # progress shows as it happens, also when piped to a file

    def user(self, email, first_name="", last_name="", password=None, **extra):
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name, **extra}
        )
        if created:
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
        return user

    @transaction.atomic
    def load(self) -> None:
        board, _ = Board.objects.get_or_create(
            name=BOARD_NAME,
            defaults={
                "contact_email": "privacy@example.org",
                "privacy_officer": "M. de Wit",
                "registration_number": "00000000",
                "address": "Postbus 1, 3740 AA Baarn",
                "phone": "035 000 0000",
                "website": "https://www.example.org/",
                "privacy_statement_url": "https://www.example.org/privacy",
                "storage_country": "NL",
                "recipients": "Schoolfotograaf (example)",
            },
        )
        schools = [
            School.objects.get_or_create(board=board, name=name, defaults={"brin": brin})[0]
            for name, brin in (("Waldheim-mavo", "02VX"), ("Griftland College", "16NP"))
        ]
        this_year = SchoolYear.objects.for_date(board, self.today)
        last_year = SchoolYear.objects.for_date(board, this_year.start_date - dt.timedelta(days=1))
        purposes = self.purposes(board, last_year)
        # Next year's renewal, ready to edit in the admin; beat opens it on 1 September.
        next_year = SchoolYear.objects.for_date(board, this_year.end_date + dt.timedelta(days=1))
        Campaign.objects.get_or_create(
            board=board, school_year=next_year, kind=Campaign.Kind.RENEWAL
        )
        self.staff(board, schools)
        if Student.objects.filter(school__in=schools).exists():
            self.log("Demo data already present; nothing changed.")
            return
        self.log("Loading the demo board (first start only)")
        students_load(self, board, schools, this_year, last_year, purposes)
        self.publications(schools[1], this_year, purposes)
        library_load(
            self,
            schools[1],
            Group.objects.get(school=schools[1], school_year=this_year, name="G1a"),
            User.objects.get(email="communicatie@example.org"),
        )

    def purposes(self, board, last_year):
        purposes = []
        published = dt.datetime.combine(last_year.start_date, dt.time(9), tzinfo=SCHOOL_TZ)
        for order, (code, name_nl, name_en, desc_nl, desc_en) in enumerate(PURPOSES, start=1):
            purpose, _ = Purpose.objects.get_or_create(
                board=board,
                code=code,
                defaults={
                    "name_nl": name_nl,
                    "name_en": name_en,
                    "description_nl": desc_nl,
                    "description_en": desc_en,
                    "order": order,
                },
            )
            if not purpose.texts.exists():
                ConsentText.objects.create(
                    purpose=purpose,
                    change=ConsentText.Change.INITIAL,
                    body_nl=TEXT_NL.format(
                        subject="uw kind of u", purpose=name_nl.lower(), description=desc_nl
                    ),
                    body_en=TEXT_EN.format(
                        subject="your child or you", purpose=name_en.lower(), description=desc_en
                    ),
                    created_at=published,
                )
            purposes.append(purpose)
        return purposes

    def staff(self, board, schools):
        admin = self.user(
            "admin@example.org",
            "Marloes",
            "de Wit",
            DEMO_PASSWORD,
            is_staff=True,
            is_superuser=True,
        )
        Role.objects.get_or_create(user=admin, kind=Role.Kind.ADMINISTRATOR, board=board)
        comms = self.user("communicatie@example.org", "Rick", "Hoekstra", DEMO_PASSWORD)
        Role.objects.get_or_create(
            user=comms, kind=Role.Kind.COMMUNICATIONS, board=board, school=schools[1]
        )
        council = self.user("gmr@example.org", "Wendy", "Schouten", DEMO_PASSWORD)
        Role.objects.get_or_create(user=council, kind=Role.Kind.COUNCIL, board=board)
        teacher_user = self.user("docent@example.org", "Anton", "Verhoeven")
        teacher, created = StaffMember.objects.get_or_create(
            user=teacher_user,
            defaults={
                "board": board,
                "first_name": "Anton",
                "last_name": "Verhoeven",
                "function": "docent aardrijkskunde",
            },
        )
        if created:
            teacher.schools.set(schools)

    def publications(self, school, this_year, purposes):
        """Two publications of Griftland College, one flagged, and a takedown after a withdrawal."""
        comms = User.objects.get(email="communicatie@example.org")
        website = next(p for p in purposes if p.code == "website")
        photo = MediaType.objects.get(code="photo")
        group = Group.objects.get(school=school, school_year=this_year, name="G1a")
        check = group_check(
            school=school,
            purpose=website,
            media_type=photo,
            people=list(people_in([school]).filter(student__group=group)),
            on=self.today,
        )
        open_day = publication_record(
            user=comms,
            school=school,
            title="Open dag: rondleiding G1a",
            purpose=website,
            media_type=photo,
            published_on=self.today - dt.timedelta(days=20),
            url="https://griftland.example.org/nieuws/open-dag",
            people=[row.person for row in check.allowed],
        )
        if check.not_allowed:
            publication_record(
                user=comms,
                school=school,
                title="Sportdag G1a",
                purpose=website,
                media_type=photo,
                published_on=self.today - dt.timedelta(days=10),
                people=[row.person for row in check.rows[:8]] + [check.not_allowed[0].person],
                override_reason="Alleen van achteren in beeld, niet herkenbaar.",
            )
        # A guardian withdraws for a child on the open-day photos: a takedown task opens.
        for row in check.allowed:
            voices = [d.guardian for d in row.verdict.decisions if d.guardian_id]
            if voices and row.verdict.decider == "guardians":
                decision_record(
                    actor=voices[0].user,
                    subject=row.person,
                    purpose=website,
                    media_type=photo,
                    value=Value.WITHDRAWN,
                    user_agent="demo data",
                    ip_address="192.0.2.1",
                )
                break
        self.log(f"Recorded publications, among them {open_day}.")

    def guardian(self, email, first_name, prefix, last_name, students):
        user = self.user(email, first_name, " ".join(p for p in (prefix, last_name) if p))
        guardian, _ = Guardian.objects.get_or_create(
            user=user,
            defaults={"first_name": first_name, "prefix": prefix, "last_name": last_name},
        )
        for student in students:
            Guardianship.objects.get_or_create(guardian=guardian, student=student)
        return guardian

    def student_account(self, student):
        student.user = self.user(
            f"leerling{student.student_number}@example.org", student.first_name, student.last_name
        )
        student.save(update_fields=["user"])
        return student.user
