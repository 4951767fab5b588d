"""The page for an unexpected error, and for the database being unreachable.

Django calls server_error() for every uncaught exception (when DEBUG is off), also one
raised in a middleware, such as the session being saved while PostgreSQL is down. Neither
page touches the database or shows anything of the error: the details go to the log.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger("consent_portal.errors")

# Connection lost, server stopped, too many connections: the request can be tried again.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request, *args, **kwargs):
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        logger.error("Database unavailable: %s", type(error).__name__)
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
