"""Security headers on every page; personal pages are never cached."""

import pytest

from . import factories as f

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_for_a_logged_in_user_are_not_stored(client):
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(f.UserFactory())
    assert "no-store" in client.get("/")["Cache-Control"]
