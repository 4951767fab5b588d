"""The role matrix: who gets what on every URL of the portal. docs/permissions.md mirrors it.

This is data, read by tests/test_permissions.py, which enumerates every URL pattern from the
resolver and fails for a URL name that is neither here nor in SKIPPED. To add a page: add a
row to PAGES (and, if its URL takes an object, a target in tests/permissions_world.py), then
run `python -m tests.permissions_matrix` and paste its output into docs/permissions.md.

Each row gives the expected outcome per role, in the order of ROLES, as a string of tokens:
    200    the page
    204    accepted, nothing to show (the CSP's violation reports)
    302    a redirect somewhere else than the login page (e.g. after a POST)
    400    a form this page cannot have sent (an empty POST where an action must be named)
    login  a redirect to the login page (anonymous visitors)
    403    forbidden: the user lacks the role (the admin answers a logged-in non-staff user
           with a page saying so: its login page would send them straight back)
    404    not found: the user has the role, but the object is outside their schools/family
    405    wrong method for a user who may use the page (POST-only pages asked with GET)
`own` is for an object of the role's own school or family (or a page without an object);
`other` is for the same kind of object in another school of the board, or another family.
"""

from dataclasses import dataclass

ROLES = (
    "anonymous",
    "guardian",
    "student",  # a student of 16 or older, deciding for themself
    "staff",  # a staff member without a role, deciding for themself
    "communications",  # communications staff of school A
    "administrator",  # consent administrator of school A
    "board_administrator",  # consent administrator of the whole board
    "council",  # (G)MR member: aggregates only
    "superuser",
)
OUTCOMES = {"200", "204", "302", "400", "login", "403", "404", "405"}


@dataclass(frozen=True)
class Page:
    own: str
    other: str | None = None
    method: str = "get"
    # What the URL points to (a keyword of tests/permissions_world.py: target_kwargs);
    # None for a page without an object.
    target: str | None = None
    note: str = ""

    def expected(self, variant: str) -> dict[str, str]:
        row = self.own if variant == "own" else self.other
        tokens = row.split()
        assert len(tokens) == len(ROLES), f"{row!r} needs one outcome per role: {ROLES}"
        assert set(tokens) <= OUTCOMES, f"{row!r}: outcomes are {sorted(OUTCOMES)}"
        return dict(zip(ROLES, tokens, strict=True))

    @property
    def variants(self) -> tuple[str, ...]:
        return ("own", "other") if self.other is not None else ("own",)


