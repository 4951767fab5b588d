"""A receipt in the published formats: the Kantara Initiative Consent Receipt v1.1 (JSON) and
an ISO/IEC TS 27560:2023 consent record in JSON-LD with the W3C Data Privacy Vocabulary (DPV).

Both are built from the stored receipt and its append-only decisions, in the language the
consent texts were shown in when the person decided (`ConsentReceipt.language`), whatever the
language of the request that downloads them. The controller's facts come from the board's
settings (`Board`), never from here.
"""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from consents.dates import school_today
from consents.models import Board, ConsentDecision, ConsentReceipt, Subject
from consents.rules import Decider, answer_lapsed, decider_on

KANTARA_VERSION = "KI-CR-v1.1.0"
ISO_27560 = "ISO/IEC TS 27560:2023"
# The law the portal implements (GDPR with the Dutch UAVG): the boards it serves are Dutch.
JURISDICTION = "NL"

DPV_CONTEXT = {
    "dpv": "https://w3id.org/dpv#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "loc": "https://w3id.org/dpv/loc#",
}
DPV_STATUS = {
    ConsentDecision.Value.GRANTED: "dpv:ConsentGiven",
    ConsentDecision.Value.REFUSED: "dpv:ConsentRefused",
    ConsentDecision.Value.WITHDRAWN: "dpv:ConsentWithdrawn",
}
DPV_EXPIRED = "dpv:ConsentExpired"
# Recordings are made, kept, and published on the purpose's channel.
DPV_PROCESSING = ("dpv:Collect", "dpv:Store", "dpv:Disseminate")
# Who carried out the event, as DPV entities.
DPV_ENTITY = {
    ConsentDecision.Capacity.GUARDIAN: "dpv:GuardianOfDataSubject",
    ConsentDecision.Capacity.SELF: "dpv:DataSubject",
    ConsentDecision.Capacity.STAFF: "dpv:DataSubject",
    ConsentDecision.Capacity.ADMINISTRATOR: "dpv:DataController",
    ConsentDecision.Capacity.UNREGISTERED: "dpv:DataController",
}


@dataclass(frozen=True)
class ReceiptFacts:
    receipt: ConsentReceipt
    subject: Subject
    board: Board
    decisions: list[ConsentDecision]
    language: str
    today: dt.date


def _facts(receipt: ConsentReceipt) -> ReceiptFacts:
    decisions = list(
        receipt.decisions.select_related(
            "purpose", "media_type", "text", "school_year", "decided_by", "guardian"
        ).order_by("seq")
    )
    return ReceiptFacts(
        receipt=receipt,
        subject=receipt.subject,
        board=receipt.subject.board,
        decisions=decisions,
        language=receipt.language or settings.LANGUAGE_CODE,
        today=school_today(),
    )


def _absolute(path: str) -> str:
    return urljoin(settings.SITE_URL + "/", path.lstrip("/"))


def _policy_url(board: Board) -> str:
    return board.privacy_statement_url or board.website or _absolute(reverse("my_consent"))


def _withdrawal_how(board: Board) -> str:
    return _(
        "Withdraw at any time on %(url)s, or email %(email)s. Withdrawal takes effect at once; "
        "it does not undo what was lawfully published before."
    ) % {"url": _absolute(reverse("my_consent")), "email": board.contact_email}


def _validity(decision: ConsentDecision) -> str:
    """Rule 7: an answer is given for one school year; ISO 8601 interval from the decision."""
    return f"{decision.decided_on.isoformat()}/{decision.school_year.end_date.isoformat()}"


def _retention(board: Board) -> str:
    return _(
        "Kept while the person is at a school of %(board)s, and deleted %(months)s months "
        "after they leave."
    ) % {"board": board.name, "months": board.retention_months}


def _termination(decision: ConsentDecision, board: Board) -> str:
    return _("Valid until withdrawn, for the school year ending %(end)s. %(how)s") % {
        "end": decision.school_year.end_date.isoformat(),
        "how": _withdrawal_how(board),
    }


