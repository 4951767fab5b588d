"""The page for an unexpected error, and for the database being unreachable.

Django calls server_error() for every uncaught exception (when DEBUG is off), also one
raised in a middleware, such as the session being saved while PostgreSQL is down. Neither
page touches the database or shows anything of the error: the details go to the log.

An outage is one short line per failed request, not a traceback: during a 66 s PostgreSQL
outage gunicorn wrote 80 MB of log, about two tracebacks per 503 page (the view's error, and
the session save's on the way out). database_unavailable() logs the line, once per request,
and DatabaseOutageWithoutTraceback (on the django.request logger) drops Django's records
with the traceback for the 503s it answered.
"""

import logging
import sys

from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger("consent_portal.errors")

# Connection lost, server stopped, too many connections: the request can be tried again.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request, *args, **kwargs):
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable(request, error)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def bad_request(request, exception, *args, **kwargs):
    """Django's own 400, except for a session that could not be saved because the database
    went away during the request (the session backend reports that as an interrupted
    session, a 400): that is the database's outage, and the page says so."""
    if isinstance(exception, SessionInterrupted) and not database_reachable():
        return database_unavailable(request, database_error_in(exception) or exception)
    return defaults.bad_request(request, exception, *args, **kwargs)


def database_unavailable(request, error: BaseException) -> HttpResponse:
    if not getattr(request, "_database_outage_logged", False):
        request._database_outage_logged = True
        logger.warning(
            "Database unavailable (%s): 503 for %s %s",
            type(error).__name__,
            request.method,
            request.path,
        )
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_error_in(error: BaseException | None) -> BaseException | None:
    """The database error that `error` is, or that it was raised while handling."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_UNAVAILABLE):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


class DatabaseOutageWithoutTraceback(logging.Filter):
    """On the django.request logger: drops the record, with its traceback, of a request that
    was answered with the outage page; database_unavailable() logged it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (
            getattr(record, "status_code", None) == 503 and database_error_in(error) is not None
        )


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_UNAVAILABLE:
        return False
    return True
