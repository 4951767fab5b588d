"""The files of a OneRoster zip: manifest.csv says the version, which says the files to read."""

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .columns import normalise
from .reading import (
    UnreadableFile,
    archive_check,
    decode,
    text,
    too_many_rows,
    unreadable_line,
)
from .records import ParsedFile, Problem, Source

REQUIRED_FILES = {
    "1.1": ("orgs.csv", "classes.csv", "users.csv", "enrollments.csv"),
    "1.2": ("orgs.csv", "classes.csv", "users.csv", "enrollments.csv", "roles.csv"),
}
OPTIONAL_FILES = ("demographics.csv",)
# A manifest names the version and about 20 files; it does not count against IMPORT_MAX_ROWS.
MANIFEST_MAX_ROWS = 200


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]
    labels: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(normalise(name), "")

    def source(self, **columns) -> Source:
        return Source(
            self.file,
            self.line,
            {name: self.labels.get(normalise(column), column) for name, column in columns.items()},
        )

    def problem(self, column: str, message: str) -> Problem:
        return Problem(self.file, self.line, self.labels.get(normalise(column), column), message)


def _rows(name: str, data: bytes, warnings: list[Problem], limit: int | None = None) -> list[Row]:
    try:
        content, notes = decode(data)
    except UnreadableFile as error:
        raise UnreadableFile(str(error), file=name) from None
    warnings.extend(Problem(name, None, "", note) for note in notes)
    reader = csv.reader(io.StringIO(content, newline=""))
    rows = []
    line = 0
    try:
        headers = next(reader, [])
        keys = [normalise(h) for h in headers]
        labels = dict(zip(keys, (h.strip() for h in headers), strict=True))
        line = reader.line_num
        for count, cells in enumerate(reader, start=1):
            if count > (limit or settings.IMPORT_MAX_ROWS):
                raise too_many_rows(file=name)
            start, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            values = {key: text(cells[i]) if i < len(cells) else "" for i, key in enumerate(keys)}
            rows.append(Row(name, start, values, labels))
    except csv.Error:
        raise unreadable_line(line + 1, file=name) from None
    return rows


def _unpack(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError):
        # a damaged member, an unsupported compression method, or a password
        raise UnreadableFile(
            _("%(name)s cannot be unpacked: the zip file is damaged or encrypted.")
            % {"name": member.filename}
        ) from None


def _manifest(archive, members, filename: str, parsed: ParsedFile) -> str | None:
    """The OneRoster version manifest.csv states, when it is one this parser reads."""
    if "manifest.csv" not in members:
        parsed.errors.append(
            Problem(
                filename,
                None,
                "",
                _("manifest.csv is missing: it says which OneRoster version the export is."),
            )
        )
        return None
    manifest = _unpack(archive, members["manifest.csv"])
    rows = _rows("manifest.csv", manifest, parsed.warnings, limit=MANIFEST_MAX_ROWS)
    properties = {row.get("propertyName"): row for row in rows}
    row = properties.get("oneroster.version")
    version = row.get("value") if row else ""
    delta = [r for name, r in properties.items() if name.startswith("file.") and _is_delta(r)]
    if delta:
        # Only the changes since an earlier export: everyone it leaves out would look as if
        # they had left (OneRoster 1.1 §2.1.1, 1.2 §3.1.1: "bulk" or "delta" per file).
        parsed.errors.append(
            Problem(
                "manifest.csv",
                delta[0].line,
                delta[0].get("propertyName"),
                _(
                    "This export holds only what changed since an earlier one (delta); "
                    "export everything (bulk)."
                ),
            )
        )
        return None
    if version in REQUIRED_FILES:
        return version
    parsed.errors.append(
        Problem(
            "manifest.csv",
            row.line if row else None,
            "oneroster.version",
            _("OneRoster version “%(version)s” cannot be read; export as OneRoster 1.1 or 1.2.")
            % {"version": version or "–"},
        )
    )
    return None


def _is_delta(row: Row) -> bool:
    return row.get("value").strip().lower() == "delta"


def tables_read(filename: str, data: bytes, parsed: ParsedFile):
    """(version, the rows of each file of the zip); None (with errors) when it is no export."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        parsed.errors.append(Problem(filename, None, "", _("A OneRoster export is a zip file.")))
        return None
    archive_check(archive)
    members = {info.filename.rsplit("/", 1)[-1].lower(): info for info in archive.infolist()}
    version = _manifest(archive, members, filename, parsed)
    if version is None:
        return None
    missing = [name for name in REQUIRED_FILES[version] if name not in members]
    for name in missing:
        parsed.errors.append(
            Problem(filename, None, "", _("%(name)s is missing.") % {"name": name})
        )
    if missing:
        return None
    names = [*REQUIRED_FILES[version], *(n for n in OPTIONAL_FILES if n in members)]
    tables = {name: _rows(name, _unpack(archive, members[name]), parsed.warnings) for name in names}
    return version, tables