def receipt_kantara(receipt: ConsentReceipt) -> dict:
    """The receipt as a Kantara Consent Receipt v1.1; each purpose entry also carries the
    decision, the text version and hash, and the event of the log (extension members)."""
    facts = _facts(receipt)
    with translation.override(facts.language):
        return _kantara(facts)


def _kantara(facts: ReceiptFacts) -> dict:
    board = facts.board
    recipients = board.recipient_names
    disclosure = {"thirdPartyDisclosure": bool(recipients)}
    if recipients:
        disclosure["thirdPartyName"] = "; ".join(recipients)
    first = facts.decisions[0]
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": JURISDICTION,
        "consentTimestamp": int(facts.receipt.created_at.timestamp()),
        "collectionMethod": str(first.get_method_display()),
        "consentReceiptID": str(facts.receipt.pk),
        "language": facts.language,
        "piiPrincipalId": str(facts.subject.key),
        "piiControllers": [
            {
                "piiController": board.name,
                "onBehalf": False,
                "contact": board.privacy_officer or board.name,
                "address": {"streetAddress": board.address, "addressCountry": JURISDICTION},
                "email": board.contact_email,
                "phone": board.phone,
                "piiControllerUrl": board.website,
            }
        ],
        "policyUrl": _policy_url(board),
        "services": [
            {
                "service": _("Photos, film and sound recordings at the schools of %(board)s")
                % {"board": board.name},
                "purposes": [
                    {
                        "purpose": f"{d.purpose.name}: {d.media_type.name}",
                        "purposeCategory": [d.purpose.code],
                        "consentType": "EXPLICIT",
                        "piiCategory": [d.media_type.code],
                        "primaryPurpose": True,
                        "termination": _termination(d, board),
                        **disclosure,
                        "decision": d.value,
                        "decidedAt": d.decided_at.isoformat(),
                        "textVersion": d.text.version,
                        "textSha256": d.text.sha256,
                        "eventSeq": d.seq,
                        "eventHash": d.hash,
                    }
                    for d in facts.decisions
                ],
            }
        ],
        # Photos and film of people are not special categories (GDPR art. 9) unless processed
        # to identify someone, which the portal never does (no face recognition, rule 11).
        "sensitive": False,
        "spiCat": [],
    }


def receipt_iso27560(receipt: ConsentReceipt) -> dict:
    """The receipt as ISO/IEC TS 27560 consent records in JSON-LD (W3C DPV): one record per
    purpose and media type decided, each with the event that the decision log holds."""
    facts = _facts(receipt)
    with translation.override(facts.language):
        controller = _controller_node(facts.board)
        third_parties = [
            {"@type": ["dpv:Recipient", "dpv:ThirdParty"], "dpv:hasName": name}
            for name in facts.board.recipient_names
        ]
        records = [_record_node(facts, d, controller, third_parties) for d in facts.decisions]
    return {"@context": DPV_CONTEXT, "@graph": [controller, *records]}


def _controller_node(board: Board) -> dict:
    identifier = (
        f"KvK {board.registration_number}" if board.registration_number else f"board-{board.pk}"
    )
    return {
        "@id": _absolute(f"/#controller-{board.pk}"),
        "@type": ["dpv:LegalEntity", "dpv:DataController"],
        "dct:identifier": identifier,
        "dpv:hasName": board.name,
        "dpv:hasAddress": board.address,
        "dpv:hasContact": [
            f"mailto:{board.contact_email}",
            *([f"tel:{board.phone}"] if board.phone else []),
            *([board.website] if board.website else []),
        ],
        "dpv:hasJurisdiction": {"@id": f"loc:{JURISDICTION}"},
    }


def _data_subject_types(facts: ReceiptFacts, decision: ConsentDecision) -> list[str]:
    subject = facts.subject
    born = subject.student.date_of_birth if subject.kind == Subject.Kind.STUDENT else None
    if decider_on(born, decision.decided_on) == Decider.GUARDIANS:
        return ["dpv:DataSubject", "dpv:Child"]
    return ["dpv:DataSubject"]


