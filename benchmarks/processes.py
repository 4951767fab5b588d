"""A Celery worker as a separate process, for the tests and benchmarks that kill one."""

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent

# Two prefork processes, no gossip, mingle or heartbeat: a worker that starts quickly and
# talks to the broker only to take tasks.
WORKER_COMMAND = [
    sys.executable, "-m", "celery", "-A", "consent_portal", "worker", "--pool=prefork",
    "--concurrency=2", "--without-gossip", "--without-mingle", "--without-heartbeat",
    "--loglevel=WARNING",
]  # fmt: skip


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the database Django is connected to (the test database included)."""
    db = settings_dict
    return (
        f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
        f"@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


def worker_process(env: dict, log) -> subprocess.Popen:
    """Start a worker in its own process group (so that a kill takes its children too)."""
    return subprocess.Popen(
        WORKER_COMMAND,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
