"""The image input policy: what is accepted, resized, or refused with a clear message."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from connectors.sim.product_images import render_frame
from hmi.core.qc_frame import encode_png
from inference.qc.images import ImageError, check_array, decode, resize, to_tensor


def _encode(arr: np.ndarray, mode: str | None = None, fmt: str = "PNG") -> bytes:
    im = Image.fromarray(arr)
    if mode:
        im = im.convert(mode)
    out = io.BytesIO()
    im.save(out, format=fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    return render_frame(1, 1, "ok").image


def test_png_and_jpeg_decode_to_rgb(frame):
    assert np.array_equal(decode(encode_png(frame)), frame)
    jpg = decode(_encode(frame, fmt="JPEG"))
    assert jpg.shape == frame.shape and np.abs(jpg.astype(int) - frame).mean() < 6


def test_rgba_and_palette_are_accepted(frame):
    assert decode(_encode(frame, "RGBA")).shape == (192, 192, 3)
    assert decode(_encode(frame, "P")).shape == (192, 192, 3)
    assert check_array(np.dstack([frame, np.full(frame.shape[:2], 255, np.uint8)])).shape == (192, 192, 3)


@pytest.mark.parametrize(
    ("data", "reason", "message"),
    [
        (b"", "empty", "empty image: the camera sent 0 bytes"),
        (None, "empty", "empty image"),
        (b"GIF no, just text", "not_an_image", "not an image: 17 bytes starting b'GIF no, '"),
    ],
)
def test_empty_and_garbage_bytes_are_refused(data, reason, message):
    with pytest.raises(ImageError, match=message) as err:
        decode(data)
    assert err.value.reason == reason


def test_truncated_png_is_refused(frame):
    data = encode_png(frame)
    for cut in (len(data) // 2, len(data) - 20, 60):
        with pytest.raises(ImageError, match="truncated or corrupt") as err:
            decode(data[:cut])
        assert err.value.reason == "truncated"


def test_grey_and_cmyk_are_refused_with_channel_counts(frame):
    with pytest.raises(ImageError, match=r"1 channel \(mode L\).*needs 3-channel RGB"):
        decode(_encode(frame, "L"))
    with pytest.raises(ImageError, match=r"4 channels \(mode CMYK\)"):
        decode(_encode(frame, "CMYK", fmt="JPEG"))
    with pytest.raises(ImageError, match="1 channel; the QC model needs 3"):
        check_array(frame[..., 0])


def test_sizes_square_ish_resized_others_refused(frame):
    big = np.asarray(Image.fromarray(frame).resize((300, 260)))
    assert decode(_encode(big)).shape == (260, 300, 3)  # accepted: resized later, aspect 1.15
    assert resize(big, 96).shape == (96, 96, 3)
    with pytest.raises(ImageError, match=r"image is 600x100 px \(aspect 6.00\).*would distort") as err:
        decode(_encode(np.zeros((100, 600, 3), np.uint8)))
    assert err.value.reason == "wrong_size"
    with pytest.raises(ImageError, match="image is 16x16 px; expected 32 to 4096"):
        decode(_encode(np.zeros((16, 16, 3), np.uint8)))
    with pytest.raises(ImageError, match="is float32; expected uint8"):
        check_array(frame.astype(np.float32))


def test_tensor_normalisation_matches_the_card():
    x = to_tensor(np.full((96, 96, 3), 255, np.uint8))
    assert x.shape == (1, 3, 96, 96) and x.dtype == np.float32
    assert np.allclose(x, (1.0 - 0.5) / 0.25)
    assert np.allclose(to_tensor([np.zeros((8, 8, 3), np.uint8)] * 2), -2.0)
