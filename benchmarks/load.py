"""Load test: 200 users, parents saving consent and staff looking people up, for 5 minutes,
against gunicorn and PostgreSQL on this machine (locust, headless).

    DATABASE_URL=postgres://.../consent_bench python -m benchmarks load

The database must hold a generated board (`manage.py generate_board`); the parents' saves
are appended to its log. LOAD_USERS (200), LOAD_MINUTES (5) and LOAD_WORKERS (gunicorn
processes, 4) change the run. Prints requests per second, the median and 95th percentile of
the response times, and the errors, per request and in all; the target is 0 errors and a
p95 under 300 ms.
"""

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "load"
SECRET = "load-only-" + "x" * 40  # nosec B105 (a throw-away key for this run's processes)


def sessions(parents: int, staff: int) -> dict:
    """Logged-in sessions (as force_login makes them) for guardians and communications staff."""
    from django.conf import settings

    from consents.models import Purpose
    from consents.rules import sixteen_cutoff

    from .harness import Board

    board = Board()

    def session(user) -> str:
        client = board.client(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    purpose = Purpose.objects.filter(board=board.board, active=True).order_by("pk").first()
    under_16 = sixteen_cutoff(board.today)  # born on or before: 16 or older
    guardians = []
    for student in board.students(parents * 2, offset=200):
        guardian = student.guardians.select_related("user").order_by("pk").first()
        if guardian is None or student.date_of_birth <= under_16 or len(guardians) == parents:
            continue
        guardians.append(
            {"session": session(guardian.user), "child": str(student.key),
             "field": f"consent:{purpose.code}:photo"}
        )  # fmt: skip
    people = [s.pk for s in board.students(200)]
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "parents": guardians,
        "staff": [{"session": session(board.communications)} for _ in range(staff)],
        "terms": ["jan", "de vries", "bakker", "emma", "sem", "2a", "van", "visser", "1234"],
        "people": people,
    }


def stats(path: Path) -> list[dict]:
    with open(path) as handle:
        return list(csv.DictReader(handle))


def main(argv: list[str]) -> int:
    users = int(os.environ.get("LOAD_USERS", 200))
    minutes = float(os.environ.get("LOAD_MINUTES", 5))
    workers = os.environ.get("LOAD_WORKERS", "4")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(VAR / "var"),
        "DJANGO_SETTINGS_MODULE": "consent_portal.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The load test runs against PostgreSQL: set DATABASE_URL.")
    VAR.mkdir(parents=True, exist_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    parents = round(users * 0.9)
    data = sessions(parents, users - parents)
    (VAR / "sessions.json").write_text(json.dumps(data))
    connection.close()

    load_run(env, users, minutes, workers)
    print(f"\n{users} users ({parents} parents, {users - parents} staff), {minutes:g} minutes, "
          f"gunicorn {workers} processes x 4 threads:")  # fmt: skip
    print(f"{'request':<52} {'count':>7} {'errors':>7} {'req/s':>7} {'median':>7} {'p95':>7}")
    for row in stats(VAR / "locust_stats.csv"):
        print(
            f"{row['Name']:<52} {row['Request Count']:>7} {row['Failure Count']:>7} "
            f"{float(row['Requests/s']):>7.1f} {row['Median Response Time']:>7} {row['95%']:>7}"
        )
    return 0


def load_run(env: dict, users: int, minutes: float, workers: str) -> None:
    """gunicorn serving the application while locust's users run for `minutes`."""
    from benchmarks.smtp_sink import free_port

    port = free_port()
    with open(VAR / "gunicorn.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "consent_portal.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", workers, "--worker-class", "gthread",
             "--threads", "4", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            time.sleep(5)
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                 "--headless", "--users", str(users), "--spawn-rate", "20",
                 "--run-time", f"{int(minutes * 60)}s", "--host", f"http://127.0.0.1:{port}",
                 "--csv", str(VAR / "locust"), "--only-summary", "--loglevel", "WARNING"],
                cwd=ROOT, env={**env, "LOAD_SESSIONS": str(VAR / "sessions.json")}, check=False,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=60)
