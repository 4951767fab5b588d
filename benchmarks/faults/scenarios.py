"""The fault runs: PostgreSQL crashed while parents save, Redis stopped during a campaign, the
worker killed during a large reminder run; each returns what it measured."""

import os
import shutil
import signal
import time
from collections import Counter

from .parents import page_status, page_text, parents, parents_run
from .services import VAR, Postgres, Processes, Redis, django_setup, free_port, wait_for


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
    wait_for(lambda: page_status(port, "/health/") == 200, 30, "gunicorn")

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
        "503 page says": page_text(page)[:160],
        "pages with a traceback": sum(len(t.bad_pages) for t in threads),
        "other answers": [page for t in threads for page in t.other_pages][:5],
        "served again by the same gunicorn": processes.running["gunicorn"].poll() is None
        and page_status(port, "/health/") == 200,
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
    wait_for(lambda: page_status(port, "/health/") == 200, 30, "gunicorn")
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
