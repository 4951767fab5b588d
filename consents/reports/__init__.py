"""Aggregate reports for the (G)MR (rule 10): no names, small counts suppressed.

`measures` defines what is counted (one registry), `snapshots` counts a school's year and
keeps ended years as they were, `suppression` hides small counts and what would reveal them,
`tables` builds the report and `formats` writes it as CSV, XLSX, PDF and SVG charts.
"""

from .tables import Report, report_build

__all__ = ["Report", "report_build"]
