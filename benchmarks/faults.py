"""Fault runs with real processes: PostgreSQL stopped, Redis stopped, workers killed.

    python -m benchmarks faults [postgres] [redis] [worker-kill]

Each run starts what it breaks itself, so the machine's own services are never touched: a
private PostgreSQL cluster (initdb as the postgres user, in var/faults/), a private Redis with
an append-only file (as docker-compose runs it), gunicorn serving the application, a Celery
worker, and an SMTP sink (aiosmtpd) in this process. Parents are HTTP clients in threads
that log in (a session made as `force_login` makes it) and save answers through the real form.

- postgres: PostgreSQL stopped (immediate shutdown, as a crash) for FAULT_OUTAGE seconds (60)
  while parents save: every answer is a redirect (saved) or a 503 with the clear page and
  no traceback; afterwards the same gunicorn serves again, every saved answer is in the log
  exactly once, the chain verifies, and the status table equals its rebuild.
- redis: Redis stopped for FAULT_OUTAGE seconds during a campaign and during saves: no
  error for parents, and every campaign message is delivered (once) after Redis returns;
  the time from its return to the last delivery is reported (target: 5 minutes).
- worker-kill: a reminder run to FAULT_REMINDERS recipients (50,000), the worker killed with
  SIGKILL five times along the way and started again: the SMTP sink must receive every
  recipient's message exactly once.

Results are printed; docs/benchmarks.md records them.
"""

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "faults"
PG_BIN = (
    Path("/usr/lib/postgresql")
    / (
        sorted(os.listdir("/usr/lib/postgresql"))[-1]
        if Path("/usr/lib/postgresql").exists()
        else ""
    )
    / "bin"
)
SECRET = "faults-only-" + "x" * 40  # nosec B105 (a throw-away key for this run's processes)


def free_port() -> int:
    from benchmarks.smtp_sink import free_port as port

    return port()


def wait_for(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


# --- Private services ---------------------------------------------------------------------


class Postgres:
    """A throw-away cluster on its own port, run as the postgres user (initdb refuses root)."""

    def __init__(self):
        self.port = free_port()
        self.data = VAR / "pg"

    def run(self, *args, check=True):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def init(self):
        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(VAR, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "faults"],
            check=True,
        )

    def start(self):
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=on"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(VAR / "pg.log"),
                 "-w", "start")  # fmt: skip

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/faults"


class Redis:
    def __init__(self):
        self.port = free_port()
        self.dir = VAR / "redis"
        self.process = None

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.ping, 20, "redis")

    def ping(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True)
        return result.stdout.strip() == b"PONG"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.process.wait(timeout=30)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