#                               anon  guard stud  staff comms admin badm  counc super
PAGES = {
    # --- Everyone --------------------------------------------------------------------------
    "home": Page(
        "200 302 302 302 200 200 200 200 200",
        note="people who decide for someone are sent to their consent page",
    ),
    "health": Page("200 200 200 200 200 200 200 200 200", note="no personal data"),
    "set_language": Page("302 302 302 302 302 302 302 302 302", method="post"),
    "csp_report": Page(
        "204 204 204 204 204 204 204 204 204",
        method="post",
        note="browsers' CSP violation reports; logged without personal data, no CSRF token",
    ),
    # --- My consent: parents, students of 16+, staff deciding for themselves ---------------
    "my_consent": Page("login 200 200 200 200 200 200 200 200"),
    "consent_save": Page(
        "login 302 302 302 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        method="post",
        target="subject",
        note="an empty form changes nothing and redirects back",
    ),
    "consent_card_action": Page(
        "login 400 400 400 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        method="post",
        target="subject",
        note="an empty form names no action: 400, nothing recorded",
    ),
    "consent_withdraw": Page(
        "login 200 200 200 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        target="subject",
    ),
    "consent_history": Page(
        "login 200 200 200 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        target="subject",
    ),
    "publication_takedown_request": Page(
        "login 200 404 404 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        target="subject_publication",
        note="only for a publication the person one decides for is on",
    ),
    "receipt_pdf": Page(
        "login 200 200 200 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        target="receipt",
        note="a receipt is only ever shown to the person it was issued to",
    ),
    "receipt_json": Page(
        "login 200 200 200 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        target="receipt",
    ),
    "receipt_jsonld": Page(
        "login 200 200 200 404 404 404 404 404",
        "login 404 404 404 404 404 404 404 404",
        target="receipt",
    ),
    # --- Communications staff (and consent administrators) of the school -------------------
    "communications_home": Page("login 403 403 403 200 200 200 403 200"),
    "communications_lookup": Page(
        "login 403 403 403 200 200 200 403 200",
        target="lookup",
        note="searching the name of a student of school A",
    ),
    "communications_person": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="person",
    ),
    "communications_group_check": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="school",
        note="the school is chosen with ?school=",
    ),
    "communications_publications": Page("login 403 403 403 200 200 200 403 200"),
    "communications_publication_create": Page(
        "login 403 403 403 302 302 302 403 302",
        method="post",
        note="an incomplete form is sent back to the group check",
    ),
    "communications_publication": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="publication",
    ),
    "communications_publication_review": Page(
        "login 403 403 403 403 302 302 403 302",
        "login 403 403 403 403 404 302 403 302",
        method="post",
        target="publication",
        note="only a consent administrator reviews a flagged publication",
    ),
    "communications_takedown": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="takedown",
    ),
    # --- The photo library (issue 23) ----------------------------------------------------
    "library_list": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="school",
        note="the school is chosen with ?school=",
    ),
    "library_upload": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="school",
    ),
    "library_link": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="school",
        note="register an item kept elsewhere (https link; nothing is fetched)",
    ),
    "library_retention": Page(
        "login 403 403 403 403 200 200 403 200",
        "login 403 403 403 403 404 200 403 200",
        target="school",
        note="consent administrators review old photos for deletion",
    ),
    "library_item_delete": Page(
        "login 403 403 403 403 302 302 403 302",
        "login 403 403 403 403 404 302 403 302",
        method="post",
        target="library_item",
        note="without the confirmation nothing is deleted (a message, back to the item)",
    ),
    "library_item": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="library_item",
    ),
    "library_thumbnail": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="library_item",
    ),
    "library_preview": Page(
        "login 403 403 403 200 200 200 403 200",
        "login 403 403 403 404 404 200 403 200",
        target="library_item",
        note="a video's small copy for the item page's player",
    ),
    "library_item_people": Page(
        "login 403 403 403 302 302 302 403 302",
        "login 403 403 403 404 404 302 403 302",
        method="post",
        target="library_item",
        note="an empty form keeps who is on it",
    ),
    "library_item_file": Page(
        "login 403 403 403 400 400 400 403 400",
        "login 403 403 403 404 404 400 403 400",
        method="post",
        target="library_item",
        note="without a channel chosen, no file",
    ),
    "library_item_publish": Page(
        "login 403 403 403 400 400 400 403 400",
        "login 403 403 403 404 404 400 403 400",
        method="post",
        target="library_item",
    ),
    # --- Consent administrators: people, paper forms, imports, exports (issue 6) ------------
    "people_list": Page("login 403 403 403 403 200 200 403 200"),
    "person_detail": Page(
        "login 403 403 403 403 200 200 403 200",
        "login 403 403 403 403 404 200 403 200",
        target="person_key",
    ),
    "paper_record": Page(
        "login 403 403 403 403 200 200 403 200",
        "login 403 403 403 403 404 200 403 200",
        target="person_key",
    ),
    "person_protection": Page(
        "login 403 403 403 403 302 302 403 302",
        "login 403 403 403 403 404 302 403 302",
        method="post",
        target="person_key",
        note="an empty form changes nothing and redirects back",
    ),
    "subject_access_admin": Page(
        "login 403 403 403 403 200 200 403 200",
        "login 403 403 403 403 404 200 403 200",
        target="person_access",
    ),
    "scan_download": Page(
        "login 403 403 403 403 404 404 403 404",
        "login 403 403 403 403 404 404 403 404",
        target="decision",
        note="an online decision has no scan: 404 for those who may see scans",
    ),
    "my_data": Page("login 200 200 200 200 200 200 200 200", target="json"),
    "import_start": Page("login 403 403 403 403 200 200 403 200"),
    "import_example": Page("login 403 403 403 403 200 200 403 200", target="import_example"),
    "import_apply": Page(
        "login 403 403 403 403 404 404 403 404", method="post", target="unknown_token"
    ),
    "import_cancel": Page(
        "login 403 403 403 403 404 404 403 404", method="post", target="unknown_token"
    ),
    "import_column_add": Page(
        "login 403 403 403 403 200 200 403 200",
        method="post",
        note="an empty form: the import page again, with the form's errors",
    ),
    "import_column_delete": Page(
        "login 403 403 403 403 404 404 403 404", method="post", target="unknown_pk"
    ),
    "register_export": Page("login 403 403 403 403 200 200 403 200"),
    "export_job": Page("login 403 403 403 403 404 404 403 404", target="unknown_token"),
    "export_job_download": Page("login 403 403 403 403 404 404 403 404", target="unknown_token"),
    "campaign_progress": Page(
        "login 403 403 403 403 200 200 403 200",
        note="counts per school of the administrator's own schools",
    ),
    # --- (G)MR reports: aggregates only ----------------------------------------------------
    "council_report": Page("login 403 403 403 403 200 200 200 200"),
    "council_report_download": Page("login 403 403 403 403 200 200 200 200", target="csv"),
    # --- Accounts (allauth): the pages a user reaches -------------------------------------
    "account_login": Page(
        "200 302 302 302 302 302 302 302 302", note="a logged-in user is sent on"
    ),
    "admin_login_via_allauth": Page(
        "200 302 302 302 302 302 302 302 302", note="the admin login is allauth's login"
    ),
    "account_request_login_code": Page("200 302 302 302 302 302 302 302 302"),
    "account_confirm_login_code": Page(
        "302 302 302 302 302 302 302 302 302",
        note="without a pending code request there is nothing to confirm",
    ),
    "account_logout": Page("302 302 302 302 302 302 302 302 302", method="post"),
    "account_signup": Page("200 302 302 302 302 302 302 302 302", note="sign-up is closed"),
    "account_reauthenticate": Page(
        "login 302 302 302 302 302 302 302 302",
        note="confirm who you are again: staff by password (or second factor), code-only "
        "accounts are sent on to a fresh emailed code",
    ),
    "account_request_reauthentication_code": Page(
        "login 200 200 200 200 200 200 200 200",
        note="sends a fresh code to the account's own verified address",
    ),
    "account_confirm_reauthentication_code": Page(
        "login 302 302 302 302 302 302 302 302",
        note="without a pending code request there is nothing to confirm",
    ),
    "account_email": Page(
        "login 403 403 403 200 200 200 403 200",
        note="code-only accounts cannot re-authenticate: the school changes their address",
    ),
    "account_change_password": Page("login 302 302 302 302 302 302 302 302"),
    "account_set_password": Page(
        "login 302 302 302 302 302 302 302 302",
        note="only after confirming who you are again (account_reauthenticate)",
    ),
    "account_reset_password": Page(
        "200 200 200 200 200 200 200 200 200",
        note="a reset link goes to the registered address, like a login code",
    ),
    "mfa_index": Page("login 200 200 200 200 200 200 200 200"),
    "mfa_activate_totp": Page(
        "login 302 302 302 302 302 302 302 302",
        note="only after confirming who you are again (account_reauthenticate), also "
        "right after a login (tests/test_login.py)",
    ),
    # --- Django admin: superusers only (see also ADMIN_* below) ----------------------------
    "admin:index": Page("login 403 403 403 403 403 403 403 200"),
    "admin:app_list": Page("login 403 403 403 403 403 403 403 200", target="app_label"),
}

