"""Uploading files through the import page, as the school office does."""

import html
import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consents.models import ImportRun

DATA = Path(__file__).resolve().parent / "data"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "import"


def upload(client, school, content, name="leerlingen.csv", **data):
    """The dry run of `content` through the import page."""
    fields = {"format": ImportRun.Format.STUDENTS, "school": school.pk if school else ""}
    fields.update(data)
    return client.post(
        reverse("import_start"), {**fields, "file": SimpleUploadedFile(name, content)}
    )


def confirm(client, **data):
    """Press "Import now" on the latest dry run."""
    run = ImportRun.objects.latest("pk")
    return client.post(reverse("import_apply", args=[run.token]), data)


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def zipped(folder: Path, replace: dict | None = None, leave_out=()) -> bytes:
    """The CSV files of `folder` as one zip, some replaced or left out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.glob("*.csv")):
            if path.name not in leave_out:
                content = (replace or {}).get(path.name, path.read_text(encoding="utf-8"))
                archive.writestr(path.name, content)
    return buffer.getvalue()
