"""Text values: String/ByteString tags, and 64-bit integers that a float64 cannot hold exactly.

Numbers travel in `SampleBatch` columns (float64). Text cannot, so it travels as
`TextSample`s and is journaled in its own table (`text_samples`, see
docs/journal.md), with the same time and status columns as `samples`:

- a tag with `data_type = "text"` has only text samples (never a row in `samples`);
- an integer tag whose value is beyond 2^53 has its (rounded) float sample, for
  trends, *and* a text sample with the exact decimal digits at the same source time.

Text is bounded (`journal.max_text_bytes`, UTF-8 bytes): a longer value is cut at
a character boundary and the sample keeps its full length, so every screen and
export can say that it was truncated (`display_text`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Beyond this a float64 no longer holds every integer: such values are also journaled as text.
EXACT_FLOAT_INT = 2**53


@dataclass(frozen=True, slots=True)
class TextSample:
    tag_idx: int  # index in the line config's tag list
    source_ts: float
    server_ts: float  # NaN when the server did not say
    received_ts: float
    text: str | None  # None: no value (bad quality, link down)
    status: int  # raw OPC UA StatusCode
    full_bytes: int | None = None  # UTF-8 length before truncation; None when not truncated

    @property
    def truncated(self) -> bool:
        return self.full_bytes is not None


def bound_text(text: str, max_bytes: int) -> tuple[str, int | None]:
    """`text` cut to at most `max_bytes` UTF-8 bytes (never inside a character), and its
    full byte length when it was cut (None when it fits)."""
    raw = text.encode("utf-8", errors="surrogatepass")
    if len(raw) <= max_bytes:
        return text, None
    return raw[:max_bytes].decode("utf-8", errors="ignore"), len(raw)


def display_text(text: str | None, full_bytes: int | None) -> str:
    """What screens, exports and the assistant show for a journaled text value."""
    if text is None:
        return ""
    if full_bytes is None:
        return text
    return (
        f"{text}… [truncated: {full_bytes} bytes, {len(text.encode('utf-8', errors='surrogatepass'))} kept]"
    )


def exact_int_text(value: object) -> str | None:
    """The exact digits of an integer a float64 would round (|v| > 2^53), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) <= EXACT_FLOAT_INT:
        return None
    return str(value)


def rounded(value: int) -> float:
    """The float64 nearest to a large integer (what trends draw); inf beyond float range."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