# Every admin page of every registered model (changelist, add, change, history, delete) is
# checked without a row of its own: superusers get 200, anonymous visitors the login page and
# every other role 403, except for these models, which the admin shows read-only (add/change/
# delete refused, 403).
ADMIN_READ_ONLY = {
    "consents.accesslogentry",
    "consents.consentdecision",
    "consents.consentstatus",
    "consents.outboxmessage",
    "consents.publication",
    "consents.takedowntask",
}
# Models that can be added but never deleted (a text is versioned, never removed).
ADMIN_NO_DELETE = {"consents.consenttext"}
# Apps whose admin object pages (change/history/delete) are opened with a real object; the
# permission world must hold one object of each of their registered models.
ADMIN_OBJECT_PAGES_FOR = {"accounts", "consents"}

# Pages that show staff no one else's personal data, so viewing them is not access-logged
# (tests/test_access_log.py checks that every other page a staff role opens writes an entry).
WITHOUT_PERSONAL_DATA = {
    "home": "a welcome page",
    "health": "a status",
    "my_consent": "the user's own data",
    "consent_withdraw": "the user's own data",
    "consent_history": "the user's own data",
    "publication_takedown_request": "the user's own data (one publication they are on)",
    "receipt_pdf": "the user's own data",
    "receipt_json": "the user's own data",
    "receipt_jsonld": "the user's own data",
    "communications_publications": "titles, dates and counts of publications",
    "communications_group_check": "the form (class names); its result, a POST, is logged "
    "(tests/test_access_log.py)",
    "account_login": "the login form",
    "admin_login_via_allauth": "the login form",
    "account_request_login_code": "the login form",
    "account_signup": "sign-up is closed",
    "account_email": "the user's own address",
    "account_set_password": "the user's own account",
    "account_request_reauthentication_code": "the user's own address",
    "account_reset_password": "a form",
    "mfa_index": "the user's own second factors",
    "mfa_activate_totp": "the user's own second factor",
    "my_data": "the user's own data (each download is logged in ExportLog)",
    "import_start": "the upload form; an import's dry run shows rows of the uploaded file",
    "import_example": "a sample file with invented people",
    "import_column_add": "the upload form again with the column form's errors, no one's data",
    "register_export": "the export form; every download is logged (ExportLog and access log)",
    "campaign_progress": "counts of people per school and campaign",
    "library_upload": "the upload form",
    "library_link": "the form to register a link",
    "library_retention": "titles, dates and counts of people of photos",
    "library_thumbnail": "the small image the list and item pages show; those pages log the "
    "people on it (one entry a page, not one per image)",
    "library_preview": "a video's small copy the item page plays; that page logs the people on it",
    "council_report": "aggregates only, small cells suppressed",
    "council_report_download": "aggregates only, small cells suppressed",
    "admin:index": "a list of models",
    "admin:app_list": "a list of models",
}
# Admin models without personal data (the add page of any model shows none either).
ADMIN_WITHOUT_PERSONAL_DATA = {
    "auth.group",
    "django_celery_beat.periodictask",
    "django_celery_beat.clockedschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.solarschedule",
    "django_celery_beat.intervalschedule",
    "consents.board",
    "consents.school",
    "consents.schoolyear",
    "consents.group",
    "consents.purpose",
    "consents.mediatype",
    "consents.consenttext",
    "consents.campaign",  # dates, texts and progress counts per school
    "consents.accesslogentry",  # the access log itself: reading it is not logged again
}

