"""Receipts in the published formats: the Kantara Consent Receipt v1.1 (validated against its
JSON schema) and the ISO/IEC TS 27560 consent record in JSON-LD with the W3C DPV terms (every
mandatory field of the standard's table present), for a grant, a refusal and a withdrawal, by
a parent and by a student of 16 or older, downloaded from the receipt links of the portal.

Cast: `mother` is the guardian of `child` (13); `older` is a student of 17 with an account.
"""

import csv
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from consents.models import ConsentReceipt, ConsentText, Subject

from . import factories as f
from .helpers import amsterdam

pytestmark = pytest.mark.django_db

STANDARDS = Path(__file__).parent / "data" / "standards"


def kantara_schema() -> dict:
    """The schema as published: its `//` comment lines are not JSON."""
    text = (STANDARDS / "kantara-consent-receipt-v1_1-schema.json").read_text()
    return json.loads(
        "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    )


def iso27560_mandatory_fields() -> dict[str, list[str]]:
    """{ISO/IEC TS 27560 field: its DPV relations}, for the fields the standard makes mandatory."""
    lines = (STANDARDS / "iso27560-fields-from-w3c-dpv-guide.tsv").read_text().splitlines()
    fields = {}
    for row in csv.reader(lines[2:], delimiter="\t"):
        if len(row) >= 6 and row[1] == "Mandatory":
            fields[row[0]] = [term.strip() for term in row[5].replace(";", ",").split(",")]
    assert len(fields) == 25, "the table of ISO/IEC TS 27560 fields did not read as expected"
    return fields


def keys_in(node) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(keys_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(keys_in(value) for value in node))
    return set()


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


@pytest.fixture
def board(board):
    board.registration_number = "41188472"
    board.address = "Postbus 1, 3740 AA Baarn"
    board.phone = "035 000 0000"
    board.website = "https://cvo.example.org/"
    board.privacy_statement_url = "https://cvo.example.org/privacy"
    board.recipients = "Schoolfotograaf Jansen\nRegionale krant"
    board.retention_months = 18
    board.save()
    return board


@pytest.fixture
def older(school):
    return f.StudentFactory(
        school=school,
        first_name="Brontë",
        last_name="Jansen",
        date_of_birth=dt.date(2009, 5, 1),
        user=f.UserFactory(email="bronte@example.org"),
    )


@pytest.fixture
def cast(request, mother, child, older):
    """(the user who decides, the person decided for) for a parent or a student of 16+."""
    return {"parent": (mother.user, child), "student": (older.user, older)}[request.param]


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def decide(client, subject: Subject, purpose, media, value: str) -> ConsentReceipt:
    """Grant, refuse or withdraw on the "my consent" page; the receipt that save issued."""
    cell = f"consent:{purpose.code}:{media.code}"
    if value == "withdrawn":
        client.post(reverse("consent_save", args=[subject.key]), {cell: "yes"})
    earlier = list(ConsentReceipt.objects.values_list("pk", flat=True))
    if value == "withdrawn":
        client.post(reverse("consent_withdraw", args=[subject.key]), {"purpose": purpose.code})
    else:
        answer = {"granted": "yes", "refused": "no"}[value]
        client.post(reverse("consent_save", args=[subject.key]), {cell: answer})
    receipt = ConsentReceipt.objects.exclude(pk__in=earlier).get(subject=subject)
    assert receipt.decisions.get().value == value
    return receipt


def download(client, name: str, receipt) -> dict:
    response = client.get(reverse(name, args=[receipt.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


VALUES = ["granted", "refused", "withdrawn"]
DPV_STATUS = {
    "granted": "dpv:ConsentGiven",
    "refused": "dpv:ConsentRefused",
    "withdrawn": "dpv:ConsentWithdrawn",
}


@pytest.mark.parametrize("cast", ["parent", "student"], indirect=True)
@pytest.mark.parametrize("value", VALUES)
def test_the_json_receipt_is_a_valid_kantara_consent_receipt(cast, value, board, website, photo):
    user, subject = cast
    client = client_in("en")
    client.force_login(user)
    receipt = decide(client, subject, website, photo, value)
    data = download(client, "receipt_json", receipt)

    jsonschema.Draft4Validator(kantara_schema()).validate(data)
    assert data["consentReceiptID"] == str(receipt.pk)
    assert data["consentTimestamp"] == int(receipt.created_at.timestamp())
    assert data["piiPrincipalId"] == str(subject.key)
    assert data["language"] == "en"
    assert data["policyUrl"] == "https://cvo.example.org/privacy"
    assert data["piiControllers"] == [
        {
            "piiController": board.name,
            "onBehalf": False,
            "contact": board.privacy_officer or board.name,
            "address": {"streetAddress": "Postbus 1, 3740 AA Baarn", "addressCountry": "NL"},
            "email": board.contact_email,
            "phone": "035 000 0000",
            "piiControllerUrl": "https://cvo.example.org/",
        }
    ]
    (purpose,) = data["services"][0]["purposes"]
    text = ConsentText.objects.in_force(website)
    assert purpose["decision"] == value
    assert purpose["purposeCategory"] == ["website"]
    assert purpose["piiCategory"] == ["photo"]
    assert purpose["textVersion"] == text.version and purpose["textSha256"] == text.sha256
    assert purpose["thirdPartyDisclosure"] is True
    assert purpose["thirdPartyName"] == "Schoolfotograaf Jansen; Regionale krant"


@pytest.mark.parametrize("cast", ["parent", "student"], indirect=True)
@pytest.mark.parametrize("value", VALUES)
def test_the_iso_27560_record_has_every_mandatory_field(cast, value, board, website, photo):
    user, subject = cast
    client = client_in("en")
    client.force_login(user)
    receipt = decide(client, subject, website, photo, value)
    data = download(client, "receipt_jsonld", receipt)

    controller, record = data["@graph"]
    present = keys_in(data)
    for field, relations in iso27560_mandatory_fields().items():
        assert present & set(relations), f"ISO/IEC TS 27560 field {field!r} is missing"
    assert record["@type"] == "dpv:ConsentRecord"
    assert record["dct:conformsTo"] == "ISO/IEC TS 27560:2023"
    assert record["dpv:hasIdentifier"] == str(receipt.pk)
    assert record["dct:language"] == "en"
    assert record["dpv:hasConsentStatus"] == {"@id": DPV_STATUS[value]}
    assert record["dpv:hasDataSubject"]["dct:identifier"] == str(subject.key)
    assert ("dpv:Child" in record["dpv:hasDataSubject"]["@type"]) == (user != subject.user)
    assert record["dpv:hasNotice"]["dct:identifier"] == (
        "sha256:" + ConsentText.objects.in_force(website).sha256
    )
    storage = record["dpv:hasStorageCondition"]
    assert storage["dpv:hasLocation"] == {"@id": "loc:NL"}
    assert storage["dpv:hasDuration"]["dct:temporal"] == "P18M"
    assert [r.get("dpv:hasName") for r in record["dpv:hasThirdParty"]] == [
        "Schoolfotograaf Jansen",
        "Regionale krant",
    ]
    assert record["dpv:hasRecipient"][0] == {"@id": controller["@id"]}
    event = record["dct:hasPart"]
    assert DPV_STATUS[value] in event["@type"]
    assert event["dct:valid"].endswith("/2027-07-31")
    assert event["dpv:isImplementedByEntity"]["dct:identifier"] == str(user.key)
    assert controller["@type"] == ["dpv:LegalEntity", "dpv:DataController"]
    assert controller["dct:identifier"] == "KvK 41188472"
    assert controller["dpv:hasName"] == board.name
    assert controller["dpv:hasAddress"] == "Postbus 1, 3740 AA Baarn"
    assert f"mailto:{board.contact_email}" in controller["dpv:hasContact"]


def test_every_prefix_of_the_record_is_declared_in_its_context(
    board, mother, child, website, photo
):
    client = client_in("en")
    client.force_login(mother.user)
    data = download(client, "receipt_jsonld", decide(client, child, website, photo, "granted"))
    prefixes = {key.split(":")[0] for key in keys_in(data) if not key.startswith("@")}
    assert prefixes <= set(data["@context"])


def test_a_dutch_text_gives_language_nl_when_downloaded_in_english(
    board, mother, child, website, photo
):
    dutch = client_in("nl")
    dutch.force_login(mother.user)
    receipt = decide(dutch, child, website, photo, "granted")
    english = client_in("en")
    english.force_login(mother.user)

    kantara = download(english, "receipt_json", receipt)
    iso = download(english, "receipt_jsonld", receipt)
    assert kantara["language"] == "nl"
    assert iso["@graph"][1]["dct:language"] == "nl"
    assert iso["@graph"][1]["dpv:hasNotice"]["dct:language"] == "nl"
    # The purpose reads as the person read it: in Dutch.
    assert kantara["services"][0]["purposes"][0]["purpose"] == "Website: Foto"


def test_a_board_without_third_parties_discloses_to_nobody(board, mother, child, website, photo):
    board.recipients = ""
    board.save()
    client = client_in("en")
    client.force_login(mother.user)
    receipt = decide(client, child, website, photo, "granted")
    data = download(client, "receipt_json", receipt)
    jsonschema.Draft4Validator(kantara_schema()).validate(data)
    assert data["services"][0]["purposes"][0]["thirdPartyDisclosure"] is False
    record = download(client, "receipt_jsonld", receipt)["@graph"][1]
    assert record["dpv:hasThirdParty"] == []


def test_a_receipt_of_another_family_is_not_found_in_any_format(
    board, mother, child, other_family_guardian, website, photo
):
    client = client_in("en")
    client.force_login(mother.user)
    receipt = decide(client, child, website, photo, "granted")
    client.force_login(other_family_guardian.user)
    for name in ("receipt_json", "receipt_jsonld", "receipt_pdf"):
        assert client.get(reverse(name, args=[receipt.pk])).status_code == 404


def test_the_history_links_every_receipt_format(board, mother, child, website, photo):
    client = client_in("en")
    client.force_login(mother.user)
    receipt = decide(client, child, website, photo, "granted")
    html = client.get(reverse("consent_history", args=[child.key])).content.decode()
    for name in ("receipt_pdf", "receipt_json", "receipt_jsonld"):
        assert reverse(name, args=[receipt.pk]) in html


@pytest.mark.parametrize(
    ("setting", "status"),
    [("lapse", "dpv:ConsentExpired"), ("carry_forward", "dpv:ConsentGiven")],
)
def test_a_grant_of_a_past_school_year_has_expired_where_the_board_lets_it_lapse(
    board, mother, child, website, photo, setting, status
):
    board.unanswered_year = setting
    board.save()
    client = client_in("en")
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        client.force_login(mother.user)
        receipt = decide(client, child, website, photo, "granted")
        during = download(client, "receipt_jsonld", receipt)["@graph"][1]
    with time_machine.travel(amsterdam(2027, 9, 1), tick=False):
        client.force_login(mother.user)
        after = download(client, "receipt_jsonld", receipt)["@graph"][1]
    assert during["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentGiven"}
    assert after["dpv:hasConsentStatus"] == {"@id": status}
    assert after["dct:hasPart"]["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentGiven"}
