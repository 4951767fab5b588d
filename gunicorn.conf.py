# Read by gunicorn from the working directory (docker-compose, Dockerfile, benchmarks). Every
# value can be changed with an environment variable (GUNICORN_*); flags on the command line
# win over this file, so the Dockerfile and docker-compose pass none.
import os


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {value!r}") from None


# The Dockerfile sets 0.0.0.0:8000; run natively, gunicorn listens on this machine only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes × threads serve requests at once (more than one thread: gunicorn's gthread
# worker). `make load` and the fault runs measured the portal with 4 threads a process.
workers = envint("GUNICORN_WORKERS", 3)
threads = envint("GUNICORN_THREADS", 4)

# How long an idle connection stays open for the client's next request. gunicorn's default,
# 2 s, is shorter than the pauses of a real client: in `make load` (4 processes × 4 threads)
# requests sent after a pause on a reused connection were dropped, because gunicorn closed
# the connection as the request was on its way; with 10 s there were none. Behind a reverse
# proxy (TRUSTED_PROXY_COUNT > 0) the proxy reuses its connections to gunicorn and must be
# the one that closes them: gunicorn waits longer than the proxy's idle timeout (nginx
# `keepalive_timeout` and AWS ALB both 60 s), or a user gets a 502 for the same race. An idle
# connection holds no thread in the gthread worker, only a socket (worker_connections, 1000).
BEHIND_PROXY = envint("TRUSTED_PROXY_COUNT", 0) > 0
keepalive = envint("GUNICORN_KEEPALIVE", 75 if BEHIND_PROXY else 10)

# A process that has not reported to gunicorn for this long is killed and replaced. With
# threads the process reports while its requests run, so this catches a stuck process, not a
# slow request (with GUNICORN_THREADS=1 it also ends a request that takes longer).
timeout = envint("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy, `docker compose stop`) requests in progress get this long to finish;
# docker-compose gives the web container 30 s (stop_grace_period) before it kills it.
graceful_timeout = envint("GUNICORN_GRACEFUL_TIMEOUT", 20)

# The access log goes to stdout. It leaves out the query string and the referrer: a lookup's
# ?q= holds the name that was searched for, and personal data does not belong in logs.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
