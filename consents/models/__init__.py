from .administration import ExportJob, ExportLog, ImportRun, ReportSnapshot
from .catalogue import ConsentText, MediaType, Purpose
from .decisions import ChainHead, ConsentDecision, ConsentStatus, DecisionEvidence
from .organisation import Board, Group, Role, School, SchoolYear
from .people import Guardian, Guardianship, StaffMember, Student, Subject

__all__ = [
    "Board",
    "ChainHead",
    "ConsentDecision",
    "ConsentStatus",
    "ConsentText",
    "DecisionEvidence",
    "ExportJob",
    "ExportLog",
    "Group",
    "Guardian",
    "Guardianship",
    "ImportRun",
    "MediaType",
    "Purpose",
    "ReportSnapshot",
    "Role",
    "School",
    "SchoolYear",
    "StaffMember",
    "Student",
    "Subject",
]
