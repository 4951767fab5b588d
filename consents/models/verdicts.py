from django.db import models
from django.utils.translation import gettext_lazy as _


class CurrentVerdict(models.Model):
    """The verdict of `rules.verdicts` for one person, purpose and media type, stored.

    For the whole-board register and the (G)MR report, which would otherwise work out 1.7
    million verdicts per run. The rows hold for the date in `VerdictRefresh.as_of`, except for
    the people queued in `VerdictDirty`, whose inputs changed since; readers work those out
    afresh, and the worker's `consents.stored.refresh` brings the rows up to date.
    """

    # Derived rows, rewritten in bulk: no foreign-key checks or extra indexes to maintain (a
    # rebuild writes 1.7 million rows). Django still cascades deletes; the unique index
    # answers reads by person.
    subject = models.ForeignKey(
        "consents.Subject", models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    purpose = models.ForeignKey(
        "consents.Purpose", models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    media_type = models.ForeignKey(
        "consents.MediaType", models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    state = models.CharField(max_length=12)
    decider = models.CharField(max_length=10)
    disputed = models.BooleanField(default=False)
    not_renewed = models.BooleanField(default=False)
    asked_again = models.BooleanField(default=False)
    inherited_from_guardians = models.BooleanField(default=False)
    lapsed = models.CharField(max_length=10, blank=True)
    # What the library's "needs attention" filter reads in SQL (`consents/library/filters.py`):
    # rule 12, and the latest withdrawal among the decisions that count (`Verdict.withdrawn_at`).
    protected = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The latest of the decisions that count, and what the register shows of it (copied from
    # the decision, which never changes, so that reading the register needs no join).
    last_decision = models.ForeignKey(
        "consents.ConsentDecision",
        models.DO_NOTHING,  # decisions are never removed (append-only)
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # In whole seconds since the epoch: what the register shows, read ten times faster than a
    # timestamp through Django's PostgreSQL adapter.
    last_decided_at = models.BigIntegerField(null=True, blank=True)
    last_guardian_id = models.BigIntegerField(null=True, blank=True)
    last_decided_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("stored verdict")
        verbose_name_plural = _("stored verdicts")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "purpose", "media_type"], name="current_verdict_unique"
            )
        ]

    def __str__(self):
        return f"{self.subject_id}/{self.purpose_id}/{self.media_type_id}: {self.state}"


class VerdictDirty(models.Model):
    """A person whose stored verdicts must be worked out again.

    Written by `consents.stored.verdicts_mark_stale` whenever a rule input of that person
    changes (`consents.rules.inputs.RULE_INPUTS`): a status, guardianship, date of birth or the
    person. Not unique and without a foreign key, so that writing one never waits for a
    refresh or for a person's removal.
    """

    subject_id = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = _("verdict to refresh")
        verbose_name_plural = _("verdicts to refresh")

    def __str__(self):
        return str(self.subject_id)


class VerdictRefresh(models.Model):
    """The single row saying for which date the stored verdicts hold.

    `as_of` empty means "rebuild everything": a change of a board setting, purpose, media type,
    text or school year empties it (`verdicts_mark_stale(everyone=True)`) and raises
    `generation`, which tells a refresh that ran meanwhile that its result no longer holds.
    """

    as_of = models.DateField(null=True, blank=True)
    generation = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("verdict refresh")

    def __str__(self):
        return f"verdicts as of {self.as_of}"
