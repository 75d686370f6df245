"""Probe an uploaded video with FFmpeg (through PyAV): check it, read its size and duration, render a poster.

Pure functions for the media job: they read only the file they are given. The poster goes through the image
pipeline, so it gets the same variants and blurhash as a photo.
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

import av
import av.error
from av.container import InputContainer
from av.stream import Disposition
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image

from services import images
from services.media_errors import MediaCode, MediaRejected

# FFmpeg demuxers (as PyAV names them) for what browsers play: MP4/MOV from phones, WebM from MediaRecorder.
# Anything else FFmpeg reads (a PNG, an AVI, a raw stream) would be stored but could not be shown.
ACCEPTED_CONTAINERS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"})
# A frame about a second in says more about a clip than its first, often black, frame; clips shorter than
# POSTER_MIN_DURATION keep their first frame.
POSTER_AT_SECONDS = 1.0
POSTER_MIN_DURATION = 2.0
# Bounds the decoding spent on the poster: 1 s at 60 fps from the keyframe before it, with room to spare.
POSTER_MAX_PACKETS = 120
# Signatures of the accepted containers: a file that carries one but that FFmpeg cannot open is damaged.
_ISO_BMFF_BRAND_BOX = b"ftyp"
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_MATROSKA_SEGMENT_ID = b"\x18\x53\x80\x67"
# Top-level MP4/MOV boxes; walking stops at anything else (trailing junk is FFmpeg's to judge, not ours).
_TOP_LEVEL_BOXES = frozenset(b"ftyp styp free skip wide mdat moov moof mfra meta uuid sidx pdin".split())
_MAX_TOP_LEVEL_BOXES = 100_000  # a fragmented hour holds a few thousand; this only stops a hostile file
_QUARTER_TURNS = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
_UNSUPPORTED = "Only MP4, MOV and WebM videos are accepted."


@dataclass(frozen=True)
class ProbedVideo:
    """Size as displayed (rotation applied) and duration; the poster's `format` is its variants' encoding, JPEG."""

    width: int
    height: int
    duration_seconds: float
    poster: images.ProcessedImage


def probe_video(
    path: pathlib.Path,
    *,
    max_bytes: int,
    max_pixels: int,
    widths: Sequence[int],
    max_seconds: float | None = None,
) -> ProbedVideo:
    """Check a video file and describe it; raises MediaRejected for a video that can never be shown."""
    file_size = path.stat().st_size
    if file_size > max_bytes:
        raise MediaRejected(MediaCode.TOO_LARGE, f"The video is {file_size} bytes; the limit is {max_bytes}.")
    container = _open(path, file_size)
    try:
        with container:
            stream = _video_stream(container)
            images.check_dimensions((stream.width, stream.height), max_pixels)
            duration = _header_duration(container, stream)
            if duration is None:
                duration = _scan_duration(path, stream.index)
            if max_seconds is not None and duration > max_seconds:
                raise MediaRejected(
                    MediaCode.TOO_LONG, f"The video lasts {duration:.1f} s; the limit is {max_seconds:g} s."
                )
            frame = _poster_frame(container, stream, at=POSTER_AT_SECONDS if duration >= POSTER_MIN_DURATION else 0)
            # The display matrix says how far to turn the picture counterclockwise (phones record portrait
            # video as landscape frames plus -90); the reported size is the turned one.
            turn = round(frame.rotation / 90) % 4 * 90
            picture: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]  # untyped in PyAV's stub
            if turn:
                picture = picture.transpose(_QUARTER_TURNS[turn])
            width, height = (stream.height, stream.width) if turn in (90, 270) else (stream.width, stream.height)
    except av.error.FFmpegError as exc:
        raise MediaRejected(MediaCode.CORRUPT, "The video is damaged or truncated.") from exc
    poster = images.process_picture(picture, format="JPEG", widths=widths)
    return ProbedVideo(width=width, height=height, duration_seconds=duration, poster=poster)


def _open(path: pathlib.Path, file_size: int) -> InputContainer:
    """Open the file with FFmpeg, after making sure it is as long as its own structure says."""
    with path.open("rb") as file:
        head = file.read(16)
        declared_end = _declared_end(file, head)
    if declared_end is not None and declared_end > file_size:
        raise MediaRejected(MediaCode.CORRUPT, "The video is truncated: it is shorter than its header says.")
    try:
        return av.open(str(path))
    except (av.error.PermissionError, av.error.FileNotFoundError, av.error.IsADirectoryError):
        raise
    except av.error.FFmpegError as exc:
        # FFmpeg answers "invalid data" alike for foreign and for broken files; the signature tells them apart.
        if head[4:8] == _ISO_BMFF_BRAND_BOX or head.startswith(_EBML_MAGIC):
            raise MediaRejected(MediaCode.CORRUPT, "The video is damaged and cannot be opened.") from exc
        raise MediaRejected(MediaCode.UNSUPPORTED_FORMAT, _UNSUPPORTED) from exc


def _declared_end(file: BinaryIO, head: bytes) -> int | None:
    """Where the container's own structure says the file ends, if it says: a shorter file was cut short.

    FFmpeg opens such files without complaint and decodes the frames that survived, so this is checked first.
    """
    if head[4:8] == _ISO_BMFF_BRAND_BOX:
        return _iso_bmff_end(file)
    if head.startswith(_EBML_MAGIC):
        return _matroska_end(file)
    return None


def _iso_bmff_end(file: BinaryIO) -> int | None:
    """Walk the top-level boxes by their sizes; None when a box runs to the end of the file or is not one we know."""
    offset = 0
    for _ in range(_MAX_TOP_LEVEL_BOXES):
        file.seek(offset)
        header = file.read(16)
        if not header:
            return offset
        if len(header) < 8:
            return offset + 8
        if header[4:8] not in _TOP_LEVEL_BOXES:
            return None
        size = int.from_bytes(header[:4], "big")
        if size == 1:  # the real size follows as 64 bits
            size = int.from_bytes(header[8:16], "big") if len(header) == 16 else 16
        if size < 8:  # 0 means "to the end of the file"; smaller values are invalid and FFmpeg's to judge
            return None
        offset += size
    return None


def _matroska_end(file: BinaryIO) -> int | None:
    """The end the Segment's size gives; None when recorded live (MediaRecorder leaves the size unknown)."""
    file.seek(0)
    head = file.read(256)
    try:
        header_size, header_at = _ebml_size(head, len(_EBML_MAGIC))
        segment_at = header_at + (header_size or 0)
        if head[segment_at : segment_at + 4] != _MATROSKA_SEGMENT_ID:
            return None
        segment_size, segment_data_at = _ebml_size(head, segment_at + 4)
    except (IndexError, ValueError):
        return None  # a header longer or stranger than we read; FFmpeg will judge it
    return None if segment_size is None else segment_data_at + segment_size


