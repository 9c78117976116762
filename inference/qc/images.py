"""Camera images in: decode and check bytes, preprocess for the model (PNG out: hmi.core.qc_frame).

Policy for what the camera may send (the QC model card's `extra.input_policy`):

- PNG, JPEG, BMP or TIFF bytes (anything Pillow reads), or an H x W x 3 uint8 array;
- colour: RGB; RGBA has its alpha dropped; palette images are expanded. Grey,
  16-bit and CMYK images are refused: the model was trained on colour and a
  grey frame means a camera set up wrongly, which an operator must see;
- size: any square-ish image (aspect 0.8 .. 1.25) from 32 to 4096 px a side is
  resized to the model input; anything else is refused rather than distorted;
- empty, truncated or undecodable bytes are refused.

A refusal is an `ImageError` whose message names what was wrong and what was
expected; the inspector shows and journals it and goes on with the next image.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

MIN_SIDE = 32
MAX_SIDE = 4096
ASPECT = (0.8, 1.25)
# Same normalisation in training and at run time; written on the model card.
MEAN = 0.5
STD = 0.25

_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"BM": "BMP"}
_ACCEPTED_MODES = {"RGB", "RGBA", "P", "RGBX"}
_CHANNELS = {
    "1": 1,
    "L": 1,
    "LA": 2,
    "I": 1,
    "I;16": 1,
    "I;16B": 1,
    "I;16L": 1,
    "F": 1,
    "CMYK": 4,
    "YCbCr": 3,
}


class ImageError(ValueError):
    """An image the QC pipeline will not classify; `reason` is a short code for counting."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def decode(data: bytes | bytearray | memoryview | None) -> np.ndarray:
    """Bytes from the camera -> H x W x 3 uint8 RGB, or ImageError."""
    if data is None or len(data) == 0:
        raise ImageError("empty", "empty image: the camera sent 0 bytes")
    buf = bytes(data)
    try:
        with Image.open(io.BytesIO(buf)) as im:
            w, h = im.size
            _check_size(w, h)  # before decoding the pixels: a 50,000 px wide image is refused unread
            mode = im.mode
            if mode not in _ACCEPTED_MODES:
                n = _CHANNELS.get(mode, len(im.getbands()))
                raise ImageError(
                    "wrong_channels",
                    f"image has {n} channel{'s' if n != 1 else ''} (mode {mode}); "
                    "the QC model needs 3-channel RGB colour (check the camera's pixel format)",
                )
            fmt = im.format
            if fmt == "PNG":
                # Chunk CRCs and the end marker: Pillow decodes a PNG whose tail is cut off
                # (pixels complete, checksum and IEND missing) without complaint.
                im.verify()
        with Image.open(io.BytesIO(buf)) as im:
            im.load()
            rgb = im.convert("RGB") if mode != "RGB" else im
            arr = np.asarray(rgb, dtype=np.uint8)
    except ImageError:
        raise
    except UnidentifiedImageError:
        kind = next((name for magic, name in _MAGIC.items() if buf.startswith(magic)), None)
        if kind is not None:  # the right signature, then garbage: a cut or damaged transfer
            raise ImageError(
                "truncated", f"image data is truncated or corrupt ({len(buf)} bytes, {kind} header)"
            ) from None
        raise ImageError(
            "not_an_image", f"not an image: {len(buf)} bytes starting {buf[:8]!r} (expected PNG or JPEG)"
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        # Pillow: "image file is truncated", "broken PNG file", "Truncated File Read"...
        raise ImageError(
            "truncated", f"image data is truncated or corrupt ({len(buf)} bytes): {exc}"
        ) from None
    return arr


def check_array(arr: Any) -> np.ndarray:
    """An in-memory frame (H x W x 3 uint8) under the same policy as `decode`."""
    if not isinstance(arr, np.ndarray):
        raise ImageError("not_an_image", f"expected image bytes or a numpy array, got {type(arr).__name__}")
    if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] != 3):
        n = 1 if arr.ndim == 2 else arr.shape[2]
        if arr.ndim == 3 and n == 4:
            arr = arr[..., :3]
        else:
            raise ImageError(
                "wrong_channels", f"image has {n} channel{'s' if n != 1 else ''}; the QC model needs 3 (RGB)"
            )
    if arr.ndim != 3:
        raise ImageError("wrong_size", f"image array has shape {arr.shape}; expected height x width x 3")
    _check_size(arr.shape[1], arr.shape[0])
    if arr.dtype != np.uint8:
        raise ImageError("wrong_type", f"image array is {arr.dtype}; expected uint8 (0..255)")
    return np.ascontiguousarray(arr)


def _check_size(w: int, h: int) -> None:
    if min(w, h) < MIN_SIDE or max(w, h) > MAX_SIDE:
        raise ImageError("wrong_size", f"image is {w}x{h} px; expected {MIN_SIDE} to {MAX_SIDE} px a side")
    aspect = w / h
    if not ASPECT[0] <= aspect <= ASPECT[1]:
        raise ImageError(
            "wrong_size",
            f"image is {w}x{h} px (aspect {aspect:.2f}); the QC model needs a square-ish product view "
            f"(aspect {ASPECT[0]}..{ASPECT[1]}), resizing would distort it",
        )


def resize(rgb: np.ndarray, size: int) -> np.ndarray:
    """H x W x C uint8 -> size x size x C uint8 (box filter: a plain average for 2:1)."""
    if rgb.shape[0] == size and rgb.shape[1] == size:
        return rgb
    if rgb.ndim == 2 or rgb.shape[2] == 1:
        im = Image.fromarray(rgb.reshape(rgb.shape[0], rgb.shape[1]), "L")
        return np.asarray(im.resize((size, size), Image.Resampling.BOX)).reshape(size, size, 1)
    return np.asarray(Image.fromarray(rgb, "RGB").resize((size, size), Image.Resampling.BOX))


def to_tensor(small: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """Resized uint8 image(s) (H x W x C) -> float32 N x C x H x W, normalised like training."""
    arr = np.stack(small) if isinstance(small, list) else small[None]
    x = arr.astype(np.float32).transpose(0, 3, 1, 2)
    x *= np.float32(1.0 / (255.0 * STD))
    x -= np.float32(MEAN / STD)
    return np.ascontiguousarray(x)
