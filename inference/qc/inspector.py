"""The online visual QC inspector: image bytes in, verdict + heatmap out, defects journaled.

Qt-free and torch-free. One worker thread ("linehmi-qc") takes frames from a
bounded queue, so neither the GUI thread nor the I/O loop ever waits on a
decode, an inference or a disk write:

    camera client (I/O loop) --submit(QcFrame)--> queue --> worker:
        decode + check (inference.qc.images)  -> bad image: error result
        ONNX model (probabilities, heatmap)    -> model error: error result
        verdict, region, rolling defect rate
        defect: image saved under <journal dir>/qc/<date>/, QC event journaled with its path
        error : journaled (at most one per reason per minute, with a count), bad bytes kept
        defect rate -> SampleBatch for the `qc.defect_rate` derived tag (journal, alarms, trends)
    GUI timer --poll()--> results since the last poll (the QC pane shows them)

Nothing here stops on a bad frame: every failure is a result with `error`
set, shown and journaled, and the next frame is inspected as usual. A missing
or refused model is the same: images are still decoded and shown, each with
the error, and the defect-rate tag is Bad (no inspection, no rate).
"""

from __future__ import annotations

import collections
import enum
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.qc_figures import RATE_MIN_COUNT, RATE_WINDOW
from hmi.core.qc_frame import QcFrame, encode_png, png_text
from hmi.core.quality import BAD, BAD_NOT_CONNECTED, BAD_WAITING_FOR_INITIAL_DATA, GOOD, is_bad
from hmi.core.runtime_api import ConnectionState
from hmi.core.samples import SampleBatch
from inference.model_card import ModelError
from inference.qc import CLASSES
from inference.qc.heatmap import Box, peak_region
from inference.qc.images import ImageError, check_array, decode, resize, to_tensor

log = logging.getLogger(__name__)

DEFAULT_CARD = Path(__file__).resolve().parents[2] / "resources" / "models" / "qc_classifier.card.json"
ERROR_JOURNAL_INTERVAL_S = 60.0  # one journal row per error reason per minute, with a count of the rest
MAX_SAVED_BAD_BYTES = 8 << 20

__all__ = ["DEFAULT_CARD", "QcFrame", "QcInspector", "QcResult", "QcStatus", "Verdict"]


class Verdict(enum.StrEnum):
    OK = "ok"
    DEFECT = "defect"
    ERROR = "error"


class JournalLike(Protocol):
    def write_event(self, ev: JournalEvent) -> int: ...


# The rolling defect rate: the share of rejects among the last DEFAULT_WINDOW inspected images,
# published once DEFAULT_MIN_COUNT are in (hmi.core.qc_figures says why that is the whole window).
DEFAULT_WINDOW = RATE_WINDOW
DEFAULT_MIN_COUNT = RATE_MIN_COUNT


@dataclass(frozen=True)
class QcResult:
    seq: int
    ts: float
    source: str
    verdict: Verdict
    label: str  # class name; "" for an error
    score: float  # probability of `label`; NaN for an error
    p_defect: float  # 1 - P(ok); NaN for an error
    probabilities: dict[str, float]
    heatmap: np.ndarray | None  # coarse grid, 0..1 (CAM of the most probable defect class)
    region: Box | None  # where the defect is, fractions of the image (defects only)
    latency_ms: float  # decode + preprocess + model + post-processing, per image
    model_ms: float  # the model call alone (per image, batched calls divided)
    image: np.ndarray | None  # decoded RGB, for display; None if it could not be decoded
    image_path: Path | None = None  # where the image was saved (defects, and the bytes of bad frames)
    error: str | None = None
    error_reason: str | None = None  # empty, truncated, wrong_size, wrong_channels, model, no_model...
    defect_rate: float = math.nan  # % of the last `window` inspected images, after this one
    window_count: int = 0
    event_id: int | None = None
    ground_truth: str | None = None  # only when the frame says (the simulator does)


