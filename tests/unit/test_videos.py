"""Video uploads: probing size, duration and rotation, the poster, and how broken or foreign files are labelled."""

from __future__ import annotations

import io
import random
from pathlib import Path

import blurhash  # type: ignore[import-untyped]
import pytest
from PIL import Image

from services.media_errors import MediaCode, MediaRejected
from services.videos import ProbedVideo, probe_video, strip_metadata
from tests import media_samples as samples

WIDTHS = (150, 320, 640, 1080)
LIMITS: dict[str, int] = {"max_bytes": 1024 * 1024 * 1024, "max_pixels": 100_000_000}


def probe(path: Path, **overrides: int) -> ProbedVideo:
    limits = LIMITS | overrides
    return probe_video(path, max_bytes=limits["max_bytes"], max_pixels=limits["max_pixels"], widths=WIDTHS)


def rejection(path: Path, **overrides: int) -> MediaCode:
    with pytest.raises(MediaRejected) as caught:
        probe(path, **overrides)
    return caught.value.code


def poster_picture(video: ProbedVideo) -> Image.Image:
    variant = video.poster.variants[0]
    picture = Image.open(io.BytesIO(variant.data))
    assert (picture.format, variant.content_type) == ("JPEG", "image/jpeg")
    assert picture.size == (variant.width, variant.height)
    assert not picture.getexif()
    return picture


@pytest.mark.parametrize(("name", "codec"), [("clip.mp4", "libx264"), ("clip.webm", "libvpx-vp9")])
def test_probe_reads_size_duration_and_renders_a_poster(tmp_path: Path, name: str, codec: str) -> None:
    video = probe(samples.write_video(tmp_path / name, codec=codec))

    assert (video.width, video.height) == (64, 48)
    assert video.duration_seconds == pytest.approx(1.0, abs=0.1)
    poster = video.poster
    assert (poster.format, poster.width, poster.height) == ("JPEG", 64, 48)
    assert [(v.width, v.height) for v in poster.variants] == [(64, 48)]  # narrower than every width: kept as is
    assert blurhash.components(poster.blurhash) == (4, 3)
    poster_picture(video)


def test_rotation_metadata_turns_size_and_poster(tmp_path: Path) -> None:
    # -90 in the display matrix is how phones store portrait video: shown turned clockwise, left half on top.
    path = samples.write_video(tmp_path / "portrait.mp4", frames=[samples.halves(64, 48)] * 12, rotation=-90)

    video = probe(path)

    assert (video.width, video.height) == (48, 64)
    assert (video.poster.width, video.poster.height) == (48, 64)
    picture = poster_picture(video)
    assert samples.near(samples.pixel(picture, (24, 8)), samples.RED)
    assert samples.near(samples.pixel(picture, (24, 56)), samples.BLUE)


def test_poster_of_a_longer_video_comes_from_about_one_second_in(tmp_path: Path) -> None:
    red, blue = Image.new("RGB", (64, 48), samples.RED), Image.new("RGB", (64, 48), samples.BLUE)
    path = samples.write_video(tmp_path / "long.mp4", frames=[red] * 11 + [blue] * 25)

    video = probe(path)

    assert video.duration_seconds == pytest.approx(3.0, abs=0.1)
    assert samples.near(samples.pixel(poster_picture(video), (32, 24)), samples.BLUE)


def test_duration_missing_from_the_header_is_read_from_the_packets(tmp_path: Path) -> None:
    # A live-mode WebM, like MediaRecorder's, is written without a duration.
    path = samples.write_video(tmp_path / "live.webm", codec="libvpx-vp9", fps=12, options={"live": "1"})

    assert probe(path).duration_seconds == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("random.mp4", random.Random(3).randbytes(5000)),
        ("text.mp4", b"hello, this is not a video\n" * 40),
        ("empty.mp4", b""),
        ("picture.mp4", samples.encode(samples.gradient(64, 48), "PNG")),
    ],
)
def test_files_ffmpeg_cannot_read_as_video_are_unsupported(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)

    assert rejection(tmp_path / name) is MediaCode.UNSUPPORTED_FORMAT


