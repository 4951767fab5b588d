"""The page for an unexpected error, and for the database being unreachable.

Django calls server_error() for every uncaught exception (when DEBUG is off), also one
raised in a middleware, such as the session being saved while PostgreSQL is down. Neither
page touches the database or shows anything of the error: the details go to the log.
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
        logger.error("Database unavailable: %s", type(error).__name__)
        return database_unavailable()
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def bad_request(request, exception, *args, **kwargs):
    """Django's own 400, except for a session that could not be saved because the database
    went away during the request (the session backend reports that as an interrupted
    session, a 400): that is the database's outage, and the page says so."""
    if isinstance(exception, SessionInterrupted) and not database_reachable():
        logger.error("Database unavailable while saving the session")
        return database_unavailable()
    return defaults.bad_request(request, exception, *args, **kwargs)


def database_unavailable() -> HttpResponse:
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_UNAVAILABLE:
        return False
    return True