# URL names not requested, each with the reason.
SKIPPED = {
    "admin:login": "shadowed by admin_login_via_allauth (same path, listed first)",
    "admin:logout": "Django admin internals: logs out by POST; logout is account_logout",
    "admin:password_change": "Django admin internals: staff change passwords in allauth",
    "admin:password_change_done": "Django admin internals: the page after the one above",
    "admin:autocomplete": "Django admin internals: JSON for autocomplete widgets, "
    "behind the same admin_view guard as admin:index",
    "admin:jsi18n": "Django admin internals: the admin's JavaScript catalogue",
    "admin:view_on_site": "Django admin internals: a redirect to a model's get_absolute_url; "
    "no model of the portal has one",
    "admin:auth_user_password_change": "Django admin internals: behind the admin_view guard; "
    "the superuser-only rule is checked on accounts_user pages",
    "account_inactive": "allauth internals: shown after a login of a deactivated user",
    "account_email_verification_sent": "allauth internals: email verification is off",
    "account_confirm_email": "allauth internals: email verification is off (token URL)",
    "account_reset_password_done": "allauth internals: static confirmation page",
    "account_reset_password_from_key": "allauth internals: token URL of the password reset",
    "account_reset_password_from_key_done": "allauth internals: static confirmation page",
    "mfa_authenticate": "allauth internals: the second-factor step inside a login in progress",
    "mfa_reauthenticate": "allauth internals: second-factor re-authentication form",
    "mfa_deactivate_totp": "allauth internals: needs an active TOTP and re-authentication",
    "mfa_view_recovery_codes": "allauth internals: needs re-authentication and an MFA device",
    "mfa_generate_recovery_codes": "allauth internals: as mfa_view_recovery_codes",
    "mfa_download_recovery_codes": "allauth internals: as mfa_view_recovery_codes",
    "mfa_list_webauthn": "allauth internals: passkey management, login required",
    "mfa_add_webauthn": "allauth internals: passkey management, login required",
    "mfa_reauthenticate_webauthn": "allauth internals: passkey re-authentication",
    "mfa_remove_webauthn": "allauth internals: passkey management of the user's own keys",
    "mfa_edit_webauthn": "allauth internals: passkey management of the user's own keys",
}
# Unnamed patterns are skipped when their view lives in one of these modules.
SKIPPED_UNNAMED = {
    "django.views.generic.base": "Django admin internals: <object_id>/ redirects to change/",
    "django.contrib.admin.sites": "Django admin internals: the catch-all that answers 404",
    "django.contrib.staticfiles.views": "static files (DEBUG only)",
}


def markdown() -> str:
    """The table in docs/permissions.md."""
    header = ["URL name", "method", *ROLES, "note"]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    for name, page in PAGES.items():
        own = page.expected("own")
        other = page.expected("other") if page.other else {}
        cells = [
            own[role] if not other or other[role] == own[role] else f"{own[role]} / {other[role]}"
            for role in ROLES
        ]
        lines.append(
            f"| `{name}` | {page.method.upper()} | " + " | ".join(cells) + f" | {page.note} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
