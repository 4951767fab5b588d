from .access import AccessLogEntry
from .catalogue import ConsentText, MediaType, Purpose
from .decisions import ChainHead, ConsentDecision, ConsentStatus, DecisionEvidence
from .organisation import Board, Group, Role, School, SchoolYear
from .people import Guardian, Guardianship, StaffMember, Student, Subject
from .publications import Publication, PublicationPerson, TakedownTask
from .receipts import ConsentReceipt

__all__ = [
    "AccessLogEntry",
    "Board",
    "ChainHead",
    "ConsentDecision",
    "ConsentReceipt",
    "ConsentStatus",
    "ConsentText",
    "DecisionEvidence",
    "Group",
    "Guardian",
    "Guardianship",
    "MediaType",
    "Publication",
    "PublicationPerson",
    "Purpose",
    "Role",
    "School",
    "SchoolYear",
    "StaffMember",
    "Student",
    "Subject",
    "TakedownTask",
]