class Processes:
    """gunicorn, a Celery worker and beat with this run's environment; each in its own
    process group, so that a kill takes its children too."""

    def __init__(self, env: dict):
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str]):
        log = open(VAR / f"{name}.log", "a")  # noqa: SIM115 (closed with the process)
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def worker(self):
        from benchmarks.processes import WORKER_COMMAND

        self.start("worker", WORKER_COMMAND)

    def gunicorn(self, port: int):
        self.start("gunicorn", [sys.executable, "-m", "gunicorn", "consent_portal.wsgi",
                                "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                "--threads", "4"])  # fmt: skip

    def kill(self, name: str, sig=signal.SIGKILL):
        process = self.running.pop(name)
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=60)

    def stop_all(self):
        for name in list(self.running):
            self.kill(name, signal.SIGTERM)


# --- The application's data, reached from this process -------------------------------------


def django_setup(database_url: str, broker_url: str, sink_port: int) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(VAR / "var"),
        "DJANGO_SETTINGS_MODULE": "consent_portal.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the manifest
    return env


def parents(count: int, school_name: str):
    """`count` guardians, each with one child of 13 at a new school, nobody answered yet."""
    from benchmarks.campaign import make_board

    board = make_board(school_name, count)
    from consents.models import Guardian

    return board, list(Guardian.objects.filter(user__email__startswith=f"{school_name}.")
                       .select_related("user").order_by("pk"))  # fmt: skip


class Parent(threading.Thread):
    """Logs in (a session as force_login makes it) and saves one answer after another."""

    def __init__(self, guardian, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        from django.conf import settings
        from django.test import Client

        from consents.models import Purpose

        client = Client()
        client.force_login(guardian.user)
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        child = guardian.guardianships.select_related("student").first().student
        purpose = Purpose.objects.filter(board_id=child.board_id).order_by("pk").first()
        self.path = f"/my/{child.key}/"
        self.field = f"consent:{purpose.code}:photo"
        self.port, self.stop = port, stop
        self.outcomes: Counter = Counter()
        self.saved = 0
        self.bad_pages: list[str] = []
        self.page_503 = ""
        self.other_pages: list[str] = []

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers={"Cookie": self.cookie,
                                                                 **(headers or {})})  # fmt: skip
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace"), response
        finally:
            connection.close()

    def csrf(self) -> str | None:
        status, page, response = self.request("GET", "/my/")
        if status != 200:
            self.note(status, page)
            return None
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("csrftoken="):
                self.cookie = re.sub(r"; csrftoken=[^;]*", "", self.cookie)
                self.cookie += "; " + header.split(";")[0]
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return match.group(1) if match else None

    def note(self, status: int, page: str):
        self.outcomes[status] += 1
        if status >= 500 and ("Traceback" in page or 'File "' in page):
            self.bad_pages.append(page[:500])
        if status == 503:
            self.page_503 = page
        elif status not in (200, 302):
            self.other_pages.append(f"{status}: {_text(page)[:300]}")

    def run(self):
        answer = "yes"
        token = None
        while not self.stop.is_set():
            try:
                token = token or self.csrf()
                if token is None:
                    time.sleep(0.5)
                    continue
                body = f"csrfmiddlewaretoken={token}&{self.field}={answer}"
                status, page, _ = self.request(
                    "POST", self.path, body,
                    {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"},
                )  # fmt: skip
                self.note(status, page)
                if status == 302:
                    self.saved += 1
                    answer = "no" if answer == "yes" else "yes"
                elif status == 403:
                    token = None
            except OSError as error:
                self.outcomes[type(error).__name__] += 1
            time.sleep(0.2)


def parents_run(guardians, port, seconds_before, outage, seconds_after):
    stop = threading.Event()
    threads = [Parent(g, port, stop) for g in guardians]
    for thread in threads:
        thread.start()
    time.sleep(seconds_before)
    started = time.monotonic()
    outage.begin()
    time.sleep(float(os.environ.get("FAULT_OUTAGE", 60)))
    outage.end()
    ended = time.monotonic()
    time.sleep(seconds_after)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    total = Counter()
    for thread in threads:
        total.update(thread.outcomes)
    return threads, total, ended - started


def chain_and_status_checks() -> dict:
    from consents.decisions.chain import chain_verify
    from consents.decisions.services import consent_status_rebuild
    from consents.models import ConsentDecision, ConsentStatus, DecisionEvidence

    result = chain_verify()
    before = sorted(ConsentStatus.objects.values_list("subject_id", "purpose_id", "media_type_id",
                                                      "guardian_id", "decision_id"))  # fmt: skip
    consent_status_rebuild()
    after = sorted(ConsentStatus.objects.values_list("subject_id", "purpose_id", "media_type_id",
                                                     "guardian_id", "decision_id"))  # fmt: skip
    return {
        "chain": str(result),
        "status table equals its rebuild": before == after,
        "decisions without evidence": ConsentDecision.objects.exclude(
            pk__in=DecisionEvidence.objects.values("decision_id")
        ).count(),
    }


# --- The scenarios -------------------------------------------------------------------------


class Outage:
    def __init__(self, begin, end):
        self.begin, self.end = begin, end


def scenario_postgres(pg: Postgres, processes: Processes, port: int) -> dict:
    """PostgreSQL crashes (immediate shutdown) for a minute while 20 parents save."""
    from django.db import connections

    from consents.models import ConsentDecision

    _board, guardians = parents(20, "pgfault")
    before = ConsentDecision.objects.count()
    processes.gunicorn(port)
    wait_for(lambda: _get(port, "/health/") == 200, 30, "gunicorn")

    def begin():
        connections.close_all()
        pg.stop("immediate")

    threads, outcomes, _seconds = parents_run(guardians, port, 10, Outage(begin, pg.start), 20)
    connections.close_all()
    saved = sum(thread.saved for thread in threads)
    recorded = ConsentDecision.objects.count() - before
    page = next((t.page_503 for t in threads if t.page_503), "")
    return {
        "responses": dict(outcomes),
        "answers saved (302)": saved,
        "decisions recorded": recorded,
        "saved == recorded": saved == recorded,
        "503 page says": _text(page)[:160],
        "pages with a traceback": sum(len(t.bad_pages) for t in threads),
        "other answers": [page for t in threads for page in t.other_pages][:5],
        "served again by the same gunicorn": processes.running["gunicorn"].poll() is None
        and _get(port, "/health/") == 200,
        **chain_and_status_checks(),
    }


def scenario_redis(redis: Redis, processes: Processes, port: int, sink) -> dict:
    """Redis stopped for a minute while a campaign to 2,000 families runs and 20 save."""
    from consents import outbox
    from consents.campaigns import services as campaigns
    from consents.models import OutboxMessage

    board, guardians = parents(int(os.environ.get("FAULT_FAMILIES", 2000)), "redisfault")
    from benchmarks.campaign import renewal

    renewal(board)
    processes.gunicorn(port)
    processes.worker()
    wait_for(lambda: _get(port, "/health/") == 200, 30, "gunicorn")
    campaigns.campaigns_advance()  # plans the step and hands the messages to Redis
    returned = {}

    def end():
        redis.start()
        returned["at"] = time.monotonic()

    threads, outcomes, _seconds = parents_run(guardians[:20], port, 5, Outage(redis.stop, end), 10)
    messages = OutboxMessage.objects.filter(step__campaign__board=board)
    final = ("sent", "skipped", "failed")
    # The sweep runs every minute from beat in production; here this process runs it.
    deadline = returned["at"] + 600
    while messages.exclude(state__in=final).exists() and time.monotonic() < deadline:
        outbox.outbox_sweep()
        time.sleep(10)
    drained = time.monotonic() - returned["at"]
    counts = Counter(m["To"] for m in sink.messages if m["X-Consent-Email"] != "consent_receipt")
    states = Counter(messages.values_list("state", flat=True))
    return {
        "parent responses": dict(outcomes),
        "parent errors (5xx, connection)": sum(
            n for status, n in outcomes.items() if not isinstance(status, int) or status >= 500
        ),
        "campaign messages": messages.count(),
        "message states": dict(states),
        "emails at the sink (campaign)": sum(
            n for address, n in counts.items() if address.startswith("redisfault.")
        ),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "seconds from Redis's return to the last delivery": round(drained),
    }


def scenario_worker_kill(processes: Processes, sink) -> dict:
    """A reminder run to 50,000 families; the worker is SIGKILLed five times along the way."""
    from django.conf import settings

    from consents import outbox
    from consents.campaigns import services as campaigns
    from consents.models import OutboxMessage

    families = int(os.environ.get("FAULT_REMINDERS", 50_000))
    board, _guardians = parents(families, "killfault")
    from benchmarks.campaign import renewal

    renewal(board)
    started = time.monotonic()
    campaigns.campaigns_advance()
    planned = time.monotonic() - started
    # What a killed worker held comes back later: its rows in `sending` after the lease (15
    # minutes in production), its unacknowledged tasks after Redis's visibility timeout (an
    # hour). Both shortened so that the run ends the same hour; the same code paths.
    settings.OUTBOX_SENDING_LEASE_SECONDS = 60
    processes.env.update(CELERY_VISIBILITY_TIMEOUT="120", OUTBOX_RETRY_MAX_SECONDS="60")
    processes.worker()
    messages = OutboxMessage.objects.filter(step__campaign__board=board)
    kills = 0
    while kills < 5:
        target = families * (kills + 1) // 6
        wait_for(lambda target=target: len(sink.messages) >= target, 3600, f"{target} emails")
        processes.kill("worker", signal.SIGKILL)
        kills += 1
        processes.worker()
    final = ("sent", "skipped", "failed")
    deadline = time.monotonic() + 3600
    while messages.exclude(state__in=final).exists() and time.monotonic() < deadline:
        outbox.outbox_sweep()
        time.sleep(10)
    seconds = time.monotonic() - started
    counts = Counter(m["To"] for m in sink.messages if m["X-Consent-Email"] != "consent_receipt")
    recipients = set(messages.values_list("recipient__email", flat=True))
    return {
        "recipients": len(recipients),
        "planning (s)": round(planned, 1),
        "worker SIGKILLs": kills,
        "emails at the sink": len(sink.messages),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "lost": len(recipients - set(counts)),
        "message states": dict(Counter(messages.values_list("state", flat=True))),
        "total (s)": round(seconds),
    }


def _get(port: int, path: str) -> int:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return 0


def _text(page: str) -> str:
    main = re.search(r"<main.*?</main>", page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", main.group(0) if main else page).split())


def main(argv: list[str]) -> int:
    from benchmarks.smtp_sink import SmtpSink

    chosen = argv or ["postgres", "redis", "worker-kill"]
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    pg, redis = Postgres(), Redis()
    pg.init()
    redis.start()
    results = {}
    with SmtpSink() as sink:
        env = django_setup(pg.url, redis.url, sink.port)
        processes = Processes(env)
        try:
            for name in chosen:
                print(f"== {name}", flush=True)
                if name == "postgres":
                    results[name] = scenario_postgres(pg, processes, free_port())
                elif name == "redis":
                    results[name] = scenario_redis(redis, processes, free_port(), sink)
                elif name == "worker-kill":
                    results[name] = scenario_worker_kill(processes, sink)
                else:
                    raise SystemExit(f"unknown fault run {name!r}")
                processes.stop_all()
                sink.handler.messages.clear()
                for key, value in results[name].items():
                    print(f"  {key}: {value}", flush=True)
        finally:
            processes.stop_all()
            redis.stop()
            pg.stop()
    return 0
