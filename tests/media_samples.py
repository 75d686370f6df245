"""Sample images and videos built in code for the media tests, so no binary file lives in the repository."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import av
from PIL import ExifTags, Image, ImageCms

RED = (220, 20, 20)
BLUE = (20, 20, 220)


def gradient(width: int, height: int) -> Image.Image:
    """An RGB picture with detail in both directions, so encoders and the blurhash have something to work on."""
    vertical = Image.linear_gradient("L").resize((width, height))
    horizontal = Image.linear_gradient("L").rotate(90).resize((width, height))
    return Image.merge("RGB", (horizontal, vertical, Image.new("L", (width, height), 128)))


def halves(
    width: int, height: int, left: tuple[int, int, int] = RED, right: tuple[int, int, int] = BLUE
) -> Image.Image:
    """Left half one colour, right half another: shows which way a picture was turned."""
    picture = Image.new("RGB", (width, height), right)
    picture.paste(left, (0, 0, width // 2, height))
    return picture


def pixel(picture: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    """The RGBA value at `xy`, whatever the picture's mode."""
    value = picture.convert("RGBA").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    """Channel by channel within `tolerance`: lossy encoders move colours a little."""
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def encode(picture: Image.Image, format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format, **params)
    return buffer.getvalue()


def camera_exif(orientation: int) -> Image.Exif:
    """EXIF as a phone writes it: an orientation and where the photo was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Camera"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 2.5)
    return exif


def srgb_icc_profile() -> bytes:
    profile: bytes = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile


def animated_gif(colours: Sequence[tuple[int, int, int]], size: tuple[int, int] = (60, 40)) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in colours]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def png_claiming_size(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` greyscale pixels but whose data is a few bytes.

    Decoding it would allocate width x height bytes before finding out, which is what a bomb counts on.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def write_video(
    path: Path,
    *,
    codec: str = "libx264",
    size: tuple[int, int] = (64, 48),
    fps: int = 12,
    frames: Sequence[Image.Image] | None = None,
    rotation: float | None = None,
    options: dict[str, str] | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Encode `frames` (default: twelve gradient frames, one second) into the container `path`'s suffix names,
    with `metadata` on the container and on the stream, as a phone's camera leaves it."""
    pictures = list(frames) if frames is not None else [gradient(*size)] * fps
    with av.open(str(path), "w", options=options or {}) as container:
        container.metadata.update(metadata or {})
        stream = container.add_stream(codec, rate=fps)
        stream.metadata.update(metadata or {})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = pictures[0].size
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for picture in pictures:
            frame = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]  # untyped in PyAV's stub
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def write_audio(path: Path, *, seconds: float = 0.5, rate: int = 44100) -> Path:
    """Silent AAC in an MP4 (.m4a) container: a file FFmpeg reads happily that has no picture."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        assert isinstance(stream, av.AudioStream)
        samples = 1024
        for index in range(round(seconds * rate / samples)):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
            frame.sample_rate = rate
            frame.pts = index * samples
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def truncated(path: Path, target: Path, *, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def metadata_values(path: Path) -> set[str]:
    """Every metadata value FFmpeg reads from the file, its container's and its streams'."""
    with av.open(str(path)) as container:
        values = set(container.metadata.values())
        for stream in container.streams:
            values |= set(stream.metadata.values())
    return values
