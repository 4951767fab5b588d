"""Campaign benchmark: the planner's time and peak memory for a large board, and the send rate
of a real worker (2 processes) into a local SMTP sink (aiosmtpd).

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... python -m benchmarks campaign

Sizes: BENCH_PLAN_RECIPIENTS (default 100000) and BENCH_SEND_RECIPIENTS (default 2000).
"""

import datetime as dt
import os
import signal
import sys
import time
import tracemalloc
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def setup_database():
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The campaign benchmark runs against PostgreSQL: set DATABASE_URL.")
    name = settings.DATABASES["default"]["NAME"] + "_bench"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection


def teardown_database(connection, old_name):
    connection.creation.destroy_test_db(old_name, verbosity=0)


def make_board(name: str, families: int):
    """A board with one school, two purposes and `families` guardians, each with one child of
    13, none of whom has answered yet: every guardian is a recipient."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from consents.dates import school_today, years_before
    from consents.models import Board, ConsentText, Guardian, Guardianship, Purpose, School, Subject
    from consents.stored import verdicts_mark_stale

    User = get_user_model()
    board = Board.objects.create(name=name, contact_email="privacy@example.org")
    school = School.objects.create(board=board, name=f"{name} college")
    for code in ("website", "yearbook"):
        purpose = Purpose.objects.create(board=board, code=code, name_nl=code, name_en=code)
        ConsentText.objects.create(
            purpose=purpose,
            body_nl="Mogen wij beeldmateriaal gebruiken?",
            body_en="May we use images?",
            change=ConsentText.Change.INITIAL,
            created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        )
    born = years_before(school_today(), 13)
    batch = 5000
    for start in range(0, families, batch):
        numbers = range(start, min(start + batch, families))
        users = User.objects.bulk_create(
            [User(email=f"{name}.{n}@example.org", password="!") for n in numbers]
        )
        guardians = Guardian.objects.bulk_create(
            [
                Guardian(user=user, last_name=f"Ouder {n}")
                for n, user in zip(numbers, users, strict=True)
            ]
        )
        subjects = Subject.objects.bulk_create(
            [
                Subject(kind="student", board=board, first_name="Kind", last_name=str(n))
                for n in numbers
            ]
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO consents_student (subject_ptr_id, school_id, student_number, "
                "date_of_birth) VALUES (%s, %s, %s, %s)",
                [(s.pk, school.pk, f"{n}", born) for n, s in zip(numbers, subjects, strict=True)],
            )
        Guardianship.objects.bulk_create(
            [
                Guardianship(guardian=g, student_id=s.pk)
                for g, s in zip(guardians, subjects, strict=True)
            ]
        )
    # Written past the models' signals: the stored verdicts are all worked out again.
    verdicts_mark_stale(everyone=True)
    # Statistics, as a database in use has them (autovacuum analyzes a large load, but only a
    # minute or so later). Without them PostgreSQL plans each chunk's queries as if the
    # tables were empty: planning 30,000 recipients took 10.4 s instead of 5.7.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return board


def renewal(board):
    from consents.dates import school_today
    from consents.models import Campaign, SchoolYear

    today = school_today()
    year = SchoolYear.objects.for_date(board, today)
    return Campaign.objects.create(
        board=board,
        school_year=year,
        opens_on=today,
        closes_on=max(year.end_date, today),
    )


def bench_planner(families: int) -> dict:
    """Plan the invitation twice: once timed, once again (after removing the first plan)
    under tracemalloc, which slows Python down but measures the peak of Python memory."""
    from consents.campaigns import planning
    from consents.campaigns import services as campaigns
    from consents.models import CampaignStep, OutboxMessage

    started = time.perf_counter()
    board = make_board(f"plan{families}", families)
    created = time.perf_counter() - started
    campaign = renewal(board)
    publish, planning.outbox_publish_step = planning.outbox_publish_step, lambda step: None
    try:
        started = time.perf_counter()
        # The hourly job, as it runs; it also passes the earlier sizes' campaigns, already planned.
        [step] = [s for s in campaigns.campaigns_advance() if s.campaign_id == campaign.pk]
        seconds = time.perf_counter() - started
        recipients = step.recipients
        OutboxMessage.subjects.through.objects.filter(outboxmessage__step=step).delete()
        OutboxMessage.objects.filter(step=step).delete()
        CampaignStep.objects.filter(pk=step.pk).delete()
        tracemalloc.start()
        campaigns.campaign_advance(campaign)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        planning.outbox_publish_step = publish
    return {
        "recipients": recipients,
        "data set-up (s)": round(created, 1),
        "planning (s)": round(seconds, 1),
        "planned per second": round(recipients / seconds),
        "planner peak memory (MiB)": round(peak / 2**20, 1),
    }


def worker_process(sink_port: int, log):
    from django.conf import settings
    from django.db import connection

    from benchmarks.processes import database_url
    from benchmarks.processes import worker_process as start_worker

    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "LOG_LEVEL": "WARNING",
    }
    return start_worker(env, log)


def bench_send(families: int) -> dict:
    from benchmarks.smtp_sink import SmtpSink
    from consent_portal.celery import app
    from consents.campaigns import services as campaigns
    from consents.models import OutboxMessage

    board = make_board("send", families)
    renewal(board)
    app.control.purge()
    with SmtpSink() as sink, open(ROOT / "var" / "bench-worker.log", "w") as log:
        worker = worker_process(sink.port, log)
        try:
            time.sleep(5)  # let the worker start, so that its start-up is not measured
            started = time.perf_counter()
            campaigns.campaigns_advance()
            if not sink.wait_for(families, timeout=max(120, families)):
                raise SystemExit(f"only {len(sink.messages)} of {families} emails arrived")
            seconds = time.perf_counter() - started
            deadline = time.monotonic() + 60
            sent = OutboxMessage.objects.filter(step__campaign__board=board, state="sent")
            while sent.count() < families and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    return {
        "recipients": families,
        "emails received by the sink": len(sink.messages),
        "rows marked sent": sent.count(),
        "plan + send (s)": round(seconds, 1),
        "recipients per second": round(families / seconds),
    }


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent_portal.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # as in production: no log of every query in memory

    (ROOT / "var").mkdir(exist_ok=True)
    old_name = connection.settings_dict["NAME"]
    setup_database()
    # The planner at a tenth of the size and at full size: its memory must not grow with
    # the number of recipients (it plans in chunks of CAMPAIGN_CHUNK_SIZE).
    full = int(os.environ.get("BENCH_PLAN_RECIPIENTS", 100_000))
    try:
        plans = [bench_planner(size) for size in (full // 10, full)]
        send = bench_send(int(os.environ.get("BENCH_SEND_RECIPIENTS", 2000)))
    finally:
        teardown_database(connection, old_name)
    print("Campaign planner:")
    for key in plans[0]:
        print(f"  {key:32} " + " / ".join(str(plan[key]) for plan in plans))
    growth = plans[1]["planner peak memory (MiB)"] / plans[0]["planner peak memory (MiB)"]
    if full // 10 < 2 * settings.CAMPAIGN_CHUNK_SIZE:
        verdict = f"not judged: the tenth is less than two chunks of {settings.CAMPAIGN_CHUNK_SIZE}"
    else:
        verdict = "bounded" if growth < 1.5 else "MISSED: grows with the recipients"
    print(f"  {'peak memory, full / tenth':32} {growth:.2f}x ({verdict})")
    print("Sending through a real worker (2 processes) into aiosmtpd:")
    for key, value in send.items():
        print(f"  {key:32} {value}")
