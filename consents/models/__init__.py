from .access import AccessLogEntry
from .administration import ExportJob, ExportLog, ImportColumn, ImportRun, ReportSnapshot
from .campaigns import Campaign, CampaignStep
from .catalogue import ConsentText, MediaType, Purpose
from .decisions import ChainHead, ConsentDecision, ConsentStatus, DecisionEvidence
from .library import LibraryDownload, LibraryItem, LibraryItemPerson
from .organisation import Board, Group, Role, School, SchoolYear
from .outbox import OutboxMessage
from .people import Guardian, Guardianship, Protection, StaffMember, Student, Subject
from .publications import Publication, PublicationPerson, TakedownTask
from .receipts import ConsentReceipt
from .verdicts import CurrentVerdict, VerdictDirty, VerdictRefresh

__all__ = [
    "AccessLogEntry",
    "Board",
    "Campaign",
    "CampaignStep",
    "ChainHead",
    "ConsentDecision",
    "ConsentReceipt",
    "ConsentStatus",
    "ConsentText",
    "CurrentVerdict",
    "DecisionEvidence",
    "ExportJob",
    "ExportLog",
    "ImportColumn",
    "Group",
    "Guardian",
    "Guardianship",
    "Protection",
    "ImportRun",
    "LibraryDownload",
    "LibraryItem",
    "LibraryItemPerson",
    "MediaType",
    "Publication",
    "PublicationPerson",
    "OutboxMessage",
    "Purpose",
    "ReportSnapshot",
    "Role",
    "School",
    "SchoolYear",
    "StaffMember",
    "Student",
    "Subject",
    "TakedownTask",
    "VerdictDirty",
    "VerdictRefresh",
]
