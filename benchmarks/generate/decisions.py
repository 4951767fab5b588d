"""Five school years of decisions for the generated board: yearly campaigns, second guardians
who disagree, paper forms, withdrawals, people who never answer; written as a valid hash chain.

`DecisionHistory` is a part of `BoardGenerator`. Events are generated one school year at a
time with a generator seeded per year, packed into ints, sorted by time, numbered and hashed
with `consents.decisions.chain.event_hash` exactly as `services.decision_record` does.
"""

import datetime as dt
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from consents.dates import SCHOOL_TZ
from consents.decisions.chain import GENESIS_HASH, event_hash
from consents.models import ChainHead, ConsentDecision, DecisionEvidence
from consents.rules import Decider, decider_on

from .catalogue import (
    ADMIN_PAPER,
    ADMIN_RECORDED,
    DISPOSITIONS,
    GRANTED,
    GUARDIAN_ONLINE,
    KIND_CAPACITY_METHOD,
    MEDIA_READINESS,
    REFUSED,
    SELF_ONLINE,
    STAFF_ONLINE,
    USER_AGENTS,
    UTC_EPOCH,
    VALUES,
    WITHDRAWN,
    pack,
    unpack,
)
from .people import Person
from .tables import next_id, peak_memory_mib

DECISION_COLUMNS = (
    ["id", "seq", "subject", "purpose", "media_type", "value", "guardian"]
    + ["decided_by", "capacity", "method", "text", "school_year", "decided_at"]
    + ["prev_hash", "hash"]
)


@dataclass
class Chain:
    """Where the log stands while it is written: the last number, hash and id."""

    seq: int
    previous: str
    decision_id: int


