"""The CSP's reporting endpoint: one log line per violation, without personal data."""

import json
import logging

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from .helpers import amsterdam

pytestmark = pytest.mark.django_db

URL = "/csp-report/"
# What Firefox sends to report-uri (application/csp-report).
REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": (
            "https://toestemming.example.org/communications/people/?q=Zo%C3%AB+de+Vries#top"
        ),
        "referrer": "https://toestemming.example.org/communications/?q=Sem+Bakker",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "https://user:secret@evil.example.com/x.js?session=abc123",
        "line-number": 12,
        "column-number": 7,
        "source-file": "https://toestemming.example.org/static/js/app.js?v=Zo%C3%AB",
        "status-code": 200,
        "script-sample": "alert('Zoë de Vries')",
    }
}
# What Chromium sends to the report-to endpoint (application/reports+json).
REPORT_TO_BODY = [
    {
        "type": "csp-violation",
        "age": 10,
        "url": "https://toestemming.example.org/my/?child=Zo%C3%AB",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131",
        "body": {
            "documentURL": "https://toestemming.example.org/my/?child=Zo%C3%AB",
            "referrer": "https://toestemming.example.org/?q=Sem",
            "blockedURL": "inline",
            "effectiveDirective": "style-src-attr",
            "originalPolicy": "default-src 'self'",
            "sourceFile": "https://toestemming.example.org/my/",
            "sample": "color: red /* Zoë */",
            "disposition": "enforce",
            "statusCode": 200,
            "lineNumber": 3,
            "columnNumber": 1,
        },
    },
    {"type": "deprecation", "url": "https://toestemming.example.org/", "body": {"id": "x"}},
]
PERSONAL = ("Zo", "Sem", "Vries", "203.0.113.9", "secret", "abc123", "Mozilla", "alert", "color")


def send(client, body, content_type="application/csp-report"):
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, payload, content_type=content_type, REMOTE_ADDR="203.0.113.9")


def csp_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "consent_portal.csp"]


def test_every_page_names_the_endpoint_in_its_policy(client):
    response = client.get(reverse("account_login"))
    policy = response["Content-Security-Policy"]
    assert reverse("csp_report") == URL
    assert f"report-uri {URL}" in policy and "report-to csp-endpoint" in policy
    assert response["Reporting-Endpoints"] == f'csp-endpoint="{URL}"'


def test_a_report_uri_report_is_logged_as_one_line_without_personal_data(caplog):
    client = Client(enforce_csrf_checks=True)  # browsers send no CSRF token
    caplog.set_level(logging.INFO)

    response = send(client, REPORT_URI_BODY)

    assert response.status_code == 204
    assert csp_lines(caplog) == [
        "CSP violation: script-src-elem blocked https://evil.example.com/x.js on "
        "https://toestemming.example.org/communications/people/ "
        "(source https://toestemming.example.org/static/js/app.js, line 12, enforce)"
    ]
    assert not any(word in caplog.text for word in PERSONAL)


def test_a_report_to_report_is_logged_and_other_kinds_of_report_are_not(client, caplog):
    caplog.set_level(logging.INFO)

    response = send(client, REPORT_TO_BODY, content_type="application/reports+json")

    assert response.status_code == 204
    assert csp_lines(caplog) == [
        "CSP violation: style-src-attr blocked inline on https://toestemming.example.org/my/ "
        "(source https://toestemming.example.org/my/, line 3, enforce)"
    ]
    assert not any(word in caplog.text for word in PERSONAL)


def test_a_data_url_is_logged_by_its_scheme_alone(client, caplog):
    report = {"csp-report": {**REPORT_URI_BODY["csp-report"], "blocked-uri": "data:text/html,Zoë"}}
    caplog.set_level(logging.INFO)
    send(client, report)
    assert "blocked data on" in csp_lines(caplog)[0]
    assert "Zo" not in caplog.text


def test_control_characters_cannot_forge_a_log_line(client, caplog):
    report = {"csp-report": {"effective-directive": "img-src", "blocked-uri": "/x\nFAKE LINE"}}
    caplog.set_level(logging.INFO)
    send(client, report)
    [line] = csp_lines(caplog)
    assert "\n" not in line and "/x?FAKE LINE" in line


def test_an_oversized_body_is_refused_and_nothing_is_logged(client, caplog):
    report = {"csp-report": {**REPORT_URI_BODY["csp-report"], "script-sample": "x" * 20_000}}
    caplog.set_level(logging.INFO)
    assert send(client, report).status_code == 413
    assert csp_lines(caplog) == []


def test_garbage_is_accepted_silently(client, caplog):
    caplog.set_level(logging.INFO)
    for body in (b"", b"\xff\xfe not json", "[1, 2, 3]", '{"csp-report": "x"}', "null"):
        assert send(client, body).status_code == 204
    assert csp_lines(caplog) == []


def test_a_flood_of_reports_logs_at_most_sixty_a_minute_and_says_so_once(client, caplog):
    caplog.set_level(logging.INFO)
    flood = [REPORT_TO_BODY[0]] * 10
    with time_machine.travel(amsterdam(2026, 10, 1, 9, 0), tick=False):
        for _ in range(10):
            assert send(client, flood, "application/reports+json").status_code == 204
    lines = csp_lines(caplog)
    assert len(lines) == 61
    assert lines[-1] == "CSP violations: more than 60 this minute; the rest are not logged"
    with time_machine.travel(amsterdam(2026, 10, 1, 9, 1), tick=False):
        send(client, flood, "application/reports+json")
    assert len(csp_lines(caplog)) == 61 + 10  # the next minute


def test_only_post_is_accepted(client):
    assert client.get(URL).status_code == 405
