"""Administrators open the scan of a paper form; nobody else sees it (the scans live under the
private MEDIA_ROOT, which no URL serves)."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from consents.decisions.paper import CONTENT_TYPES
from consents.models import DecisionEvidence, Role
from consents.people import subject_or_404
from consents.roles import role_required


@role_required(Role.Kind.ADMINISTRATOR)
def scan_download(request, decision_id):
    """The scanned form behind a decision, for administrators of the person's school only."""
    evidence = get_object_or_404(
        DecisionEvidence.objects.select_related("decision__subject"), decision_id=decision_id
    )
    subject_or_404(request, evidence.decision.subject.key)
    if not evidence.scan:
        raise Http404
    extension = evidence.scan.name.rsplit(".", 1)[-1].lower()
    return FileResponse(
        evidence.scan.open("rb"),
        as_attachment=True,
        filename=f"scan-{evidence.decision.seq}.{extension}",
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
