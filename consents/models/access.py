from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLogEntry(models.Model):
    """One view or export of other people's personal data by staff (PRODUCT rule 11).

    Written by consents.privacy.access_log.staff_access_record(), never changed;
    administrators read it in the admin. Who looked is kept by name even after their account
    is removed.
    """

    class Action(models.TextChoices):
        LOOKUP = "lookup", _("lookup results")
        PERSON = "person", _("person detail")
        GROUP_CHECK = "group_check", _("group check")
        PUBLICATION = "publication", _("publication")
        TAKEDOWN = "takedown", _("takedown tasks")
        ADMIN = "admin", _("admin page")
        EXPORT = "export", _("export")
        LIBRARY = "library", _("photo library")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="access_log_entries",
        verbose_name=_("who"),
    )
    user_email = models.EmailField(_("who (address then)"))
    action = models.CharField(_("what"), max_length=20, choices=Action)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    path = models.CharField(_("page"), max_length=500)
    ip_address = models.GenericIPAddressField(_("from where"), null=True, blank=True)
    people_count = models.PositiveIntegerField(_("people shown"), default=0)
    # The links to the people shown have no foreign-key constraints in the database:
    # `staff_access_record` checks in one query that everyone it names exists, and Django
    # still removes the links with the person. Checked one by one at commit, a library page's
    # 650 people cost 13-18 ms of its 50 ms budget, against 0.6 ms without (docs/benchmarks.md).
    subjects = models.ManyToManyField(
        "consents.Subject",
        related_name="access_log_entries",
        verbose_name=_("people"),
        db_constraint=False,
    )
    guardians = models.ManyToManyField(
        "consents.Guardian",
        related_name="access_log_entries",
        verbose_name=_("guardians"),
        blank=True,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="accesslog_user_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.get_action_display()}"
