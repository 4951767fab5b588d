from .campaigns import Campaign, CampaignStep, OutboxMessage
from .catalogue import ConsentText, MediaType, Purpose
from .decisions import ChainHead, ConsentDecision, ConsentStatus, DecisionEvidence
from .organisation import Board, Group, Role, School, SchoolYear
from .people import Guardian, Guardianship, StaffMember, Student, Subject

__all__ = [
    "Board",
    "Campaign",
    "CampaignStep",
    "ChainHead",
    "ConsentDecision",
    "ConsentStatus",
    "ConsentText",
    "DecisionEvidence",
    "Group",
    "Guardian",
    "Guardianship",
    "MediaType",
    "OutboxMessage",
    "Purpose",
    "Role",
    "School",
    "SchoolYear",
    "StaffMember",
    "Student",
    "Subject",
]