@dataclass(frozen=True)
class QcStatus:
    model_label: str  # "qc_classifier 1.0 on CPU", or "" when no model
    model_error: str | None
    state: str  # "starting", "ready", "no model", "stopped"
    inspected: int
    defects: int
    errors: int
    dropped: int  # frames refused because the queue was full
    defect_rate: float  # %, NaN before the first inspection
    window_count: int
    window: int
    source_state: ConnectionState = ConnectionState.CONNECTED  # the camera link, as its client reports it
    source_detail: str = ""


Loader = Callable[..., Any]


def _default_loader(card_path: Path, threads: int) -> Any:
    from inference.onnx_model import load_model

    return load_model(card_path, threads=threads)


class QcInspector:
    def __init__(
        self,
        card_path: Path | str | None = DEFAULT_CARD,
        *,
        journal: JournalLike | None = None,
        image_dir: Path | str | None = None,
        window: int = DEFAULT_WINDOW,
        min_count: int = DEFAULT_MIN_COUNT,
        rate_tag: int | None = None,
        on_batch: Callable[[SampleBatch], None] | None = None,
        on_result: Callable[[QcResult], None] | None = None,
        max_pending: int = 32,
        max_batch: int = 8,
        keep_results: int = 64,
        threads: int = 1,
        model: Any = None,
        loader: Loader | None = None,
    ) -> None:
        """`model`: an already loaded model (tests, bench); else `card_path` is loaded on start().

        `image_dir` defaults to `<journal.directory>/qc` when the journal has a directory.
        `rate_tag` + `on_batch`: the defect rate is sent as a one-row SampleBatch for that tag index.
        """
        self.card_path = Path(card_path) if card_path is not None else None
        self.journal = journal
        jdir = getattr(journal, "directory", None)
        self.journal_dir = Path(jdir) if jdir is not None else None
        if image_dir is not None:
            self.image_dir: Path | None = Path(image_dir)
        elif self.journal_dir is not None:
            self.image_dir = self.journal_dir / "qc"
        else:
            self.image_dir = None
        self.window = int(window)
        self.min_count = int(min_count)
        self.rate_tag = rate_tag
        self._on_batch = on_batch
        self._on_result = on_result
        self.max_batch = max(1, int(max_batch))
        self.threads = threads
        self._loader: Loader = loader or _default_loader
        self.model: Any = model
        self.classes: tuple[str, ...] = CLASSES
        self.input_size = 192
        self.reject_below = 0.5
        self.model_error: str | None = None
        self._state = "ready" if model is not None else "starting"
        if model is not None:
            self._adopt(model)
        self._queue: queue.Queue[QcFrame | None] = queue.Queue(maxsize=max(1, int(max_pending)))
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._results: collections.deque[QcResult] = collections.deque(maxlen=keep_results)
        self._recent: collections.deque[bool] = collections.deque(maxlen=self.window)
        self._error_marks: dict[str, tuple[float, int]] = {}
        self._source_state = ConnectionState.CONNECTED
        self._source_detail = ""
        self.inspected = 0
        self.defects = 0
        self.errors = 0
        self.dropped = 0
        # Exactly once per frame: a camera resends its current frame (same source timestamp) at
        # every (re)connect; inspecting it again would journal the same reject twice and count it
        # twice in the defect rate. Per source: the source time of the newest frame taken in.
        self._taken_until: dict[str, float] = {}
        self.repeats = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> QcInspector:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._worker, name="linehmi-qc", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        t = self._thread
        if t is None:
            return
        # The sentinel must get in even if the queue is full: drop the oldest pending frame.
        while True:
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                with_drop = self._queue.get_nowait()
                if with_drop is not None:
                    self.dropped += 1
        t.join(timeout)
        self._thread = None
        self._state = "stopped"

    def __enter__(self) -> QcInspector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- input / output ----------------------------------------------------------------------------

    def resume_after(self, source: str, frame_ts: float) -> None:
        """Frames from `source` taken at or before `frame_ts` were inspected by an earlier run."""
        with self._lock:
            self._taken_until[source] = max(frame_ts, self._taken_until.get(source, -math.inf))

    def taken_until(self) -> dict[str, float]:
        """Per source, the source time of the newest frame taken in (for the next run's resume_after)."""
        with self._lock:
            return dict(self._taken_until)

    def submit(self, frame: QcFrame) -> bool:
        """Queue a frame (any thread, never blocks). False: the queue was full and the frame is dropped.

        A frame no newer than one already taken from its source (a reconnect's resend) is skipped
        and counted in `repeats` (returns True: nothing was lost)."""
        if math.isfinite(frame.ts):
            with self._lock:
                if frame.ts <= self._taken_until.get(frame.source, -math.inf):
                    self.repeats += 1
                    return True
                self._taken_until[frame.source] = frame.ts
        try:
            self._queue.put_nowait(frame)
            return True
        except queue.Full:
            with self._lock:
                self.dropped += 1
            return False

    def poll(self) -> list[QcResult]:
        """Results since the last poll, oldest first (the GUI timer calls this)."""
        with self._lock:
            out = list(self._results)
            self._results.clear()
        return out

    @property
    def label(self) -> str:
        return str(getattr(self.model, "label", "")) if self.model is not None else ""

    @property
    def status(self) -> QcStatus:
        with self._lock:
            n = len(self._recent)
            rate = 100.0 * sum(self._recent) / n if n else math.nan
            return QcStatus(
                self.label,
                self.model_error,
                self._state,
                self.inspected,
                self.defects,
                self.errors,
                self.dropped,
                rate,
                n,
                self.window,
                self._source_state,
                self._source_detail,
            )

    def set_source_state(self, state: ConnectionState, detail: str = "") -> None:
        """The camera client's state (its on_state callback): shown by the pane; a lost link makes
        the defect-rate tag Bad (no images, no rate) until frames flow again."""
        with self._lock:
            changed = state != self._source_state
            self._source_state, self._source_detail = state, detail
        if changed and state != ConnectionState.CONNECTED:
            self.mark_stale()

    def mark_stale(self, status: int = BAD_NOT_CONNECTED, ts: float | None = None) -> None:
        """The camera link is down: the defect-rate tag goes Bad until images flow again."""
        self._send_rate(math.nan, status, ts or time.time())

    # --- the work ------------------------------------------------------------------------------------

    def load(self) -> None:
        """Load the model from the card (worker thread on start; callable directly)."""
        if self.model is not None or self.card_path is None:
            if self.model is None:
                self._no_model("no QC model configured")
            return
        try:
            self._adopt(self._loader(self.card_path, self.threads))
            self._state = "ready"
            self.model_error = None
            log.info("QC inspector ready: %s", self.label)
        except ModelError as exc:
            self._no_model(str(exc))
        except Exception as exc:  # a broken onnxruntime install must not stop the HMI
            self._no_model(f"model {self.card_path.name}: could not be loaded: {exc}")

    def _no_model(self, why: str) -> None:
        self.model = None
        self.model_error = why
        self._state = "no model"
        log.error("QC inspector has no model: %s", why)
        self._journal(
            JournalEvent(
                EventKind.QC,
                f"QC model unavailable, images are shown but not inspected: {why}",
                source="qc",
                severity=Severity.ERROR,
                data={"error": "no_model", "card": str(self.card_path) if self.card_path else None},
            )
        )
        self._send_rate(math.nan, BAD, time.time())

    def _adopt(self, model: Any) -> None:
        self.model = model
        card = getattr(model, "card", None)
        if card is not None:
            classes = card.extra.get("classes")
            if classes:
                self.classes = tuple(classes)
            shape = card.inputs[0].shape
            if len(shape) == 4 and isinstance(shape[2], int):
                self.input_size = int(shape[2])
            self.reject_below = float(card.extra.get("reject_below_p_ok", 0.5))

    def _worker(self) -> None:
        self.load()
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            frames = [frame]
            stop = False
            while len(frames) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                frames.append(nxt)
            try:
                self.inspect_many(frames)
            except Exception:  # belt and braces: the worker must outlive any bug in one batch
                log.exception("QC worker failed on %d frames", len(frames))
            if stop:
                return

    def inspect(self, frame: QcFrame) -> QcResult:
        """Inspect one frame in the caller's thread (tests, benchmarks, a headless replay)."""
        return self.inspect_many([frame])[0]

    def inspect_many(self, frames: Sequence[QcFrame]) -> list[QcResult]:
        t0 = time.perf_counter()
        decoded: list[np.ndarray | None] = []
        errors: list[tuple[str, str] | None] = []
        metas: list[dict[str, str]] = []
        for f in frames:
            meta = dict(f.meta)
            try:
                if is_bad(f.status):
                    raise ImageError(
                        "bad_quality", f"the camera sample has Bad quality (status 0x{f.status:08X})"
                    )
                if isinstance(f.data, np.ndarray):
                    img = check_array(f.data)
                else:
                    img = decode(f.data)
                    if not meta and isinstance(f.data, bytes | bytearray) and f.data[:4] == b"\x89PNG":
                        meta = png_text(bytes(f.data))
                decoded.append(img)
                errors.append(None)
            except ImageError as exc:
                decoded.append(None)
                errors.append((exc.reason, str(exc)))
            metas.append(meta)
        t_decode = time.perf_counter()

        valid = [i for i, img in enumerate(decoded) if img is not None]
        probs: np.ndarray | None = None
        maps: np.ndarray | None = None
        model_ms = 0.0
        if valid and self.model is None:
            why = self.model_error or "the QC model is not loaded yet"
            for i in valid:
                errors[i] = ("no_model", f"QC model unavailable: {why}")
        elif valid:
            try:
                x = to_tensor([resize(decoded[i], self.input_size) for i in valid])  # type: ignore[arg-type]
                tm = time.perf_counter()
                out = self.model.run({"image": x})
                model_ms = (time.perf_counter() - tm) * 1000.0 / len(valid)
                probs = np.asarray(out["probabilities"], dtype=np.float32)
                maps = np.asarray(out["heatmap"], dtype=np.float32)
                if probs.shape != (len(valid), len(self.classes)) or not np.isfinite(probs).all():
                    raise ModelError(
                        getattr(self.model, "name", "qc"),
                        f"returned probabilities of shape {list(probs.shape)} with non-finite values"
                        if probs.shape == (len(valid), len(self.classes))
                        else f"returned probabilities of shape {list(probs.shape)}, "
                        f"expected [{len(valid)}, {len(self.classes)}]",
                    )
            except Exception as exc:  # ModelError, or anything an ORT/custom model raises
                probs = maps = None
                for i in valid:
                    errors[i] = ("model", f"QC model failed: {exc}")
        t_model = time.perf_counter()
        per_image_ms = (t_model - t0) * 1000.0 / max(1, len(frames))
        del t_decode

        results = []
        row = {i: k for k, i in enumerate(valid)}
        for i, f in enumerate(frames):
            err = errors[i]
            if err is not None or probs is None or maps is None:
                reason, message = err if err is not None else ("model", "QC model failed")
                results.append(self._error_result(f, decoded[i], reason, message, per_image_ms, metas[i]))
            else:
                k = row[i]
                results.append(
                    self._verdict(f, decoded[i], probs[k], maps[k], per_image_ms, model_ms, metas[i])  # type: ignore[arg-type]
                )
        return results

    # --- results ------------------------------------------------------------------------------------

    def _verdict(
        self,
        f: QcFrame,
        img: np.ndarray,
        p: np.ndarray,
        hm: np.ndarray,
        latency_ms: float,
        model_ms: float,
        meta: dict[str, str],
    ) -> QcResult:
        t0 = time.perf_counter()
        p_ok = float(p[0])
        defect = p_ok < self.reject_below
        k = 1 + int(np.argmax(p[1:])) if defect else 0
        label = self.classes[k]
        region = peak_region(hm) if defect else None
        with self._lock:
            self._recent.append(defect)
            self.inspected += 1
            self.defects += int(defect)
            n = len(self._recent)
            rate = 100.0 * sum(self._recent) / n
        result = QcResult(
            seq=f.seq,
            ts=f.ts,
            source=f.source,
            verdict=Verdict.DEFECT if defect else Verdict.OK,
            label=label,
            score=float(p[k]),
            p_defect=1.0 - p_ok,
            probabilities={c: round(float(v), 4) for c, v in zip(self.classes, p, strict=True)},
            heatmap=hm,
            region=region,
            latency_ms=latency_ms + (time.perf_counter() - t0) * 1000.0,
            model_ms=model_ms,
            image=img,
            defect_rate=rate,
            window_count=n,
            ground_truth=meta.get("label"),
        )
        if defect:
            result = self._journal_defect(f, result)
        if n >= self.min_count:
            self._send_rate(rate, GOOD, f.ts)
        else:
            # One reject in the first few images would read as 50-100 %: no value until the window
            # holds `min_count` images (the alarm engine holds its alarms on a Bad value; why the
            # whole window: hmi.core.qc_figures.RATE_MIN_COUNT).
            self._send_rate(math.nan, BAD_WAITING_FOR_INITIAL_DATA, f.ts)
        return self._publish(result)

    def _error_result(
        self,
        f: QcFrame,
        img: np.ndarray | None,
        reason: str,
        message: str,
        latency_ms: float,
        meta: dict[str, str],
    ) -> QcResult:
        with self._lock:
            self.errors += 1
            n = len(self._recent)
            rate = 100.0 * sum(self._recent) / n if n else math.nan
        result = QcResult(
            seq=f.seq,
            ts=f.ts,
            source=f.source,
            verdict=Verdict.ERROR,
            label="",
            score=math.nan,
            p_defect=math.nan,
            probabilities={},
            heatmap=None,
            region=None,
            latency_ms=latency_ms,
            model_ms=0.0,
            image=img,
            error=message,
            error_reason=reason,
            defect_rate=rate,
            window_count=n,
            ground_truth=meta.get("label"),
        )
        log.warning("QC frame %s from %s: %s", f.seq, f.source, message)
        return self._publish(self._journal_error(f, result))

    def _publish(self, result: QcResult) -> QcResult:
        with self._lock:
            self._results.append(result)
        if self._on_result is not None:
            try:
                self._on_result(result)
            except Exception:
                log.exception("QC on_result consumer failed")
        return result

    # --- journal and files ---------------------------------------------------------------------------

    def _journal(self, ev: JournalEvent) -> int | None:
        if self.journal is None:
            return None
        try:
            return int(self.journal.write_event(ev))
        except Exception as exc:
            post = getattr(self.journal, "post_event", None)
            if post is None:
                log.exception("could not journal QC event: %s", ev.message)
                return None
            # Not on disk yet: the journal keeps it and retries (its row id is not known then).
            log.warning("QC event queued for a retry (%s): %s", exc, ev.message)
            post(ev)
            return None

    def _rel(self, path: Path) -> str:
        """Paths in the journal are relative to the journal's folder, so a copied folder still opens."""
        if self.journal_dir is not None:
            try:
                return path.resolve().relative_to(self.journal_dir.resolve()).as_posix()
            except ValueError:
                pass
        return str(path)

    def _save(self, f: QcFrame, stem: str, img: np.ndarray | None) -> Path | None:
        if self.image_dir is None:
            return None
        day = datetime.fromtimestamp(f.ts).strftime("%Y-%m-%d")
        folder = self.image_dir / day
        try:
            folder.mkdir(parents=True, exist_ok=True)
            data = f.data
            if isinstance(data, bytes | bytearray) and len(data):
                # The bytes exactly as received: the evidence, not a re-encoding of it.
                ext = {b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg"}
                suffix = next((e for magic, e in ext.items() if bytes(data[: len(magic)]) == magic), ".bin")
                if img is None:
                    suffix = ".bad" + suffix
                path = folder / f"{stem}{suffix}"
                path.write_bytes(bytes(data[:MAX_SAVED_BAD_BYTES]))
            elif img is not None:
                path = folder / f"{stem}.png"
                path.write_bytes(encode_png(img))
            else:
                return None
            return path
        except OSError as exc:
            log.error("could not save QC image %s in %s: %s", stem, folder, exc)
            return None

    def _journal_defect(self, f: QcFrame, r: QcResult) -> QcResult:
        stamp = datetime.fromtimestamp(f.ts).strftime("%H%M%S")
        path = self._save(f, f"{stamp}_{f.seq:08d}_{r.label}", r.image)
        data: dict[str, Any] = {
            "seq": f.seq,
            "class": r.label,
            "score": round(r.score, 4),
            "p_defect": round(r.p_defect, 4),
            "probabilities": r.probabilities,
            "region": [round(v, 3) for v in r.region] if r.region else None,
            "image": self._rel(path) if path is not None else None,
            "model": self.label,
            "latency_ms": round(r.latency_ms, 2),
            "defect_rate_pct": round(r.defect_rate, 2),
        }
        if r.ground_truth is not None:
            data["ground_truth"] = r.ground_truth
        eid = self._journal(
            JournalEvent(
                EventKind.QC,
                f"QC reject #{f.seq}: {r.label.replace('_', ' ')} ({r.score:.0%})",
                source=f.source,
                severity=Severity.WARNING,
                data=data,
                ts=f.ts,
            )
        )
        return _replace(r, image_path=path, event_id=eid)

    def _journal_error(self, f: QcFrame, r: QcResult) -> QcResult:
        reason = r.error_reason or "error"
        now = time.monotonic()
        with self._lock:
            last, suppressed = self._error_marks.get(reason, (-math.inf, 0))
            if now - last < ERROR_JOURNAL_INTERVAL_S:
                self._error_marks[reason] = (last, suppressed + 1)
                return r
            self._error_marks[reason] = (now, 0)
        path = None
        if reason not in ("no_model", "bad_quality"):
            path = self._save(
                f, f"{datetime.fromtimestamp(f.ts).strftime('%H%M%S')}_{f.seq:08d}_error", r.image
            )
        more = f" ({suppressed} more since the last report)" if suppressed else ""
        eid = self._journal(
            JournalEvent(
                EventKind.QC,
                f"QC image #{f.seq} not inspected: {r.error}{more}",
                source=f.source,
                severity=Severity.ERROR,
                data={
                    "seq": f.seq,
                    "error": reason,
                    "message": r.error,
                    "suppressed_since_last": suppressed,
                    "image": self._rel(path) if path is not None else None,
                    "bytes": len(f.data) if isinstance(f.data, bytes | bytearray) else None,
                    "model": self.label,
                },
                ts=f.ts,
            )
        )
        return _replace(r, image_path=path, event_id=eid)

    def _send_rate(self, rate: float, status: int, ts: float) -> None:
        if self._on_batch is None or self.rate_tag is None:
            return
        now = time.time()
        batch = SampleBatch.from_columns([self.rate_tag], [ts], [math.nan], [now], [rate], [status])
        try:
            self._on_batch(batch)
        except Exception:
            log.exception("QC defect-rate sample not delivered")


def _replace(r: QcResult, **kw: Any) -> QcResult:
    import dataclasses

    return dataclasses.replace(r, **kw)
