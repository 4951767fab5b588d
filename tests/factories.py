import datetime as dt

import factory
from django.contrib.auth import get_user_model

from consents.models import (
    Board,
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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    password = factory.django.Password(None)


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board

    name = factory.Sequence(lambda n: f"Stichting {n}")
    contact_email = "privacy@example.org"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    board = factory.SubFactory(BoardFactory)
    name = factory.Sequence(lambda n: f"School {n}")


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("board", "start_date")

    board = factory.SubFactory(BoardFactory)
    start_date = dt.date(2026, 8, 1)
    end_date = factory.LazyAttribute(lambda o: dt.date(o.start_date.year + 1, 7, 31))


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(
        SchoolYearFactory, board=factory.SelfAttribute("..school.board")
    )
    name = factory.Sequence(lambda n: f"1{chr(97 + n % 26)}{n}")


class PurposeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purpose
        skip_postgeneration_save = True

    board = factory.SubFactory(BoardFactory)
    code = factory.Sequence(lambda n: f"purpose-{n}")
    name_nl = factory.Sequence(lambda n: f"Doel {n}")
    name_en = factory.Sequence(lambda n: f"Purpose {n}")
    order = factory.Sequence(int)
    text = factory.RelatedFactory(
        "tests.factories.ConsentTextFactory", factory_related_name="purpose"
    )


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText

    purpose = factory.SubFactory(PurposeFactory, text=None)
    body_nl = "Mogen wij beeldmateriaal gebruiken?"
    body_en = "May we use images?"
    change = ConsentText.Change.INITIAL
    created_at = factory.LazyFunction(lambda: dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    board = factory.SelfAttribute("school.board")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    student_number = factory.Sequence(lambda n: f"{100000 + n}")
    date_of_birth = dt.date(2013, 3, 14)


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    board = factory.SubFactory(BoardFactory)
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def schools(self, create, extracted, **kwargs):
        if create and extracted:
            self.schools.set(extracted)


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    first_name = factory.SelfAttribute("user.first_name")
    last_name = factory.SelfAttribute("user.last_name")

    @factory.post_generation
    def students(self, create, extracted, **kwargs):
        for student in extracted or ():
            Guardianship.objects.create(guardian=self, student=student)


class RoleFactory(factory.django.DjangoModelFactory):
    """A staff role; administrators and communications staff get a TOTP second factor, as
    they must have one to reach any page (pass mfa=False to test that requirement)."""

    class Meta:
        model = Role
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    kind = Role.Kind.ADMINISTRATOR
    school = factory.SubFactory(SchoolFactory)
    board = factory.SelfAttribute("school.board")

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        needs = self.kind in (Role.Kind.ADMINISTRATOR, Role.Kind.COMMUNICATIONS)
        has = Authenticator.objects.filter(user=self.user, type="totp").exists()
        if create and needs and extracted is not False and not has:
            TOTP.activate(self.user, generate_totp_secret())


def media(code: str) -> MediaType:
    return MediaType.objects.get(code=code)


def superuser(**kwargs):
    """A superuser with the second factor every superuser must have to reach any page."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(is_staff=True, is_superuser=True, **kwargs)
    TOTP.activate(user, generate_totp_secret())
    return user
