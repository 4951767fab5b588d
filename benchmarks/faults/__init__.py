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

from .scenarios import main

__all__ = ["main"]