def test_audio_only_is_unsupported(tmp_path: Path) -> None:
    assert rejection(samples.write_audio(tmp_path / "voice.m4a")) is MediaCode.UNSUPPORTED_FORMAT


@pytest.mark.parametrize(
    ("name", "options", "keep"),
    [
        ("index-last.mp4", None, 0.5),  # moov written last and cut off: FFmpeg finds no tracks
        ("index-first.mp4", {"movflags": "faststart"}, 0.5),  # moov intact, samples missing
        ("header-only.mp4", None, 0.02),  # only the ftyp box: FFmpeg says "invalid data"
        ("cut.webm", None, 0.5),
    ],
)
def test_truncated_videos_are_corrupt(tmp_path: Path, name: str, options: dict[str, str] | None, keep: float) -> None:
    codec = "libvpx-vp9" if name.endswith(".webm") else "libx264"
    frames = [samples.gradient(64, 48)] * 36
    whole = samples.write_video(tmp_path / f"whole-{name}", codec=codec, frames=frames, options=options)

    assert rejection(samples.truncated(whole, tmp_path / name, keep=keep)) is MediaCode.CORRUPT


def test_limits(tmp_path: Path) -> None:
    path = samples.write_video(tmp_path / "clip.mp4")

    assert rejection(path, max_bytes=path.stat().st_size - 1) is MediaCode.TOO_LARGE
    assert rejection(path, max_pixels=64 * 48 - 1) is MediaCode.TOO_LARGE
    with pytest.raises(MediaRejected) as caught:
        probe_video(path, max_bytes=2**30, max_pixels=2**30, widths=WIDTHS, max_seconds=0.5)
    assert caught.value.code is MediaCode.TOO_LONG


GPS = "+48.8577+002.2950/"

CAMERA = {"location": GPS, "title": "at home", "comment": "Pixel 9 Pro"}


@pytest.mark.parametrize(
    ("name", "codec", "content_type"),
    [
        ("clip.mp4", "libx264", "video/mp4"),
        ("clip.mov", "libx264", "video/quicktime"),
        ("clip.webm", "libvpx-vp9", "video/webm"),
    ],
)
def test_the_copy_keeps_picture_and_rotation_and_drops_metadata(
    tmp_path: Path, name: str, codec: str, content_type: str
) -> None:
    source = samples.write_video(
        tmp_path / name, codec=codec, frames=[samples.halves(64, 48)] * 24, rotation=-90, metadata=CAMERA
    )
    assert set(CAMERA.values()) <= samples.metadata_values(source)

    clean = strip_metadata(source, tmp_path)

    assert clean.content_type == content_type and clean.path.suffix == "." + clean.extension
    assert not set(CAMERA.values()) & samples.metadata_values(clean.path)
    data = clean.path.read_bytes()
    assert b"Pixel 9 Pro" not in data and b"at home" not in data and b"loci" not in data
    before, after = probe(source), probe(clean.path)
    assert (after.width, after.height) == (before.width, before.height) == (48, 64)  # still turned
    assert after.duration_seconds == pytest.approx(before.duration_seconds, abs=0.01)
    assert poster_picture(after).size == poster_picture(before).size


def test_an_mp4_copy_starts_with_its_index(tmp_path: Path) -> None:
    clean = strip_metadata(samples.write_video(tmp_path / "clip.mp4"), tmp_path)
    data = clean.path.read_bytes()
    assert 0 < data.index(b"moov") < data.index(b"mdat")


def test_a_file_that_is_not_a_video_cannot_be_copied(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(200))
    with pytest.raises(MediaRejected) as caught:
        strip_metadata(path, tmp_path)
    assert caught.value.code is MediaCode.CORRUPT
