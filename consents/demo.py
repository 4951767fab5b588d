"""A realistic demo board: CVO Baarn/Soest with Waldheim-mavo and Griftland College.

Deterministic (fixed seed) and idempotent: running it twice changes nothing the second time.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from consents.communications.directory import people_in
from consents.communications.publications import group_check, publication_record
from consents.dates import SCHOOL_TZ, school_today, school_year_start
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
from consents.rules import Decider, Method, Value, decider_on, sixteen_cutoff

User = get_user_model()

BOARD_NAME = "CVO Baarn/Soest"
# Demo board; parents use codes.
DEMO_PASSWORD = "demo-wachtwoord-2026"  # nosec B105

# The purposes of the Dutch model consent form for images (Kennisnet / PO-Raad / VO-raad).
PURPOSES = [
    (
        "schoolgids",
        "Schoolgids en brochures",
        "School guide and brochures",
        "Foto's en video's in de schoolgids, folders en andere drukwerken van de school.",
        "Photos and videos in the school guide, leaflets and other printed matter.",
    ),
    (
        "nieuwsbrief",
        "Nieuwsbrief",
        "Newsletter",
        "De (digitale) nieuwsbrief die naar ouders en leerlingen gaat.",
        "The (digital) newsletter sent to parents and students.",
    ),
    (
        "website",
        "Website van de school",
        "School website",
        "De openbare website van de school.",
        "The school's public website.",
    ),
    (
        "sociale-media",
        "Sociale media van de school",
        "School social media",
        "De accounts van de school op Instagram, Facebook, LinkedIn en YouTube.",
        "The school's accounts on Instagram, Facebook, LinkedIn and YouTube.",
    ),
    (
        "ouderportaal",
        "Ouderportaal",
        "Parent portal",
        "Het afgeschermde ouderportaal, alleen zichtbaar voor ouders van de school.",
        "The closed parent portal, visible only to parents of the school.",
    ),
    (
        "jaarboek",
        "Jaarboek",
        "Yearbook",
        "Het jaarboek dat aan leerlingen wordt uitgereikt.",
        "The yearbook given to students.",
    ),
    (
        "personeel-social",
        "Sociale media van personeel",
        "Staff personal social media",
        "Berichten van medewerkers op hun eigen sociale media over schoolactiviteiten.",
        "Posts by staff on their own social media about school activities.",
    ),
    (
        "pers",
        "Pers",
        "Press",
        "Foto's en film door journalisten, bijvoorbeeld bij een bezoek aan school.",
        "Photos and film by journalists, for example during a visit to the school.",
    ),
]

TEXT_NL = (
    "Wij vragen uw toestemming om beeldmateriaal (foto, film en geluid) waarop {subject} "
    "herkenbaar is te gebruiken voor: {purpose}. {description} U kunt uw toestemming altijd "
    "intrekken; dat geldt vanaf dat moment en niet voor wat al gepubliceerd is. Wat online is "
    "gezet, kan ook na verwijdering openbaar blijven."
)
TEXT_EN = (
    "We ask your consent to use images (photo, film and sound) in which {subject} can be "
    "recognised for: {purpose}. {description} You can withdraw your consent at any time; "
    "that applies from then on and not to what was already published. What is put online may "
    "stay public even after it is removed."
)

FIRST_NAMES = [
    "Daan",
    "Sem",
    "Lucas",
    "Milan",
    "Levi",
    "Finn",
    "Bram",
    "Noah",
    "Jesse",
    "Thijs",
    "Emma",
    "Julia",
    "Mila",
    "Sophie",
    "Tess",
    "Zoë",
    "Sara",
    "Nora",
    "Fleur",
    "Lotte",
    "Yara",
    "Noor",
    "Anouk",
    "Mohamed",
    "Ayoub",
    "Elif",
    "Emre",
    "Sanne",
    "Brontë",
    "Chloë",
]
LAST_NAMES = [
    ("", "Jansen"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("", "Bakker"),
    ("van", "Dijk"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van der", "Linden"),
    ("", "Çelik"),
    ("", "Yılmaz"),
    ("El", "Amrani"),
    ("", "Kramer"),
]
DEMO_LOGINS = {
    "administrator (password)": ("admin@example.org", DEMO_PASSWORD),
    "communications staff (password)": ("communicatie@example.org", DEMO_PASSWORD),
    "(G)MR member (password)": ("gmr@example.org", DEMO_PASSWORD),
    "staff member (code by email)": ("docent@example.org", ""),
    "guardian; the two guardians disagree (code)": ("mark.devries@example.org", ""),
    "the other guardian (code)": ("sanne.bakker@example.org", ""),
    "guardian of a student turning 16 this week (code)": ("ouder.celik@example.org", ""),
    "student of 17 (code)": ("bronte.jansen@example.org", ""),
}

GUARDIAN_FIRST = [
    "Mark",
    "Sanne",
    "Peter",
    "Inge",
    "Ahmed",
    "Fatima",
    "Jeroen",
    "Marieke",
    "Kees",
    "Ellen",
    "Hasan",
    "Ayşe",
    "Joost",
    "Femke",
    "Ruud",
    "Linda",
]


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
        self.students(board, schools, this_year, last_year, purposes)
        self.publications(schools[1], this_year, purposes)

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

    def students(self, board, schools, this_year, last_year, purposes):
        rnd = self.random
        media = list(MediaType.objects.all())
        groups = {}
        for school, prefix, levels in (
            (schools[0], "M", range(1, 5)),
            (schools[1], "G", range(1, 7)),
        ):
            for level in levels:
                for letter in "ab":
                    groups[(school.id, level)] = groups.get((school.id, level), []) + [
                        Group.objects.get_or_create(
                            school=school,
                            school_year=this_year,
                            name=f"{prefix}{level}{letter}",
                            defaults={"year_group": level},
                        )[0]
                    ]
        students = []
        number = 100000
        for school, levels, per_group in (
            (schools[0], range(1, 5), 13),
            (schools[1], range(1, 7), 16),
        ):
            for level in levels:
                for group in groups[(school.id, level)]:
                    for _ in range(per_group):
                        number += 1
                        age = 11 + level + rnd.choice((0, 0, 0, 1))
                        born = self.today - dt.timedelta(days=age * 365 + rnd.randint(0, 364))
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
        # The cases a demo must show.
        waldheim_2a = groups[(schools[0].id, 2)][0]
        zoe = Student.objects.create(
            board=board,
            school=schools[0],
            group=waldheim_2a,
            student_number="200001",
            first_name="Zoë",
            prefix="de",
            last_name="Vries",
            date_of_birth=self.today.replace(year=self.today.year - 13) - dt.timedelta(days=40),
        )
        turning = self.today + dt.timedelta(days=3)
        daan = Student.objects.create(
            board=board,
            school=schools[1],
            group=groups[(schools[1].id, 4)][0],
            student_number="200002",
            first_name="Daan",
            last_name="Çelik",
            date_of_birth=sixteen_cutoff(turning),  # 16 on `turning`
        )
        bronte_user = self.user("bronte.jansen@example.org", "Brontë", "Jansen")
        bronte = Student.objects.create(
            board=board,
            school=schools[1],
            group=groups[(schools[1].id, 6)][0],
            student_number="200003",
            first_name="Brontë",
            last_name="Jansen",
            user=bronte_user,
            date_of_birth=self.today.replace(year=self.today.year - 17) - dt.timedelta(days=100),
        )
        mark = self.guardian("mark.devries@example.org", "Mark", "de", "Vries", [zoe])
        sanne = self.guardian("sanne.bakker@example.org", "Sanne", "", "Bakker", [zoe])
        self.guardian("ouder.celik@example.org", "Ayşe", "", "Çelik", [daan])

        self.log(f"Created {len(students)} students; adding their guardians and answers")
        # Families: siblings share guardians; a quarter of students have two guardians.
        history = []
        for index, student in enumerate(students):
            if index and rnd.random() < 0.12:
                sibling_guardians = list(students[index - 1].guardians.all())
                for guardian in sibling_guardians:
                    Guardianship.objects.create(guardian=guardian, student=student)
                voices = sibling_guardians
            else:
                voices = [
                    self.guardian(
                        f"ouder{student.student_number}@example.org",
                        rnd.choice(GUARDIAN_FIRST),
                        student.prefix,
                        student.last_name,
                        [student],
                    )
                ]
                if rnd.random() < 0.25:
                    voices.append(
                        self.guardian(
                            f"ouder{student.student_number}b@example.org",
                            rnd.choice(GUARDIAN_FIRST),
                            "",
                            rnd.choice(LAST_NAMES)[1],
                            [student],
                        )
                    )
            history.extend(self.answers(student, voices, purposes, media, this_year, last_year))

        # Zoë's guardians disagree about the website: Mark grants, Sanne refuses.
        website = next(p for p in purposes if p.code == "website")
        start = self.moment(this_year.start_date + dt.timedelta(days=30))
        for guardian, value, hours in ((mark, Value.GRANTED, 0), (sanne, Value.REFUSED, 5)):
            for medium in media:
                history.append(
                    (start + dt.timedelta(hours=hours), guardian.user, zoe, website, medium, value)
                )
        # Daan's mother granted everything for him before he turns 16.
        for purpose in purposes[:5]:
            history.append(
                (
                    start,
                    self.user("ouder.celik@example.org"),
                    daan,
                    purpose,
                    media[0],
                    Value.GRANTED,
                )
            )
        # Brontë (17) decided herself.
        for purpose in purposes:
            history.append(
                (
                    start,
                    bronte_user,
                    bronte,
                    purpose,
                    media[0],
                    Value.GRANTED if purpose.code != "pers" else Value.REFUSED,
                )
            )

        now = timezone.now()
        past = sorted((h for h in history if h[0] < now), key=lambda h: h[0])
        self.log(f"Recording {len(past)} decisions of {len(students)} students (about 2 minutes)")
        for done, (at, actor, student, purpose, medium, value) in enumerate(past, start=1):
            if done % 1000 == 0:
                self.log(f"  {done} of {len(past)} decisions recorded")
            decision_record(
                actor=actor,
                subject=student,
                purpose=purpose,
                media_type=medium,
                value=value,
                method=Method.ONLINE,
                at=at,
                user_agent="demo data",
                ip_address="192.0.2.1",
            )

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

    def moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(20, 15), tzinfo=SCHOOL_TZ)

    def answers(self, student, voices, purposes, media, this_year, last_year):
        """A plausible history: most answered last year; many renewed; some withdrew."""
        rnd = self.random
        if rnd.random() < 0.15:
            return []  # never answered
        events = []
        years = [last_year, this_year] if rnd.random() < 0.6 else [last_year]
        for voice in voices[: 1 if rnd.random() < 0.7 else 2]:
            base = rnd.random()
            for year in years:
                day = year.start_date + dt.timedelta(days=rnd.randint(31, 60))
                at = self.moment(day) + dt.timedelta(minutes=rnd.randint(0, 600))
                actor = voice.user
                if decider_on(student.date_of_birth, day) == Decider.SELF:  # 16 or older
                    actor = student.user or self.student_account(student)
                for purpose in purposes[:6]:
                    for medium in media:
                        granted = rnd.random() < (0.85 if base > 0.2 else 0.3)
                        events.append(
                            (
                                at,
                                actor,
                                student,
                                purpose,
                                medium,
                                Value.GRANTED if granted else Value.REFUSED,
                            )
                        )
            if rnd.random() < 0.05 and events:
                at, actor, student, purpose, medium, value = events[-1]
                if value == Value.GRANTED:
                    events.append(
                        (
                            at + dt.timedelta(days=20),
                            actor,
                            student,
                            purpose,
                            medium,
                            Value.WITHDRAWN,
                        )
                    )
        return [e for e in events if school_year_start(e[0].date()) <= self.today]
