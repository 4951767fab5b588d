import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consents.dates import school_year_end, school_year_start


class Board(models.Model):
    """A school board: the controller in GDPR terms, and the owner of the board-wide settings."""

    class AtSixteen(models.TextChoices):
        KEEP = "keep", _("Keep the guardians' decision until the student decides")
        LAPSE = "lapse", _("The guardians' decision lapses to no answer")

    class UnansweredYear(models.TextChoices):
        CARRY_FORWARD = "carry_forward", _("Carry the last decision forward, marked not renewed")
        LAPSE = "lapse", _("The decision lapses to no answer")

    name = models.CharField(_("name"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    privacy_officer = models.CharField(_("privacy officer"), max_length=200, blank=True)
    at_sixteen = models.CharField(
        _("on the 16th birthday"), max_length=10, choices=AtSixteen, default=AtSixteen.KEEP
    )
    unanswered_year = models.CharField(
        _("after a school year without an answer"),
        max_length=20,
        choices=UnansweredYear,
        default=UnansweredYear.CARRY_FORWARD,
    )
    retention_months = models.PositiveSmallIntegerField(
        _("retention after leaving (months)"), default=24
    )
    # The controller's facts that every consent receipt states (ISO/IEC TS 27560, Kantara CR).
    registration_number = models.CharField(
        _("Chamber of Commerce (KvK) number"), max_length=20, blank=True
    )
    address = models.TextField(_("postal address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    privacy_statement_url = models.URLField(_("privacy statement (URL)"), blank=True)
    storage_country = models.CharField(
        _("country where the records are stored"),
        max_length=2,
        default="NL",
        help_text=_("Two-letter country code (ISO 3166), for example NL."),
    )
    recipients = models.TextField(
        _("recipients outside the board"),
        blank=True,
        help_text=_(
            "Who else receives the recordings, one per line (for example a photographer); "
            "empty when only the board and its schools do."
        ),
    )

    class Meta:
        verbose_name = _("board")
        verbose_name_plural = _("boards")

    def __str__(self):
        return self.name

    @property
    def recipient_names(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class School(models.Model):
    board = models.ForeignKey(Board, models.PROTECT, related_name="schools")
    name = models.CharField(_("name"), max_length=200)
    brin = models.CharField(_("BRIN code"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="school_unique_name"),
        ]

    def __str__(self):
        return self.name


class SchoolYearQuerySet(models.QuerySet):
    def for_date(self, board: Board, on: dt.date) -> "SchoolYear":
        """The school year of `board` that contains `on`, created on first use (1 Aug – 31 Jul)."""
        year, _created = self.get_or_create(
            board=board,
            start_date=school_year_start(on),
            defaults={"end_date": school_year_end(on)},
        )
        return year


class SchoolYear(models.Model):
    board = models.ForeignKey(Board, models.PROTECT, related_name="school_years")
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["board", "start_date"], name="schoolyear_unique_start"),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="schoolyear_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.start_date.year}-{self.end_date.year}"

    def contains(self, on: dt.date) -> bool:
        return self.start_date <= on <= self.end_date


class Group(models.Model):
    """A class (klas) of a school in one school year."""

    school = models.ForeignKey(School, models.PROTECT, related_name="groups")
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="groups")
    name = models.CharField(_("name"), max_length=50)
    # Leerjaar: the (G)MR report can count per year group.
    year_group = models.PositiveSmallIntegerField(_("year group"), null=True, blank=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="group_unique_name"
            ),
        ]

    def __str__(self):
        return self.name


class RoleQuerySet(models.QuerySet):
    def covering(self, school: School) -> "RoleQuerySet":
        """Roles that apply to `school`: assigned to it, or to its whole board."""
        return self.filter(Q(school=school) | Q(school__isnull=True, board_id=school.board_id))


class Role(models.Model):
    """A staff user's role at one school, or at every school of the board (school empty)."""

    class Kind(models.TextChoices):
        ADMINISTRATOR = "administrator", _("consent administrator")
        COMMUNICATIONS = "communications", _("communications staff")
        COUNCIL = "council", _("(G)MR member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=20, choices=Kind)
    board = models.ForeignKey(Board, models.CASCADE, related_name="roles")
    school = models.ForeignKey(
        School,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        help_text=_("Empty means every school of the board."),
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "board", "school"], name="role_unique_assignment"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_kind_display()} – {self.school or self.board}"
