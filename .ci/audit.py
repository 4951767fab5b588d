"""`make audit`: known vulnerabilities in the locked packages, and every package not checked.

pip-audit's --strict stops at the first package it cannot check and names only that one;
without it, a package it could not look up (no network, vulnerability service unreachable)
disappears from the summary, which still ends in "No known vulnerabilities found". Here the
JSON report is read whole: every vulnerability and every package that could not be checked is
listed, and either fails the audit.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as folder:
    report = Path(folder) / "audit.json"
    subprocess.run(  # noqa: S603 - a fixed command line
        [
            Path(sys.executable).with_name("pip-audit"),
            "--progress-spinner=off",
            "--skip-editable",
            "--format=json",
            f"--output={report}",
        ],
        check=False,
    )
    if not report.exists():
        sys.exit("pip-audit wrote no report: nothing was checked")
    packages = json.loads(report.read_text())["dependencies"]

vulnerable = [(p["name"], p["version"], v["id"]) for p in packages for v in p.get("vulns", [])]
unchecked = [(p["name"], p["skip_reason"]) for p in packages if "skip_reason" in p]
for name, version, vuln in vulnerable:
    print(f"VULNERABLE  {name} {version}: {vuln}")
for name, reason in unchecked:
    print(f"NOT CHECKED {name}: {reason}")
checked = len(packages) - len(unchecked)
print(f"{checked} of {len(packages)} packages checked, {len(vulnerable)} known vulnerabilities")
sys.exit(1 if vulnerable or unchecked else 0)