def _ebml_size(data: bytes, at: int) -> tuple[int | None, int]:
    """An EBML variable-length size at `at`: its value (None when unknown) and the offset just past it."""
    length = 9 - data[at].bit_length()  # the count of leading zero bits, plus one, gives the width
    if length > 8:
        raise ValueError("not an EBML size")
    value_mask = (1 << (7 * length)) - 1
    value = int.from_bytes(data[at : at + length], "big") & value_mask
    return (None if value == value_mask else value), at + length


def _video_stream(container: InputContainer) -> VideoStream:
    if container.format.name not in ACCEPTED_CONTAINERS:
        raise MediaRejected(MediaCode.UNSUPPORTED_FORMAT, _UNSUPPORTED)
    if not len(container.streams):
        # What an MP4 whose index (the moov box) is missing or unreadable looks like to FFmpeg.
        raise MediaRejected(MediaCode.CORRUPT, "The video holds no readable tracks.")
    for stream in container.streams.video:
        # Cover art in an audio file shows up as a one-picture "video" track.
        if stream.disposition & Disposition.attached_pic:
            continue
        if stream.codec_context is None:
            raise MediaRejected(MediaCode.UNSUPPORTED_FORMAT, "The video's codec cannot be decoded.")
        return stream
    raise MediaRejected(MediaCode.UNSUPPORTED_FORMAT, "The file has no video track.")


