"""Turn uploaded image bytes into display-ready variants: checked, upright, sRGB, free of metadata.

Pure functions for the media job: they read only the bytes or picture they are given.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass

import blurhash  # type: ignore[import-untyped]
from PIL import Image, ImageCms, ImageFile, ImageOps

from services.media_errors import MediaCode, MediaRejected

# By Pillow's format name. AVIF is the HEIF flavour this Pillow decodes without plugins; HEIC (HEVC) is not.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")
# Formats whose magic bytes are conclusive: a file that matches them but does not parse is damaged. AVIF is
# left out because its brands are shared with HEIC, which Pillow cannot read here: that is unsupported, not corrupt.
_CONCLUSIVE_MAGIC = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
JPEG_QUALITY = 85
WEBP_QUALITY = 85
BLURHASH_COMPONENTS = (4, 3)
# The blurhash encoder is pure Python and costs pixels x components; 32 px keeps it to a few milliseconds.
BLURHASH_SOURCE_PIXELS = 32
# Above a 3x size ratio Pillow first shrinks by an integer factor; the result is indistinguishable from a full
# Lanczos pass and far cheaper on 100-megapixel sources.
_REDUCING_GAP = 3.0


@dataclass(frozen=True)
class ImageVariant:
    width: int
    height: int
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ProcessedImage:
    """`format` is the format sniffed from the upload; `width` and `height` are as displayed (EXIF orientation)."""

    format: str
    width: int
    height: int
    blurhash: str
    variants: list[ImageVariant]


def process_image(data: bytes, *, max_bytes: int, max_pixels: int, widths: Sequence[int]) -> ProcessedImage:
    """Check uploaded bytes and render their variants; raises MediaRejected for an image that can never be shown."""
    if len(data) > max_bytes:
        raise MediaRejected(MediaCode.TOO_LARGE, f"The image is {len(data)} bytes; the limit is {max_bytes}.")
    image = _identify(data)
    try:
        # The header is parsed but no pixel decoded yet, so a bomb is refused before it costs memory.
        check_dimensions(image.size, max_pixels)
        source_format = "JPEG" if image.format == "MPO" else str(image.format)
        picture, size = _decode_upright(image, widths)
        picture = _normalise(picture)
    except MediaRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRejected(MediaCode.TOO_LARGE, "The image has too many pixels.") from exc
    except MemoryError:
        raise
    except Exception as exc:
        # Pillow reports damage through many types (OSError, SyntaxError, ValueError, struct.error, ...); this
        # block only parses and decodes the upload, so whatever it raises means the bytes are broken.
        raise MediaRejected(MediaCode.CORRUPT, "The image is damaged or truncated.") from exc
    finally:
        image.close()
    return process_picture(picture, format=source_format, widths=widths, size=size)


def process_picture(
    picture: Image.Image, *, format: str, widths: Sequence[int], size: tuple[int, int] | None = None
) -> ProcessedImage:
    """Render an upright, decoded picture (an image or a video frame) into variants and a blurhash.

    `size` is the original's displayed size when `picture` was decoded at a reduced scale.
    """
    picture = _normalise(picture)
    width, height = size or picture.size
    variants: list[ImageVariant] = []
    for target_width in variant_widths(width, widths):
        target = (target_width, max(1, round(target_width * height / width)))
        resized = picture if target == picture.size else _resize(picture, target)
        variants.append(_encode(resized))
    return ProcessedImage(format=format, width=width, height=height, blurhash=_blurhash(picture), variants=variants)


def check_dimensions(size: tuple[int, int], max_pixels: int) -> None:
    """Refuse a picture whose declared size is empty or over the pixel limit, before anything is decoded."""
    width, height = size
    if width < 1 or height < 1:
        raise MediaRejected(MediaCode.CORRUPT, f"The picture claims an empty size ({width}x{height}).")
    if width * height > max_pixels:
        raise MediaRejected(
            MediaCode.TOO_LARGE,
            f"The picture is {width}x{height} ({width * height} pixels); the limit is {max_pixels}.",
        )


def variant_widths(original_width: int, widths: Sequence[int]) -> list[int]:
    """One width per configured slot, capped at the original's (never upscaled), smallest first.

    A 1000 px photo gets 150/320/640/1000, so clients asking for the 1080 slot still get
    the sharpest copy there is rather than the 640 one.
    """
    return sorted({min(w, original_width) for w in widths if w > 0}) or [original_width]


def _identify(data: bytes) -> ImageFile.ImageFile:
    """Sniff the format from the bytes alone and parse the header, as Image.open does, over our formats only.

    Image.open would also run Pillow's bomb check against the process-wide Image.MAX_IMAGE_PIXELS (~89 MP): it
    warns below our own limit and can only be tuned globally, which would leak into every other caller in the
    process. Opening through the registered plugin leaves that global alone and lets `max_pixels` decide; the
    checks some plugins run themselves (WebP, GIF frames) still surface, as TOO_LARGE.
    """
    Image.init()
    prefix = data[:16]
    for name in ACCEPTED_FORMATS:
        if name not in Image.OPEN:
            continue
        factory, accept = Image.OPEN[name]
        if accept is not None and accept(prefix) is not True:
            continue
        try:
            return factory(io.BytesIO(data), "")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaRejected(MediaCode.TOO_LARGE, "The image has too many pixels.") from exc
        except MemoryError:
            raise
        except Exception as exc:
            if name in _CONCLUSIVE_MAGIC:
                raise MediaRejected(MediaCode.CORRUPT, f"The {name} file is damaged or truncated.") from exc
    raise MediaRejected(MediaCode.UNSUPPORTED_FORMAT, f"Only {', '.join(ACCEPTED_FORMATS)} images are accepted.")


def _decode_upright(image: ImageFile.ImageFile, widths: Sequence[int]) -> tuple[Image.Image, tuple[int, int]]:
    """Decode the first frame, turned as EXIF orientation says; returns it and the original's displayed size."""
    width, height = image.size
    if image.format in ("JPEG", "MPO") and widths:
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale almost for free; asking for the widest variant in both
        # dimensions keeps the result at least that wide whichever way the picture is turned.
        widest = max(widths)
        image.draft(None, (widest, widest))
    image.load()
    upright = ImageOps.exif_transpose(image)
    if upright.size != image.size:
        width, height = height, width
    return upright, (width, height)