class DecisionHistory:
    def grant_chance(self, disposition: int, purpose: int, media: int) -> float:
        chance = DISPOSITIONS[disposition][0]
        if chance == "selective":
            return self.readiness[purpose] * MEDIA_READINESS[self.media[media].code]
        return chance

    def answer(self, events, rnd, *, subject, voice, kind, disposition, ms) -> None:
        """One filled-in form: every purpose and media type, a second apart; maybe a withdrawal."""
        granted = []
        for purpose in range(len(self.purposes)):
            for media in range(len(self.media)):
                value = (
                    GRANTED
                    if rnd.random() < self.grant_chance(disposition, purpose, media)
                    else REFUSED
                )
                ms += rnd.randint(300, 1500)
                if ms < self.now_ms:
                    events.append(pack(ms, subject, voice, purpose, media, value, kind))
                    if value == GRANTED:
                        granted.append((purpose, media))
        if granted and rnd.random() < 0.04:  # rule 6: withdrawn later the same school year
            purpose = rnd.choice(granted)[0]
            later = ms + rnd.randint(7, 150) * 86_400_000 + rnd.randint(0, 36_000_000)
            person = self.subject_at(subject)
            if later >= self.now_ms or (
                voice and decider_on(person.date_of_birth, self.date_of(later)) == Decider.SELF
            ):
                return  # not yet, or the guardians no longer decide
            online = (
                GUARDIAN_ONLINE
                if voice
                else (SELF_ONLINE if person.date_of_birth else STAFF_ONLINE)
            )
            for p, media in granted:
                if p == purpose:
                    later += rnd.randint(200, 900)
                    events.append(pack(later, subject, voice, purpose, media, WITHDRAWN, online))

    def subject_at(self, index: int) -> Person:
        return (
            self.students[index]
            if index < len(self.students)
            else self.staff[index - len(self.students)]
        )

    def date_of(self, ms: int) -> dt.date:
        return (UTC_EPOCH + dt.timedelta(milliseconds=ms)).astimezone(SCHOOL_TZ).date()

    def campaign_moment(self, rnd, year: int) -> int:
        """When a form is filled in: mostly in the first weeks of the campaign, some much later."""
        # Capped so that a withdrawal months later still falls in the same school year.
        days = 31 + min(int(rnd.expovariate(1 / 14)), 120)
        seconds = rnd.randint(7 * 3600, 23 * 3600)
        return self.ms(self.local(self.year_starts[year] + dt.timedelta(days=days), seconds))

    def year_events(self, year: int) -> list[int]:
        """Every event of one school year, packed and sorted by time."""
        # Deterministic demo data, not security.
        rnd = random.Random(f"events-{self.seed}-{year}")  # nosec B311
        events: list[int] = []
        for index, person in enumerate(self.students):
            if person.never_answers or year < person.first_year:
                continue
            if rnd.random() > (0.85 if year == person.first_year else 0.65):
                continue  # no answer this year: the last one is carried forward, not renewed
            ms = self.campaign_moment(rnd, year)
            paper = rnd.random()
            admin_kind = ADMIN_PAPER if paper < 0.04 else ADMIN_RECORDED if paper < 0.06 else None
            if decider_on(person.date_of_birth, self.date_of(ms)) == Decider.SELF:
                if person.user_id is None:
                    continue
                disposition = person.disposition if rnd.random() < 0.7 else rnd.randrange(4)
                self.answer(
                    events, rnd, subject=index, voice=0, kind=admin_kind or SELF_ONLINE,
                    disposition=disposition, ms=ms,
                )  # fmt: skip
                continue
            for number, guardian in enumerate(person.guardians):
                if number and rnd.random() > 0.35:
                    continue  # the second guardian often leaves it to the first
                disposition = person.disposition
                if number and rnd.random() < 0.15:
                    disposition = rnd.randrange(4)  # rule 3: the guardians may disagree
                moment = ms + number * rnd.randint(3600_000, 7 * 86_400_000)
                if decider_on(person.date_of_birth, self.date_of(moment)) == Decider.SELF:
                    continue  # turned 16 in the meantime: the guardians no longer decide
                self.answer(
                    events, rnd, subject=index, voice=guardian + 1,
                    kind=admin_kind if number == 0 and admin_kind else GUARDIAN_ONLINE,
                    disposition=disposition, ms=moment,
                )  # fmt: skip
        offset = len(self.students)
        for index, person in enumerate(self.staff, start=offset):
            if person.never_answers or year < person.first_year:
                continue
            if rnd.random() > (0.8 if year == person.first_year else 0.55):
                continue
            self.answer(
                events, rnd, subject=index, voice=0,
                kind=ADMIN_PAPER if rnd.random() < 0.02 else STAFF_ONLINE,
                disposition=person.disposition, ms=self.campaign_moment(rnd, year),
            )  # fmt: skip
        events.sort()
        return events

    def decisions_write(self) -> int:
        chain = Chain(seq=0, previous=GENESIS_HASH, decision_id=next_id(ConsentDecision))
        decisions_total = 0
        for year in range(self.years):
            started = time.monotonic()
            events = self.year_events(year)
            first_id = chain.decision_id
            written = self.writer.write(
                ConsentDecision, DECISION_COLUMNS, self.decision_rows(events, year, chain)
            )
            self.writer.write(
                DecisionEvidence,
                ["decision", "ip_address", "user_agent", "note", "scan"],
                evidence_rows(first_id, events),
            )
            del events
            decisions_total += written
            self.log(
                f"  school year {self.year_starts[year]}: {written:,} decisions in "
                f"{time.monotonic() - started:.1f} s (peak memory {peak_memory_mib():.0f} MiB)"
            )
        ChainHead.objects.update_or_create(
            pk=1, defaults={"seq": chain.seq, "hash": chain.previous}
        )
        self.report.head_hash = chain.previous
        return decisions_total

    def decision_rows(self, events: list[int], year: int, chain: Chain) -> Iterator[tuple]:
        """The decision log's rows of one school year's events, chained on from `chain`."""
        year_end_ms = (self.year_start_ms + [self.now_ms + 1])[year + 1]
        year_label, year_id = str(self.year_starts[year]), self.school_years[year].id
        # Looked up once a year, not once per event (millions at board scale).
        purpose_codes = [p.code for p in self.purposes]
        purpose_ids = [p.id for p in self.purposes]
        media_codes = [m.code for m in self.media]
        media_ids = [m.id for m in self.media]
        for packed in events:
            ms, subject, voice, purpose, media, value, kind = unpack(packed)
            person = self.subject_at(subject)
            capacity, method = KIND_CAPACITY_METHOD[kind]
            actor_id, actor_key = self.actor_of(kind, voice, person)
            text_id, text_sha = self.text_at(purpose, ms)
            # A check of the generator's own invariant.
            assert self.year_start_ms[year] <= ms < year_end_ms, "event outside its year"  # nosec B101
            decided_at = UTC_EPOCH + dt.timedelta(milliseconds=ms)
            chain.seq += 1
            digest = event_hash(
                {
                    "seq": chain.seq,
                    "subject": person.key,
                    "purpose": purpose_codes[purpose],
                    "media_type": media_codes[media],
                    "value": VALUES[value],
                    "voice": self.guardians[voice - 1][3] if voice else None,
                    "decided_by": actor_key,
                    "capacity": capacity,
                    "method": method,
                    "text_sha256": text_sha,
                    "school_year": year_label,
                    "decided_at": decided_at,
                    "prev_hash": chain.previous,
                }
            )
            yield (
                chain.decision_id,
                chain.seq,
                person.id,
                purpose_ids[purpose],
                media_ids[media],
                VALUES[value],
                self.guardians[voice - 1][0] if voice else None,
                actor_id,
                capacity,
                method,
                text_id,
                year_id,
                decided_at,
                chain.previous,
                digest,
            )
            chain.previous = digest
            chain.decision_id += 1

    def actor_of(self, kind: int, voice: int, person: Person) -> tuple[int, str]:
        """Who recorded an event: the administrator for a paper form or a phone call, else
        the guardian or the person themself."""
        if kind in (ADMIN_PAPER, ADMIN_RECORDED):
            return self.admin_user_id, self.admin_user_key
        if voice:
            _gid, actor_id, actor_key, _key = self.guardians[voice - 1]
            return actor_id, actor_key
        return person.user_id, person.user_key

    def text_at(self, purpose: int, ms: int) -> tuple[int | None, str | None]:
        """The id and hash of the purpose's text in force at `ms`."""
        text_id, text_sha = None, None
        for published, tid, sha in self.texts[purpose]:
            if published <= ms:
                text_id, text_sha = tid, sha
        return text_id, text_sha


def evidence_rows(first_id: int, events: list[int]) -> Iterator[tuple]:
    """Request evidence for the decisions numbered from `first_id`, one per event."""
    for decision_id, packed in enumerate(events, start=first_id):
        ms, *_parts, kind = unpack(packed)
        if kind in (ADMIN_PAPER, ADMIN_RECORDED):
            note = "Papieren formulier" if kind == ADMIN_PAPER else "Telefonisch doorgegeven"
            yield (decision_id, None, "", note, "")
        else:
            ip = f"198.51.100.{ms % 250 + 1}" if ms % 3 else f"2001:db8::{ms % 9973:x}"
            yield (decision_id, ip, USER_AGENTS[ms % len(USER_AGENTS)], "", "")
