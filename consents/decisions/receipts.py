"""Consent receipts: the record handed to a person after each save, by email, PDF and JSON.

The record carries the fields of a consent record per ISO/IEC TS 27560 and the Kantara
Initiative Consent Receipt v1.1: receipt id and time, controller and its contact, the person
(PII principal), who decided and in which capacity, per purpose and media type the decision
with the version and hash of the text shown, the collection method, and how to withdraw.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.models import ConsentDecision, ConsentReceipt, OutboxMessage, Subject
from consents.outbox import Outgoing, outbox_enqueue
from consents.rules import voice_name

RECORD_VERSION = "consent-portal-receipt/1 (ISO/IEC TS 27560:2023, Kantara CR v1.1)"
LEGAL_BASIS = gettext_lazy("consent: GDPR art. 6(1)(a), 7 and 8; UAVG art. 5")


def receipt_issue(*, actor, subject: Subject, decisions: list[ConsentDecision]) -> ConsentReceipt:
    """Issue a receipt for decisions just recorded, and put its email in the outbox: the
    request that saved the decisions never waits for the mail server."""
    # The texts were shown in the language of this request: the receipt keeps it (rule 5).
    receipt = ConsentReceipt.objects.create(
        subject=subject,
        issued_to=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    receipt.decisions.set(decisions)
    outbox_enqueue(
        template=OutboxMessage.Template.RECEIPT,
        recipient=actor,
        subjects=[subject],
        context={
            "receipt": str(receipt.pk),
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    return receipt


def receipt_message_compose(message: OutboxMessage, *, today=None) -> Outgoing | None:
    """The receipt email of an outbox message, built from the stored receipt when it is sent;
    None when there is nobody to send it to any more (the account was closed or erased)."""
    receipt = (
        ConsentReceipt.objects.select_related("subject__board", "issued_to")
        .filter(pk=message.context["receipt"])
        .first()
    )
    if receipt is None or not receipt.issued_to.is_active:
        return None
    with translation.override(message.context.get("language") or settings.LANGUAGE_CODE):
        record = receipt_record(receipt)
    return Outgoing([receipt.issued_to.email], {"record": record, "receipt": receipt})


def _absolute(path: str) -> str:
    return urljoin(settings.SITE_URL + "/", path.lstrip("/"))


def _decision_entry(d) -> dict:
    return {
        "purpose": d.purpose.code,
        "purpose_name": d.purpose.name,
        "media_type": d.media_type.code,
        "media_type_name": d.media_type.name,
        "decision": d.value,
        "decision_label": str(d.get_value_display()),
        "decided_at": d.decided_at.isoformat(),
        "text_version": d.text.version,
        "text_sha256": d.text.sha256,
        "event_seq": d.seq,
        "event_hash": d.hash,
    }


def _withdrawal(board, my_consent: str) -> dict:
    return {
        "how": _(
            "Withdraw at any time on %(url)s (log in with your email address, then choose "
            "“Withdraw”), or email %(email)s. Withdrawal takes effect at once; it does not "
            "undo what was lawfully published before."
        )
        % {"url": my_consent, "email": board.contact_email},
        "url": my_consent,
    }


def receipt_record(receipt: ConsentReceipt) -> dict:
    """The receipt as a JSON-ready dict, in the active language (labels only; codes are fixed)."""
    subject = receipt.subject
    board = subject.board
    decisions = list(
        receipt.decisions.select_related(
            "subject", "purpose", "media_type", "text", "guardian", "decided_by"
        ).order_by("seq")
    )
    first = decisions[0]
    my_consent = _absolute(reverse("my_consent"))
    return {
        "version": RECORD_VERSION,
        "receipt_id": str(receipt.pk),
        "timestamp": receipt.created_at.isoformat(),
        "jurisdiction": "NL",
        "language": translation.get_language(),
        "legal_basis": str(LEGAL_BASIS),
        "controller": {
            "name": board.name,
            "contact_email": board.contact_email,
            "privacy_officer": board.privacy_officer,
        },
        "pii_principal": {
            "id": str(subject.key),
            "name": subject.name,
            "kind": subject.kind,
        },
        "decided_by": {
            "name": voice_name(first),
            "email": receipt.issued_to.email,
            "capacity": first.capacity,
            "capacity_label": str(first.get_capacity_display()),
        },
        "collection_method": first.method,
        "collection_method_label": str(first.get_method_display()),
        "decisions": [_decision_entry(d) for d in decisions],
        "withdrawal": _withdrawal(board, my_consent),
        "links": {
            "pdf": _absolute(reverse("receipt_pdf", args=[receipt.pk])),
            "json": _absolute(reverse("receipt_json", args=[receipt.pk])),
            "jsonld": _absolute(reverse("receipt_jsonld", args=[receipt.pk])),
        },
    }


def receipt_pdf(receipt: ConsentReceipt) -> bytes:
    from weasyprint import HTML

    context = {"record": receipt_record(receipt), "issued_at": receipt.created_at}
    html = render_to_string("consents/receipts/receipt_pdf.html", context)
    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()


def receipt_filename(receipt: ConsentReceipt, extension: str) -> str:
    return f"receipt-{receipt.created_at:%Y%m%d}-{str(receipt.pk)[:8]}.{extension}"
