"""Short videos in the library: checked by their content with ffprobe, stored as a remux by
ffmpeg without any metadata, and a frame grabbed for the thumbnail.

ffprobe reads the file under a neutral name (never the uploader's name or the browser's
content type) and may only use the MP4/QuickTime and Matroska/WebM demuxers and local files,
so a playlist or another container cannot make it read elsewhere. The stored copy keeps the
first video stream and the first audio stream only, streams copied, not re-encoded: global,
stream and chapter metadata are dropped (place, creation time, make, model, serial number),
and so are data and subtitle tracks, such as Apple's timed metadata track that can carry the
position while filming.

Both programs are system dependencies (`LIBRARY_FFMPEG`, `LIBRARY_FFPROBE`); without them a
video is refused with a message, and photos still work. `subprocess` runs only these two
programs, with argument lists (no shell) and a timeout, on paths chosen here: hence the
`nosec` marks.
"""

import datetime as dt
import json
import shutil
import subprocess  # nosec B404
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from consents.models.library import clock

DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
PROBE_SECONDS = 30
REMUX_SECONDS = 120
# The preview is encoded anew, in the worker: minutes for a long high-resolution video.
PREVIEW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Container:
    extension: str
    content_type: str
    video_codecs: frozenset
    audio_codecs: frozenset
    audio_encoder: str  # when the audio cannot be copied into this container


# By the demuxer ffprobe names: MP4 and QuickTime are stored as MP4, Matroska as WebM.
CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": Container(
        "mp4", "video/mp4", frozenset({"h264", "hevc"}), frozenset({"aac", "mp3", "alac"}), "aac"
    ),
    "matroska,webm": Container(
        "webm",
        "video/webm",
        frozenset({"vp8", "vp9", "av1"}),
        frozenset({"opus", "vorbis"}),
        "libopus",
    ),
}


@dataclass(frozen=True)
class Video:
    """A cleaned video in a temporary folder, ready to be stored."""

    path: Path
    content_type: str
    extension: str
    width: int
    height: int
    duration: dt.timedelta


def tools() -> tuple[str, str] | None:
    """The paths of ffmpeg and ffprobe, or None when this server lacks either."""
    ffmpeg, ffprobe = shutil.which(settings.LIBRARY_FFMPEG), shutil.which(settings.LIBRARY_FFPROBE)
    return (ffmpeg, ffprobe) if ffmpeg and ffprobe else None


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess | None:
    """Run a fixed program (ffmpeg or ffprobe, found by `tools`); None when it failed."""
    try:
        # The program is ffmpeg or ffprobe, the files are paths chosen here; no shell.
        result = subprocess.run(args, capture_output=True, timeout=timeout, check=False)  # nosec B603
    except (subprocess.TimeoutExpired, OSError):
        return None
    return result if result.returncode == 0 else None


def _probe(ffprobe: str, path: Path) -> dict:
    args = [ffprobe, "-v", "error", "-protocol_whitelist", "file", "-format_whitelist", DEMUXERS]
    result = _run([*args, "-show_format", "-show_streams", "-of", "json", str(path)], PROBE_SECONDS)
    try:
        return json.loads(result.stdout) if result else {}
    except ValueError:
        return {}


def _not_a_video() -> ValidationError:
    return ValidationError(
        _(
            "This file is not a photo (JPEG, HEIC, PNG, WebP, GIF or TIFF) or a video (MP4 or "
            "MOV with H.264 or HEVC, WebM). Nothing was stored."
        ),
        code="not_a_video",
    )


def _size_check(size: int) -> None:
    if size > settings.LIBRARY_MAX_VIDEO_BYTES:
        raise ValidationError(
            _("The video is %(size)s; the library takes videos of at most %(limit)s.")
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.LIBRARY_MAX_VIDEO_BYTES),
            },
            code="video_too_large",
        )


def _duration_check(info: dict) -> float:
    try:
        seconds = float(info["format"]["duration"])
    except (KeyError, TypeError, ValueError):
        raise _not_a_video() from None
    if seconds > settings.LIBRARY_MAX_VIDEO_SECONDS:
        raise ValidationError(
            _("This video lasts %(length)s; the library takes videos of at most %(limit)s.")
            % {"length": clock(seconds), "limit": clock(settings.LIBRARY_MAX_VIDEO_SECONDS)},
            code="video_too_long",
        )
    return seconds


def _upright_size(stream: dict) -> tuple[int, int]:
    """Width and height as played: a phone filming upright records sideways and a rotation."""
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    rotations = [side.get("rotation", 0) for side in stream.get("side_data_list", [])]
    if any(abs(int(rotation)) % 180 == 90 for rotation in rotations):
        return height, width
    return width, height


def _source(upload, workdir: Path) -> Path:
    """The upload under a neutral name, so that nothing is guessed from its extension."""
    source = workdir / "upload"
    if hasattr(upload, "temporary_file_path"):
        source.symlink_to(upload.temporary_file_path())
        return source
    upload.seek(0)
    with source.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return source


