"""Byte ranges of a stored file (RFC 9110, section 14), for the video player of the item page.

Safari plays a video only from a server that answers ranges, and other browsers cannot seek
without them; Django's FileResponse sends the whole file. django-ranged-response (0.2.0, 2019)
reads the whole file into memory to learn its size on every request; this asks the storage
for the size and sends only the range (from the private filesystem only the range is read;
django-storages' S3 file fetches the object once a request). One range a request, as players
ask: several, or a header that cannot be read, get the whole file (which the RFC allows); a
range past the end gets 416.
"""

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def ranged_response(request, field, content_type: str) -> HttpResponse:
    """`field`'s file (a stored FieldFile), whole or the one range the request asks for."""
    size = field.size
    wanted = byte_range(request.headers.get("Range", ""), size)
    if wanted is None:
        response = FileResponse(field.open("rb"), content_type=content_type)
    elif wanted == ():
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, stop = wanted
        response = StreamingHttpResponse(
            _read(field.open("rb"), start, stop), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        response["Content-Length"] = str(stop - start)
    response["Accept-Ranges"] = "bytes"
    return response


def byte_range(header: str, size: int) -> tuple[int, int] | tuple[()] | None:
    """(start, stop) with `stop` exclusive for one satisfiable range; () for one that lies
    past the end; None for no header, several ranges or one that cannot be read."""
    found = RANGE.match(header.replace(" ", ""))
    if not found or found.groups() == ("", ""):
        return None
    first, last = found.groups()
    if not first:  # "-500": the last 500 bytes
        return (max(size - int(last), 0), size) if int(last) and size else ()
    start = int(first)
    stop = min(int(last) + 1, size) if last else size
    if last and int(last) < start:
        return None
    return (start, stop) if start < size else ()


def _read(file, start: int, stop: int):
    with file:
        file.seek(start)
        left = stop - start
        while left > 0:
            chunk = file.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
