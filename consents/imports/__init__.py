"""Importing students, classes, guardians and staff from a school administration system.

Parsers per format (`tabular` for CSV/Excel, `oneroster` for OneRoster 1.1) turn a file into
records (`records`); `service.records_import` applies them, as a dry run or for real.
"""

from .records import Problem
from .results import ImportResult, Outcome
from .service import records_import

__all__ = ["ImportResult", "Outcome", "Problem", "records_import"]
