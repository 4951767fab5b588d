"""What the generated board is made of: its sizes, purposes, names and places, and the packed
form of one event (an int that sorts by time)."""

import datetime as dt

from consents.demo.names import FIRST_NAMES, GUARDIAN_FIRST, LAST_NAMES, TEXT_EN, TEXT_NL
from consents.models import ConsentDecision, ConsentText

__all__ = ["FIRST_NAMES", "GUARDIAN_FIRST", "LAST_NAMES", "TEXT_EN", "TEXT_NL"]

Value = ConsentDecision.Value
Capacity = ConsentDecision.Capacity
Method = ConsentDecision.Method

BOARD_NAME = "Stichting Voortgezet Onderwijs Generated"
STAFF_PER_STUDENT = 6_000 / 50_000
STUDENTS_PER_SCHOOL = 50_000 / 60
CLASS_SIZE = 28
UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Code, Dutch and English name, and how readily families say yes to it (0..1).
PURPOSES = [
    ("schoolgids", "Schoolgids en brochures", "School guide and brochures", 0.9),
    ("nieuwsbrief", "Nieuwsbrief", "Newsletter", 0.9),
    ("website", "Website van de school", "School website", 0.75),
    ("sociale-media", "Sociale media van de school", "School social media", 0.45),
    ("ouderportaal", "Ouderportaal", "Parent portal", 0.95),
    ("jaarboek", "Jaarboek", "Yearbook", 0.95),
    ("personeel-social", "Sociale media van personeel", "Staff personal social media", 0.3),
    ("pers", "Pers", "Press", 0.5),
    ("intranet", "Intranet", "Intranet", 0.9),
    ("open-dag", "Open dag en voorlichting", "Open day and information events", 0.7),
]
MEDIA_READINESS = {"photo": 1.0, "film": 0.85, "sound": 0.8}
# Rule 8 in the history: an editorial change in year 2, a material one in year 3.
TEXT_CHANGES = [(2, "nieuwsbrief", ConsentText.Change.EDITORIAL), (3, "sociale-media", "material")]

MORE_FIRST_NAMES = [
    "Luuk", "Sven", "Gijs", "Ruben", "Stijn", "Jayden", "Ravi", "Youssef", "Omar", "Mats",
    "Tim", "Lars", "Niels", "Koen", "Jasper", "Hugo", "Olivier", "Mees", "Boaz", "Siem",
    "Eva", "Lisa", "Iris", "Roos", "Femke", "Sterre", "Lieke", "Isa", "Fenna", "Maud",
    "Hanna", "Amira", "Ilse", "Jade", "Liv", "Esmée", "Noë", "Inaya", "Selin", "Hiba",
]  # fmt: skip
MORE_LAST_NAMES = [
    ("", "de Jong"), ("", "van Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"),
    ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("van der", "Veen"),
    ("", "Koster"), ("", "Prins"), ("", "Huisman"), ("", "Peeters"), ("van", "Wijk"),
    ("", "Postma"), ("", "Kuipers"), ("", "Veenstra"), ("", "Kok"), ("", "Schouten"),
    ("van", "Beek"), ("", "Willems"), ("", "Hoekstra"), ("", "Maas"), ("", "Verhoeven"),
    ("", "Koç"), ("", "Öztürk"), ("", "Nguyen"), ("", "Bouzid"), ("", "Şahin"),
    ("", "Kaya"), ("", "Aydın"), ("", "Doğan"), ("el", "Idrissi"), ("", "Tahiri"),
    ("", "Sarmo"), ("", "Lopes"), ("", "Kowalski"), ("", "Nowak"), ("", "Brontë"),
    ("van", "Vliet"), ("", "Jacobs"), ("", "Sanders"), ("", "Bosman"), ("", "Hermans"),
    ("ter", "Horst"), ("van 't", "Hof"), ("", "Zwart"), ("", "Timmermans"), ("", "Groen"),
]  # fmt: skip
PLACES = [
    "Baarn", "Soest", "Amersfoort", "Hilversum", "Utrecht", "Zeist", "Bunschoten", "Leusden",
    "Nijkerk", "Barneveld", "Veenendaal", "Houten", "Nieuwegein", "IJsselstein", "Woerden",
    "Maarssen", "Bilthoven", "Driebergen", "Doorn", "Rhenen",
]  # fmt: skip
SCHOOL_KINDS = ["College", "Lyceum", "mavo", "Scholengemeenschap", "vmbo", "Gymnasium"]
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 Chrome/125.0 Mobile Safari",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
]

# How an event was recorded: capacity and method, packed into a small code.
GUARDIAN_ONLINE, SELF_ONLINE, STAFF_ONLINE, ADMIN_PAPER, ADMIN_RECORDED = range(5)
KIND_CAPACITY_METHOD = {
    GUARDIAN_ONLINE: (Capacity.GUARDIAN, Method.ONLINE),
    SELF_ONLINE: (Capacity.SELF, Method.ONLINE),
    STAFF_ONLINE: (Capacity.STAFF, Method.ONLINE),
    ADMIN_PAPER: (Capacity.ADMINISTRATOR, Method.PAPER),
    ADMIN_RECORDED: (Capacity.ADMINISTRATOR, Method.RECORDED),
}
VALUES = [Value.GRANTED, Value.REFUSED, Value.WITHDRAWN]
GRANTED, REFUSED, WITHDRAWN = range(3)
# Families: say yes to nearly everything, choose per channel, are cautious, or refuse all.
DISPOSITIONS = [(0.97, 0.55), ("selective", 0.30), (0.15, 0.10), (0.02, 0.05)]

# One event is packed into one int (a sortable, compact form for a year's million events):
# time in milliseconds | subject | voice (guardian index + 1, 0 = own) | purpose | media | value
# | kind. Sorting the ints orders events by time, deterministically.
KIND_BITS, VALUE_BITS, MEDIA_BITS, PURPOSE_BITS, VOICE_BITS, SUBJECT_BITS = 3, 2, 2, 4, 24, 24


def pack(ms, subject, voice, purpose, media, value, kind) -> int:
    packed = ms
    for part, bits in (
        (subject, SUBJECT_BITS),
        (voice, VOICE_BITS),
        (purpose, PURPOSE_BITS),
        (media, MEDIA_BITS),
        (value, VALUE_BITS),
        (kind, KIND_BITS),
    ):
        packed = (packed << bits) | part
    return packed


def unpack(packed: int) -> tuple[int, int, int, int, int, int, int]:
    parts = []
    for bits in (KIND_BITS, VALUE_BITS, MEDIA_BITS, PURPOSE_BITS, VOICE_BITS, SUBJECT_BITS):
        parts.append(packed & ((1 << bits) - 1))
        packed >>= bits
    kind, value, media, purpose, voice, subject = parts
    return packed, subject, voice, purpose, media, value, kind
