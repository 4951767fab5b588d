"""Dutch by default, English on request, and no untranslated Dutch string left."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import allauth as allauth_package
import polib
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from . import factories as f

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db


def test_pages_speak_dutch_by_default(client):
    response = client.get("/")
    assert response["Content-Language"] == "nl"
    assert "Toestemming voor foto, film en geluid" in response.content.decode()


def test_pages_speak_english_on_request(client):
    response = client.get("/", headers={"accept-language": "en"})
    assert "Consent for photos, film and sound" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")
    assert response["Content-Language"] == "en"


def test_every_dutch_message_is_translated():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert untranslated == []


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs gettext (apt-get install gettext)"
)
def test_the_catalogue_holds_every_marked_string(tmp_path):
    """makemessages on a copy of the sources finds no string that the catalogue lacks."""
    for name in (
        "accounts",
        "benchmarks",
        "consents",
        "consent_portal",
        "templates",
        "locale",
        "manage.py",
    ):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "--no-location", "-v", "0"],
        cwd=tmp_path,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "consent_portal.settings",
            "PATH": "/usr/bin:/bin",
            "VAR_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(tmp_path),
        },
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "nl" / "LC_MESSAGES" / "django.po"))
    committed = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
    missing = sorted({e.msgid for e in fresh if not e.obsolete} - committed)
    assert missing == []


# The form of address per audience (issue 20): "je" for students, "u" for parents and staff.
# A message meant for a student carries msgctxt "student" (pgettext, `context "student"`);
# every other message is read by parents, staff or administrators.
FORMAL = re.compile(r"\b(u|uw|uzelf)\b", re.IGNORECASE)
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf|jullie)\b", re.IGNORECASE)


def test_the_dutch_catalogue_says_je_to_students_and_u_to_everyone_else():
    catalogue = [e for e in polib.pofile(str(PO)) if not e.obsolete and e.msgstr]
    to_students = [e for e in catalogue if e.msgctxt == "student"]
    assert to_students, "no message is marked for students"
    wrong = [(e.msgctxt, e.msgstr) for e in to_students if FORMAL.search(e.msgstr)]
    wrong += [
        (e.msgctxt, e.msgstr)
        for e in catalogue
        if e.msgctxt != "student" and INFORMAL.search(e.msgstr)
    ]
    assert wrong == []


def test_allauth_says_u_to_parents_and_staff_as_the_portal_does():
    """django-allauth's Dutch says "je"; every such message of the installed allauth has a
    formal one in the portal's catalogue, which takes precedence (LOCALE_PATHS). Fails when an
    upgrade of allauth brings a new one, or when makemessages drops ours as obsolete."""
    allauth = polib.pofile(
        str(Path(allauth_package.__file__).parent / "locale/nl/LC_MESSAGES/django.po")
    )
    ours = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(PO))
        if not e.obsolete and (e.msgstr or e.msgstr_plural)
    }
    informal = [
        e.msgid
        for e in allauth
        if not e.obsolete
        and INFORMAL.search(" ".join([e.msgstr, *e.msgstr_plural.values()]))
        and (e.msgctxt, e.msgid) not in ours
    ]
    assert informal == []


def test_a_staff_member_is_told_formally_that_they_are_logged_in(client):
    user = f.UserFactory(email="teacher@example.org", password="a-long-staff-password-2026")
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": "a-long-staff-password-2026"},
    )
    shown = [str(m) for m in get_messages(client.get(reverse("home")).wsgi_request)]
    assert any(m.startswith("U bent nu ingelogd als") for m in shown), shown
