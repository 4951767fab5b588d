import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consents.names import name_order


def full_name(first_name: str, prefix: str, last_name: str) -> str:
    """Dutch order: first name, tussenvoegsel, last name ("Daan van der Berg")."""
    return " ".join(part for part in (first_name, prefix, last_name) if part)


class Subject(models.Model):
    """A person whose image may be published: a student or a staff member.

    Decisions refer to the subject; the tamper-evident log hashes only its pseudonymous `key`,
    so that the names here can be erased after the retention period without breaking the log.
    """

    class Kind(models.TextChoices):
        STUDENT = "student", _("student")
        STAFF = "staff", _("staff member")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, editable=False)
    board = models.ForeignKey("consents.Board", models.PROTECT, related_name="subjects")
    first_name = models.CharField(_("first name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=30, blank=True)
    last_name = models.CharField(_("last name"), max_length=150)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="subject",
        help_text=_("The account this person uses to decide for themself."),
    )
    date_left = models.DateField(_("date left"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    # Rule 12: "must not appear" (court order, foster care, safety), set by an administrator
    # with a note (`Protection`, the log of every change); a rule input (`rules.verdicts`).
    # db_default: the board generator writes people with raw INSERT and COPY.
    protected = models.BooleanField(
        _("must not appear"), default=False, db_default=False, editable=False
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # On PostgreSQL the people list reads its page in this order from an index
        # (migration 0031) and stops, instead of sorting everyone in scope (68 -> 3.5 ms).
        ordering = name_order()

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return full_name(self.first_name, self.prefix, self.last_name)

    @property
    def school_ids(self) -> set[int]:
        if self.kind == self.Kind.STUDENT:
            return {self.student.school_id}
        return set(self.staffmember.schools.values_list("id", flat=True))


class Student(Subject):
    school = models.ForeignKey("consents.School", models.PROTECT, related_name="students")
    group = models.ForeignKey(
        "consents.Group", models.SET_NULL, null=True, blank=True, related_name="students"
    )
    student_number = models.CharField(_("student number"), max_length=20)
    date_of_birth = models.DateField(_("date of birth"))
    guardians = models.ManyToManyField(
        "consents.Guardian", through="consents.Guardianship", related_name="students"
    )

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student_number"], name="student_unique_number"
            ),
        ]

    def save(self, *args, **kwargs):
        self.kind = Subject.Kind.STUDENT
        super().save(*args, **kwargs)


class StaffMember(Subject):
    schools = models.ManyToManyField("consents.School", related_name="staff")
    function = models.CharField(_("function"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def save(self, *args, **kwargs):
        self.kind = Subject.Kind.STAFF
        super().save(*args, **kwargs)


class Guardian(models.Model):
    """A parent or other legal guardian, who logs in with the address the school registered."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.PROTECT, related_name="guardian")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=30, blank=True)
    last_name = models.CharField(_("last name"), max_length=150)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = name_order()

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return full_name(self.first_name, self.prefix, self.last_name)


class Guardianship(models.Model):
    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="guardianships")
    student = models.ForeignKey(Student, models.CASCADE, related_name="guardianships")
    since = models.DateField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="guardianship_unique"),
        ]

    def __str__(self):
        return f"{self.guardian} → {self.student}"


class Protection(models.Model):
    """One change of a person's "must not appear" flag (rule 12): who, when, and why.

    Append-only; the note is for administrators only. `Subject.protected` holds the flag now.
    """

    subject = models.ForeignKey(Subject, models.CASCADE, related_name="protections")
    protected = models.BooleanField(_("must not appear"))
    note = models.TextField(_("note"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="protections_set"
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("protection")
        verbose_name_plural = _("protections")
        ordering = ["-set_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(note=""), name="protection_has_note"),
        ]

    def __str__(self):
        return f"{self.subject} {self.protected} {self.set_at:%Y-%m-%d}"
