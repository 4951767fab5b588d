"""Subject access downloads: by an administrator for a person, or by a person for themself."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from consents.models import Role
from consents.models.access import AccessLogEntry
from consents.people import subject_or_404
from consents.privacy.access_log import staff_access_record
from consents.privacy.subject_access import (
    as_json,
    as_pdf,
    export_record,
    subject_access_data,
    title_for,
    user_access_data,
)
from consents.roles import role_required

CONTENT_TYPES = {"json": "application/json", "pdf": "application/pdf"}


def _download(data: dict, fmt: str, *, title: str, filename: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    content = as_json(data) if fmt == "json" else as_pdf(data, title=title)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@role_required(Role.Kind.ADMINISTRATOR)
def subject_access_admin(request, key, fmt):
    subject = subject_or_404(request, key)
    if fmt not in CONTENT_TYPES:
        raise Http404
    data = subject_access_data(subject)
    export_record(
        user=request.user,
        subject=subject,
        format=fmt,
        rows=len(data["decisions"]),
        scope=f"{subject.get_kind_display()} {subject.key}",
    )
    staff_access_record(
        request, AccessLogEntry.Action.EXPORT, subjects=[subject], detail=f"subject access {fmt}"
    )
    return _download(data, fmt, title=title_for(subject), filename=f"inzage-{subject.key}")


@login_required
def my_data(request, fmt):
    """Everything held about the logged-in person (and, for a guardian, children under 16)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    data = user_access_data(request.user)
    own = data.get("own_record")
    export_record(
        user=request.user,
        subject=None,
        format=fmt,
        rows=len(own["decisions"] if own else [])
        + len(data.get("as_guardian", {}).get("decisions_given", [])),
        scope=f"self-service {request.user.key}",
    )
    return _download(data, fmt, title=title_for(), filename="mijn-gegevens")
