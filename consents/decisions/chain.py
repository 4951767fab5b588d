"""The tamper-evident decision log: each event hashes its non-personal fields and its predecessor.

The same canonical form is used when appending and when verifying, from plain values, so
that verification over millions of events needs no model instances.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from consents.models import ChainHead, ConsentDecision

GENESIS_HASH = "0" * 64

# The fields that the hash covers, as `values()` lookups on ConsentDecision.
HASHED_FIELDS = {
    "seq": "seq",
    "subject": "subject__key",
    "purpose": "purpose__code",
    "media_type": "media_type__code",
    "value": "value",
    "voice": "guardian__key",
    "decided_by": "decided_by__key",
    "capacity": "capacity",
    "method": "method",
    "text_sha256": "text__sha256",
    "school_year": "school_year__start_date",
    "decided_at": "decided_at",
    "prev_hash": "prev_hash",
}


def event_hash(fields: dict) -> str:
    """SHA-256 over the canonical JSON of the hashed fields of one event."""
    canonical = {}
    for name in HASHED_FIELDS:
        value = fields[name]
        if name == "decided_at":
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
        elif value is not None and not isinstance(value, (int, str)):
            value = str(value)
        canonical[name] = value
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def chain_verify(chunk_size: int = 5000) -> ChainReport:
    """Check every link of the log; report the first event whose hash or link is wrong."""
    previous_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    rows = (
        ConsentDecision.objects.order_by("seq")
        .values("hash", *HASHED_FIELDS.values())
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        fields = {name: row[lookup] for name, lookup in HASHED_FIELDS.items()}
        seq = fields["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, f"event {expected_seq} is missing")
        if fields["prev_hash"] != previous_hash:
            return ChainReport(checked, seq, "the link to the previous event does not match")
        if event_hash(fields) != row["hash"]:
            return ChainReport(checked, seq, "the event's content does not match its hash")
        previous_hash = row["hash"]
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head and checked and (head.seq != checked or head.hash != previous_hash):
        return ChainReport(checked, head.seq, "the chain head does not match the last event")
    return ChainReport(checked)
