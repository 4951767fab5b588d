import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentReceipt(models.Model):
    """The proof handed to a person for one save: the decisions it recorded, under one id.

    A receipt is issued after every save or withdrawal on the "my consent" page; its content
    (consents/decisions/receipts.py) is built from the append-only decisions, so it reads the same
    every time it is downloaded; only the ISO/IEC TS 27560 record's current state turns to
    "expired" once a grant's school year is over and the board lets such answers lapse.
    """

    id = models.UUIDField(_("receipt id"), primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey("consents.Subject", models.PROTECT, related_name="receipts")
    issued_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="consent_receipts"
    )
    decisions = models.ManyToManyField("consents.ConsentDecision", related_name="receipts")
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    # The language the consent texts were shown in when the person decided (a receipt is
    # issued in the request that saved the decisions); empty on receipts issued before.
    language = models.CharField(_("language of the texts"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("consent receipt")
        verbose_name_plural = _("consent receipts")
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.id)