def _header_duration(container: InputContainer, stream: VideoStream) -> float | None:
    if stream.duration and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _scan_duration(path: pathlib.Path, stream_index: int) -> float:
    """Read packet timestamps to the end, for files whose headers carry no duration (MediaRecorder's WebM).

    Demuxing without decoding costs little CPU even for a long video, but it does read the whole file.
    """
    with av.open(str(path)) as container:
        stream = next(s for s in container.streams.video if s.index == stream_index)
        start: float | None = None
        end = 0.0
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            time = float(packet.pts * packet.time_base)
            start = time if start is None else min(start, time)
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return max(0.0, end - (start or 0.0))


def _poster_frame(container: InputContainer, stream: VideoStream, *, at: float) -> VideoFrame:
    """The first frame at or after `at` seconds into the video, or the last one decoded within the budget."""
    target = container.start_time / av.time_base + at if container.start_time else at
    if at > 0:
        # A file that will not seek is read from the start; the budget still bounds the work.
        with contextlib.suppress(av.error.FFmpegError):
            container.seek(round(target * av.time_base))
    chosen: VideoFrame | None = None
    for count, packet in enumerate(container.demux(stream), start=1):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            frames = []  # one damaged packet need not spoil the poster; the next keyframe may decode
        for frame in frames:
            chosen = frame
            if frame.time is None or frame.time >= target:
                return frame
        if count >= POSTER_MAX_PACKETS:
            break
    if chosen is None:
        raise MediaRejected(MediaCode.CORRUPT, f"No frame could be decoded in the first {POSTER_MAX_PACKETS} packets.")
    return chosen


@dataclass(frozen=True)
class CleanVideo:
    """Where ``strip_metadata`` wrote the copy, and what it is."""

    path: pathlib.Path
    content_type: str
    extension: str


# Muxers to try for each accepted container, best first: ISO MP4 plays everywhere, but not every
# codec a QuickTime file may hold fits it; WebM takes only the codecs browsers play.
_MUXERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": (("mp4", "video/mp4", "mp4"), ("mov", "video/quicktime", "mov")),
    "matroska,webm": (("webm", "video/webm", "webm"), ("matroska", "video/x-matroska", "mkv")),
}
_QUICKTIME_BRAND = "qt  "


def strip_metadata(source: pathlib.Path, scratch: pathlib.Path) -> CleanVideo:
    """Copy the video's picture and sound into a new file of the same kind, without re-encoding and
    without what else it carried: container and stream metadata (a phone's GPS position, its make and
    model, dates), chapters, subtitles and data tracks. The display matrix (rotation) is kept. MP4 and
    MOV copies put their index first, so playback can start before the whole file has arrived."""
    try:
        with av.open(str(source)) as container:
            muxers = _MUXERS.get(container.format.name)
            if muxers is None:
                raise MediaRejected(MediaCode.UNSUPPORTED_FORMAT, _UNSUPPORTED)
            if container.metadata.get("major_brand") == _QUICKTIME_BRAND:
                muxers = muxers[::-1]
        problem: av.error.FFmpegError | None = None
        for muxer, content_type, extension in muxers:
            target = scratch / f"clean.{extension}"
            try:
                _remux(source, target, muxer)
            except av.error.FFmpegError as exc:  # a codec this muxer does not take: try the next
                problem = exc
                target.unlink(missing_ok=True)
                continue
            return CleanVideo(target, content_type, extension)
    except av.error.FFmpegError as exc:
        problem = exc
    raise MediaRejected(MediaCode.CORRUPT, "The video could not be copied.") from problem


def _remux(source: pathlib.Path, target: pathlib.Path, muxer: str) -> None:
    options = {"movflags": "+faststart"} if muxer in ("mp4", "mov") else {}
    with av.open(str(source)) as inp, av.open(str(target), "w", format=muxer, options=options) as out:
        kept = [stream for stream in inp.streams if stream.type in ("video", "audio")]
        copies = {stream.index: out.add_stream_from_template(stream) for stream in kept}
        for copy in copies.values():
            for key in list(copy.metadata):  # language, handler name, and anything a device added
                del copy.metadata[key]
        for packet in inp.demux(kept):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = copies[packet.stream.index]
            out.mux(packet)
