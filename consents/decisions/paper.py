"""Administrators enter a paper form (with its scan) or a decision given in person (with a note).

Each answer on the form becomes one decision through `services.decision_record`, with method
*paper* or *recorded*, so the rules of who may decide apply as online (rule 1, 5).
Scans are checked by their content, not their name, and stored under the private
MEDIA_ROOT, which no URL serves; `scan_response` hands them to administrators only.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from consents.decisions.services import decision_record
from consents.models import ConsentDecision, Guardian, MediaType, Purpose, Subject

# Magic bytes of the accepted scan formats -> (extension, content type).
SCAN_SIGNATURES = (
    (b"%PDF-", ("pdf", "application/pdf")),
    (b"\xff\xd8\xff", ("jpg", "image/jpeg")),
    (b"\x89PNG\r\n\x1a\n", ("png", "image/png")),
)
CONTENT_TYPES = {ext: content_type for _magic, (ext, content_type) in SCAN_SIGNATURES}


def scan_kind(upload) -> str:
    """The extension of a valid scan (pdf, jpg, png); ValidationError for anything else."""
    if upload.size > settings.SCAN_MAX_BYTES:
        raise ValidationError(
            _("The scan is larger than %(limit)s.")
            % {"limit": filesizeformat(settings.SCAN_MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, (extension, _content_type) in SCAN_SIGNATURES:
        if head.startswith(magic):
            return extension
    raise ValidationError(_("A scan must be a PDF, JPEG or PNG file."))


def scan_store(upload, *, today: dt.date) -> str:
    """Store a checked scan under a random name; returns its storage name."""
    extension = scan_kind(upload)
    return default_storage.save(f"scans/{today.year}/{uuid.uuid4().hex}.{extension}", upload)


def paper_decisions_record(
    *,
    actor,
    subject: Subject,
    answers: dict[tuple[Purpose, MediaType], str],
    method: str,
    note: str,
    guardian: Guardian | None = None,
    guardian_name: str = "",
    scan=None,
    today: dt.date,
) -> list[ConsentDecision]:
    """Record every answer of one form; all or nothing. `guardian_name` names a guardian who
    is not registered, for a child with no registered guardian.

    Raises DecisionNotAllowed or InvalidDecision (and stores no scan) when any answer fails.
    """
    if method == ConsentDecision.Method.PAPER and scan is None:
        raise ValidationError(_("Attach the scan of the paper form."))
    if not answers:
        raise ValidationError(_("Choose at least one answer."))
    scan_name = scan_store(scan, today=today) if scan is not None else None
    try:
        with transaction.atomic():
            return [
                decision_record(
                    actor=actor,
                    subject=subject,
                    purpose=purpose,
                    media_type=media_type,
                    value=value,
                    method=method,
                    guardian=guardian,
                    guardian_name=guardian_name,
                    note=note,
                    scan=scan_name,
                )
                for (purpose, media_type), value in answers.items()
            ]
    except BaseException:  # also gunicorn's SystemExit when it stops a worker that overran
        if scan_name:
            default_storage.delete(scan_name)
        raise
