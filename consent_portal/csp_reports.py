"""Where browsers report what the Content-Security-Policy blocked (report-uri, report-to).

Each violation becomes one log line without personal data: no IP address, referrer, user
agent or sample of the page's text, and URLs without their query string or fragment (a
lookup's ?q= holds the name searched for). The body is bounded; at most REPORTS_PER_MINUTE
violations a minute are logged, counted in the shared cache, so a flood cannot fill the log.
"""

import json
import logging
import time
from urllib.parse import urlsplit, urlunsplit

from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("consent_portal.csp")

# A browser's report is well under 4 KB (most of it the policy, which is not logged).
MAX_BODY_BYTES = 16 * 1024
MAX_REPORTS_PER_REQUEST = 10
REPORTS_PER_MINUTE = 60
MAX_FIELD_CHARS = 200


@csrf_exempt  # browsers send reports without a CSRF token
@require_POST
def csp_report(request):
    if _content_length(request) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    for violation in _violations(body)[:MAX_REPORTS_PER_REQUEST]:
        if not _within_budget():
            break
        logger.warning(
            "CSP violation: %s blocked %s on %s (source %s, line %s, %s)",
            _token(violation.get("directive")),
            _url(violation.get("blocked")),
            _url(violation.get("document")),
            _url(violation.get("source")),
            _line(violation.get("line")),
            _token(violation.get("disposition")),
        )
    return HttpResponse(status=204)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _violations(body: bytes) -> list[dict]:
    """The violations of a report-uri body (one "csp-report" object) or a report-to body
    (a list of reports, of which "csp-violation" ones count), with one set of keys."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        report = payload["csp-report"]
        return [
            {
                "directive": report.get("effective-directive") or report.get("violated-directive"),
                "blocked": report.get("blocked-uri"),
                "document": report.get("document-uri"),
                "source": report.get("source-file"),
                "line": report.get("line-number"),
                "disposition": report.get("disposition"),
            }
        ]
    if isinstance(payload, list):
        return [
            {
                "directive": report["body"].get("effectiveDirective"),
                "blocked": report["body"].get("blockedURL"),
                "document": report["body"].get("documentURL"),
                "source": report["body"].get("sourceFile"),
                "line": report["body"].get("lineNumber"),
                "disposition": report["body"].get("disposition"),
            }
            for report in payload
            if isinstance(report, dict)
            and report.get("type") == "csp-violation"
            and isinstance(report.get("body"), dict)
        ]
    return []


def _within_budget() -> bool:
    """True for the first REPORTS_PER_MINUTE violations of the minute, in all processes."""
    key = f"csp-reports:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        return True
    if count == REPORTS_PER_MINUTE + 1:
        logger.warning("CSP violations: more than %d this minute; the rest are not logged",
                       REPORTS_PER_MINUTE)  # fmt: skip
    return count <= REPORTS_PER_MINUTE


def _url(value) -> str:
    """A URL without query string, fragment or user name; for other values ("inline",
    "eval", "data:…") the keyword or scheme alone."""
    if not isinstance(value, str) or not value:
        return "-"
    value = value[: 4 * MAX_FIELD_CHARS]
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "?"
    if parts.scheme in ("http", "https", "ws", "wss"):
        host = f"[{host}]" if ":" in host else host
        netloc = f"{host}:{port}" if port else host
        value = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    elif parts.scheme:
        value = parts.scheme
    else:
        value = value.split("?", 1)[0].split("#", 1)[0]
    return _printable(value)


def _token(value) -> str:
    """The first word: "script-src-elem", "enforce" (older browsers add the sources)."""
    words = value.split() if isinstance(value, str) else []
    return _printable(words[0]) if words else "-"


def _line(value) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else "-"


def _printable(value: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in value)[:MAX_FIELD_CHARS]