def _record_status(facts: ReceiptFacts, decision: ConsentDecision) -> str:
    """The record's state now: the event's, or expired once a grant's school year is over and
    the board lets unrenewed answers lapse (rule 7). The event keeps the state it had."""
    if decision.is_granted and answer_lapsed(decision, board=facts.board, on=facts.today):
        return DPV_EXPIRED
    return DPV_STATUS[decision.value]


def _record_node(facts, decision, controller, third_parties) -> dict:
    receipt_id = str(facts.receipt.pk)
    return {
        "@id": f"urn:uuid:{receipt_id}#event-{decision.seq}",
        "@type": "dpv:ConsentRecord",
        "dct:conformsTo": ISO_27560,
        "dct:identifier": f"{receipt_id}#event-{decision.seq}",  # the record
        "dpv:hasIdentifier": receipt_id,  # the receipt it was handed out with
        "dct:language": facts.language,
        "dpv:hasDataSubject": {
            "@id": f"urn:uuid:{facts.subject.key}",
            "@type": _data_subject_types(facts, decision),
            "dct:identifier": str(facts.subject.key),
        },
        "dpv:hasNotice": {
            "@type": "dpv:ConsentNotice",
            "dct:identifier": f"sha256:{decision.text.sha256}",
            "dct:hasVersion": str(decision.text.version),
            "dct:language": facts.language,
            "dct:source": _policy_url(facts.board),
        },
        "dpv:hasPurpose": {
            "@type": "dpv:Purpose",
            "dct:identifier": decision.purpose.code,
            "dct:title": decision.purpose.name,
            "dct:description": decision.purpose.description,
        },
        "dpv:hasPersonalData": {
            "@type": "dpv:PersonalData",
            "dct:identifier": decision.media_type.code,
            "dct:title": decision.media_type.name,
        },
        "dpv:hasProcessing": [{"@id": term} for term in DPV_PROCESSING],
        "dpv:hasDataController": {"@id": controller["@id"]},
        "dpv:hasStorageCondition": _storage_condition(facts.board),
        "dpv:hasJurisdiction": {"@id": f"loc:{JURISDICTION}"},
        "dpv:hasRecipient": [{"@id": controller["@id"]}, *third_parties],
        "dpv:hasThirdParty": third_parties,
        "dpv:hasConsentControl": {
            "@type": "dpv:WithdrawConsent",
            "dct:description": _withdrawal_how(facts.board),
            "dct:source": _absolute(reverse("my_consent")),
        },
        "dpv:hasLegalBasis": {"@id": "dpv:ExplicitlyExpressedConsent"},
        "dpv:hasConsentStatus": {"@id": _record_status(facts, decision)},
        "dct:hasPart": _event(decision),
    }


def _storage_condition(board) -> dict:
    """Where the record is kept and for how long (ISO/IEC TS 27560: location, retention)."""
    return {
        "@type": "dpv:StorageCondition",
        "dpv:hasLocation": {"@id": f"loc:{board.storage_country}"},
        "dpv:hasDuration": {
            "@type": "dpv:StorageDuration",
            "dct:temporal": f"P{board.retention_months}M",
            "dct:description": _retention(board),
        },
    }


def _event(decision) -> dict:
    """The event the record is about: what was decided, when, how, by whom, valid how long."""
    return {
        "@type": [DPV_STATUS[decision.value], "dpv:ExplicitlyExpressedConsent"],
        "dct:date": {"@type": "xsd:dateTime", "@value": decision.decided_at.isoformat()},
        "dct:valid": _validity(decision),
        "dct:description": str(decision.get_method_display()),
        "dpv:isImplementedByEntity": {
            "@id": f"urn:uuid:{decision.decided_by.key}",
            "@type": DPV_ENTITY[decision.capacity],
            "dct:identifier": str(decision.decided_by.key),
        },
        "dpv:hasLegalBasis": {"@id": "dpv:ExplicitlyExpressedConsent"},
        "dpv:hasConsentStatus": {"@id": DPV_STATUS[decision.value]},
    }