def _normalise(picture: Image.Image) -> Image.Image:
    """RGB, or RGBA when some pixel is transparent, in sRGB, with no metadata left to copy into outputs.

    Embedded ICC profiles (Display P3 from phones, CMYK from print tools) are applied and then dropped: browsers
    assume sRGB for untagged images, so converting keeps colours right without shipping a profile per variant.
    """
    original = picture
    icc_profile = picture.info.get("icc_profile")
    if picture.mode.startswith("I"):
        # 16-bit greyscale; a direct conversion would clip every value above 255 to white.
        picture = picture.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    mode = "RGBA" if picture.has_transparency_data else "RGB"
    # CMYK must meet its own profile before it becomes RGB; a palette's transparency must become alpha first.
    if picture.mode not in (mode, "CMYK"):
        picture = picture.convert(mode)
    if icc_profile:
        try:
            converted = ImageCms.profileToProfile(picture, io.BytesIO(icc_profile), _srgb_profile(), outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            # A broken or mismatched profile is not a broken photo: keep the pixels as they are.
            converted = None
        if converted is not None:
            picture = converted
    if picture.mode != mode:
        picture = picture.convert(mode)
    if mode == "RGBA" and picture.getchannel("A").getextrema()[0] == 255:
        picture = picture.convert("RGB")
    if picture is original and picture.info:
        picture = picture.copy()  # the caller's picture keeps its metadata; only ours loses it
    # Encoders read some keys from info (JPEG copies "comment"), so nothing may be left there.
    picture.info = {}
    return picture


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _resize(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)


def _encode(picture: Image.Image) -> ImageVariant:
    """JPEG for opaque pictures; WEBP keeps transparency at a fraction of PNG's size and every browser shows it."""
    buffer = io.BytesIO()
    if picture.mode == "RGBA":
        picture.save(buffer, "WEBP", quality=WEBP_QUALITY)
        content_type = "image/webp"
    else:
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
        content_type = "image/jpeg"
    return ImageVariant(width=picture.width, height=picture.height, data=buffer.getvalue(), content_type=content_type)


def _blurhash(picture: Image.Image) -> str:
    scale = BLURHASH_SOURCE_PIXELS / max(picture.size)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    small = picture.resize(size, Image.Resampling.BOX, reducing_gap=_REDUCING_GAP) if scale < 1 else picture
    if small.mode == "RGBA":
        # Placeholders sit on a light page; flatten transparency onto white rather than black.
        small = Image.alpha_composite(Image.new("RGBA", small.size, "white"), small)
    raw = small.convert("RGB").tobytes()
    # The encoder wants rows of (r, g, b) triples; three-byte slices index like that.
    stride = small.width * 3
    rows = [[raw[y * stride + x : y * stride + x + 3] for x in range(0, stride, 3)] for y in range(small.height)]
    encoded: str = blurhash.encode(rows, *BLURHASH_COMPONENTS)
    return encoded