def _remux(ffmpeg: str, source: Path, target: Path, container: Container, video, audio) -> bool:
    """Video and audio only, streams copied (audio re-encoded only when the container cannot
    hold it), without global, stream or chapter metadata and without the muxer's own tags."""
    args = [ffmpeg, "-nostdin", "-v", "error", "-protocol_whitelist", "file"]
    args += ["-format_whitelist", DEMUXERS, "-i", str(source)]
    args += ["-map", f"0:{int(video['index'])}", "-c:v", "copy"]
    if audio:
        copy = audio.get("codec_name") in container.audio_codecs
        args += ["-map", f"0:{int(audio['index'])}"]
        args += ["-c:a", "copy" if copy else container.audio_encoder]
    if container.extension == "mp4":
        args += ["-movflags", "+faststart"]
        if video.get("codec_name") == "hevc":
            args += ["-tag:v", "hvc1"]  # the tag Apple's players need
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact"]
    return _run([*args, "-f", container.extension, str(target)], REMUX_SECONDS) is not None


def video_clean(upload, workdir: Path) -> Video:
    """The video in `upload` remuxed into `workdir` without metadata.

    Raises ValidationError when this server has no ffmpeg, or the file is not a video the
    library takes, is too large or too long.
    """
    found = tools()
    if found is None:
        raise ValidationError(
            _("This file is not a photo, and videos cannot be accepted on this server."),
            code="no_video_tools",
        )
    ffmpeg, ffprobe = found
    _size_check(upload.size)
    source = _source(upload, workdir)
    info = _probe(ffprobe, source)
    container = CONTAINERS.get(info.get("format", {}).get("format_name", ""))
    streams = info.get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video"]
    videos = [s for s in videos if not s.get("disposition", {}).get("attached_pic")]
    if container is None or not videos or videos[0].get("codec_name") not in container.video_codecs:
        raise _not_a_video()
    _duration_check(info)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    target = workdir / f"clean.{container.extension}"
    if not _remux(ffmpeg, source, target, container, videos[0], audio):
        raise ValidationError(
            _("This video could not be read completely. Nothing was stored."), code="remux_failed"
        )
    # The length and size recorded are those of the stored copy (a header may understate).
    stored = _probe(ffprobe, target)
    seconds = _duration_check(stored)
    width, height = _upright_size(stored.get("streams", [videos[0]])[0])
    return Video(
        target,
        container.content_type,
        container.extension,
        width,
        height,
        dt.timedelta(seconds=seconds),
    )


def _local(file, workdir: Path) -> Path:
    """A path to the stored `file`: its own on a filesystem storage, else a copy here."""
    try:
        return Path(file.path)
    except NotImplementedError:
        source = workdir / "video"
        with file.open("rb") as stored, source.open("wb") as out:
            shutil.copyfileobj(stored, out, 1024 * 1024)
        return source


def _ffmpeg() -> str:
    found = tools()
    if found is None:
        raise RuntimeError("ffmpeg is not installed: cannot make a video's thumbnail or preview")
    return found[0]


def _fit(pixels: int) -> str:
    """Made smaller to fit `pixels`, never larger (as Pillow's `thumbnail` does for photos)."""
    return (
        f"scale='min({pixels},iw)':'min({pixels},ih)'"
        ":force_original_aspect_ratio=decrease:force_divisible_by=2"
    )


def video_thumbnail(file, duration: dt.timedelta | None, pixels: int) -> bytes:
    """A JPEG of a frame of the stored video `file` (a second in, or halfway when shorter),
    at most `pixels` on its longest side. Raises RuntimeError when ffmpeg cannot make one."""
    ffmpeg = _ffmpeg()
    seconds = min(1.0, (duration or dt.timedelta()).total_seconds() / 2)
    with tempfile.TemporaryDirectory() as workdir:
        source = _local(file, Path(workdir))
        args = [ffmpeg, "-nostdin", "-v", "error", "-protocol_whitelist", "file"]
        args += ["-format_whitelist", DEMUXERS, "-ss", f"{seconds:.3f}", "-i", str(source)]
        args += ["-frames:v", "1", "-vf", _fit(pixels), "-f", "image2pipe", "-c:v", "mjpeg"]
        result = _run([*args, "pipe:1"], PROBE_SECONDS)
    if result is None or not result.stdout:
        raise RuntimeError("ffmpeg could not grab a frame for the thumbnail")
    return result.stdout


def video_preview(file, workdir: Path, pixels: int) -> Path:
    """A small MP4 of the stored video `file` in `workdir` (H.264 and AAC, at most `pixels` on
    its longest side, no metadata), to watch on the item page; the full file leaves the
    library only for a channel. Raises RuntimeError when ffmpeg cannot make it."""
    ffmpeg = _ffmpeg()
    source, target = _local(file, workdir), workdir / "preview.mp4"
    args = [ffmpeg, "-nostdin", "-v", "error", "-protocol_whitelist", "file"]
    args += ["-format_whitelist", DEMUXERS, "-i", str(source), "-map", "0:v:0", "-map", "0:a:0?"]
    args += ["-vf", _fit(pixels), "-c:v", "libx264", "-preset", "veryfast", "-crf", "30"]
    args += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact"]
    if _run([*args, "-f", "mp4", str(target)], PREVIEW_SECONDS) is None:
        raise RuntimeError("ffmpeg could not make the preview")
    return target
