"""The online fault predictor: sample batches in, per-machine risk / RUL and advisories out.

Advisories are *not* alarms: they never go through the ISA-18.2 alarm engine
and never count in alarm KPIs. They are journaled as ``EventKind.ADVISORY``
with the model's name and version and the signals that drove the risk.

Use (one thread, like the alarm engine)::

    predictor = FaultPredictor(config)                # never raises for a bad model
    for adv in predictor.process(batch): journal(adv.to_event())
    for adv in predictor.tick(): journal(adv.to_event())   # ~1 Hz: no-data detection
    predictor.status()            # {machine: MachineRisk} for the faceplates (any thread)
    predictor.take_pseudo_samples()  # [(ts, "filler.fault_risk", 37.5), ...] for trend pens

How it works: each machine's signals are resampled to a 1 s grid in process
time (sample and hold of the latest value, NaN for Bad quality or a data
gap); every ``predict_every_s`` the last WINDOW_S seconds of every machine go
through ``window_features`` and one batched ONNX Runtime call. A machine that
is not running gets no prediction (its advisory state holds); a machine
whose sensor reads Bad gets a problem advisory naming the signal, and the
other machines carry on. A model that is missing, corrupt or throws gives an
advisory naming the model and the problem; the HMI keeps running.

Top contributing signals (occlusion): for an elevated machine the model is
re-run with one signal's features replaced by that machine's healthy
reference (medians of healthy training windows, stored in the card); the drop
in risk is that signal's contribution. It answers "would the risk be lower if
this signal looked healthy?", which is what a supervisor asks.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from hmi.core.config import LineConfig
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.quality import BAD, BAD_WAITING_FOR_INITIAL_DATA, is_gap_status
from hmi.core.samples import SampleBatch
from inference.fault.features import (
    OK,
    REASON_SIGNAL,
    REASON_WINDOW_S,
    S_STATE,
    SENSOR_REASONS,
    SIGNAL_GROUPS,
    SIGNALS,
    TOO_LITTLE_DATA,
    TRIP_TEMP_C,
    WAITING,
    WINDOW_S,
    reason_text,
    window_features,
)
from inference.fault.readout_text import (
    RUNNING,
    MachineRisk,
    fmt_rul,
    hms,
    horizon_s,
    refresh_s,
    rul_limits,
    rul_text,
)
from inference.fault.warning import WarningLogic
from inference.model_card import ModelError
from inference.onnx_model import LoadedModel, load_model

log = logging.getLogger(__name__)

DEFAULT_CARD = Path(__file__).resolve().parents[2] / "resources" / "models" / "fault_predictor.card.json"
RISK_SUFFIX = "fault_risk"  # pseudo-tag "<machine>.fault_risk", percent
RUL_SUFFIX = "predicted_rul"  # pseudo-tag "<machine>.predicted_rul", seconds
MAX_HOLD_GAP_S = 10.0  # a longer silence of the whole feed is a data gap, not a held value
NO_DATA_AFTER_S = 15.0  # tick(): wall seconds without any batch before machines read "no data"
# A machine restarted after one of these starts afresh: its window is emptied and a standing
# advisory is cleared (journaled), so the readout waits for new running data instead of showing
# the prediction of the failure that stopped it (qa9 Q9-1: "risk 100 % / RUL 16 s" minutes after
# the filler ran again). An idle machine (blocked or starved) keeps its window and its advisory:
# its bearing is the same one (QA5 F6).
RESTART_AFTER = ("Faulted", "Stopped")


def failure_mode_text(mode: str) -> str:
    """'bearing_failure' -> 'bearing failure', 'overheat (bearing)' -> 'bearing overheat'."""
    m = mode.replace("_", " ").strip()
    if m.endswith(")") and "(" in m:
        head, _, tail = m[:-1].partition("(")
        m = f"{tail.strip()} {head.strip()}"
    return m


def model_scope(extra: dict[str, Any]) -> tuple[str, str]:
    """(what the model predicts, the failure modes it covers) from a card's `extra`: the faceplate's
    readout and the assistant's answers say both. A card whose failure_modes is missing, null or holds
    non-text covers nothing named."""
    modes = extra.get("failure_modes") or []
    covers = ", ".join(failure_mode_text(m) for m in modes if isinstance(m, str))
    return str(extra.get("predicts") or "failure"), covers


def pseudo_tag_names(machines: list[str]) -> list[str]:
    return [f"{m}.{s}" for m in machines for s in (RISK_SUFFIX, RUL_SUFFIX)]


@dataclass(frozen=True)
class MachineSignals:
    machine: str
    name: str  # display name
    tags: tuple[int, ...]  # tag index per SIGNALS entry
    nominal_speed: float
    trip_temp: float


@dataclass(frozen=True)
class Advisory:
    kind: str  # raised | cleared | problem | resolved | model_loaded | model_unavailable | model_error
    machine: str  # machine id, "" for model-wide advisories
    ts: float
    message: str
    severity: Severity = Severity.INFO
    risk: float = math.nan
    rul_s: float = math.nan
    threshold: float = math.nan
    model: str = ""
    version: str = ""
    provider: str = ""
    top_signals: tuple[tuple[str, float], ...] = ()

    def to_event(self) -> JournalEvent:
        data: dict[str, Any] = {
            "advisory": self.kind,
            "machine": self.machine,
            "model": self.model,
            "version": self.version,
            "provider": self.provider,
        }
        for k in ("risk", "rul_s", "threshold"):
            v = getattr(self, k)
            if not math.isnan(v):
                data[k] = round(float(v), 4)
        if self.top_signals:
            data["top_signals"] = [{"signal": s, "contribution": round(c, 3)} for s, c in self.top_signals]
        return JournalEvent(
            EventKind.ADVISORY,
            self.message,
            source=self.machine or "fault_predictor",
            severity=self.severity,
            data=data,
            ts=self.ts,
        )


def resolve_machines(
    config: LineConfig,
    extra: dict[str, Any],
    nominal_speed: dict[str, float] | None = None,
) -> tuple[list[MachineSignals], list[str]]:
    """Which tags feed the model per machine; machines that cannot be served come back as problems."""
    index = config.tag_index()
    nominal_cfg = {**extra.get("nominal_speed", {}), **(nominal_speed or {})}
    trips = extra.get("trip_temp_c", {})
    out: list[MachineSignals] = []
    problems: list[str] = []
    for m in config.machines:
        names = {t.name for t in config.machine_tags(m.id)}
        found: dict[str, str] = {"state": m.state_tag, "speed": m.speed_tag}
        for sig in ("motor_current", "bearing_temp", "vibration"):
            cand = f"{m.id}.{sig}"
            if cand not in index:
                cand = next((n for n in sorted(names) if n.endswith("." + sig)), "")
            found[sig] = cand
        missing = [s for s in SIGNALS if not found.get(s) or found[s] not in index]
        if missing:
            problems.append(f"{m.name}: no fault prediction, the line config has no {', '.join(missing)} tag")
            continue
        nominal = nominal_cfg.get(m.id)
        if nominal is None:
            band = config.tag(found["speed"]).normal
            nominal = 0.5 * (band[0] + band[1]) if band else None
        if not nominal or nominal <= 0:
            problems.append(
                f"{m.name}: no fault prediction, nominal speed unknown (give the speed tag a normal band)"
            )
            continue
        out.append(
            MachineSignals(
                m.id,
                m.name,
                tuple(index[found[s]] for s in SIGNALS),
                float(nominal),
                float(trips.get(m.id, TRIP_TEMP_C)),
            )
        )
    return out, problems


@dataclass
class _MachineState:
    sig: MachineSignals
    logic: WarningLogic
    risk: MachineRisk
    reason: int = -1
    last_problem: str = ""
    down_state: str = ""  # the last not-running state seen at a prediction ("" while running)
    restarted_at: float = math.nan  # wall time of a restart after RESTART_AFTER, until a prediction


@dataclass
class _Grid:
    length: int
    n_machines: int
    values: np.ndarray = field(init=False)  # (M, S, L) ring, oldest first after `window()`
    pos: int = 0
    filled: int = 0

    def __post_init__(self) -> None:
        self.values = np.full((self.n_machines, len(SIGNALS), self.length), np.nan)

    def push(self, snapshot: np.ndarray) -> None:
        self.values[:, :, self.pos] = snapshot
        self.pos = (self.pos + 1) % self.length
        self.filled = min(self.filled + 1, self.length)

    def window(self) -> np.ndarray:
        return np.roll(self.values, -self.pos, axis=2)

    def forget_running(self, row: int, g: float, since_p: float) -> None:
        """Row `row`'s grid points before process time `since_p` no longer count as running (their
        state is unknown); the latest point is at process time `g`. Only the state is forgotten: the
        sensors' values stay, so the window's sensor checks do not read a restart as a bad sensor."""
        after = min(self.length, max(0, math.floor(g - since_p) + 1))
        idx = (self.pos + np.arange(self.length - after)) % self.length
        self.values[row, S_STATE, idx] = np.nan

    def clear(self) -> None:
        self.values[:] = np.nan
        self.filled = 0


class FaultPredictor:
    """Per-machine failure risk and RUL from a line's sample batches (see the module docstring)."""

    def __init__(
        self,
        config: LineConfig,
        card_path: Path | str | None = DEFAULT_CARD,
        *,
        model: LoadedModel | None = None,
        # CPU by design: ONNX Runtime has no CUDA kernels for tree ensembles, so on a CUDA provider
        # only the sigmoid/exp would move to the GPU, with a copy each way. LINEHMI_DEVICE overrides.
        prefer: str = "cpu",
        time_scale: float = 1.0,
        nominal_speed: dict[str, float] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (time_scale > 0 and math.isfinite(time_scale)):
            raise ValueError(f"time_scale must be a positive number, got {time_scale!r}")
        self.config = config
        self.time_scale = float(time_scale)
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: list[Advisory] = []
        self._samples: list[tuple[float, str, float]] = []
        self.model: LoadedModel | None = model
        self.problem = ""
        if self.model is None:
            try:
                self.model = load_model(card_path if card_path is not None else DEFAULT_CARD, prefer=prefer)
            except ModelError as exc:
                self.problem = str(exc)
            except Exception as exc:  # onnxruntime missing or broken: still never take the HMI down
                self.problem = f"fault model could not be loaded: {exc}"
        if self.problem:
            # README: a disabled part says so in the log, on screen (advisory) and in the journal
            log.error("fault prediction unavailable, the HMI runs without it: %s", self.problem)
        extra = self.model.card.extra if self.model else {}
        self.horizon_s = horizon_s(extra)
        self.threshold_on = float(extra.get("threshold_on", 0.7))
        self.rul_cap_s, self.threshold_off = rul_limits(extra)
        self.predict_every_s = float(extra.get("predict_every_s", 2.0))
        self.refresh_s = refresh_s(extra, self.time_scale)
        self._confirm = int(extra.get("confirm", 2))
        self._clear_hold_s = float(extra.get("clear_hold_s", 30.0))
        self._reference = {
            k: np.asarray(v, dtype=np.float32) for k, v in extra.get("healthy_reference", {}).items()
        }
        groups = extra.get("signal_groups", {k: list(v) for k, v in SIGNAL_GROUPS.items()})
        self._groups = {k: np.asarray(v, dtype=np.int64) for k, v in groups.items()}
        # Card metrics are informative only: a missing or mistyped entry never stops the model.
        seen = (self.model.card.metrics.get("test_seen") or {}).get("model") if self.model else None
        rmse = seen.get("rul_rmse_s") if isinstance(seen, dict) else None
        self.rul_rmse_s = (
            float(rmse) if isinstance(rmse, int | float) and not isinstance(rmse, bool) else math.nan
        )
        self.predicts, self.covers = model_scope(extra)
        self.machines, setup_problems = resolve_machines(config, extra, nominal_speed)
        now = self._clock()
        label = self.model.label if self.model else ""
        self._state: dict[str, _MachineState] = {}
        for ms in self.machines:
            self._state[ms.machine] = _MachineState(
                ms,
                WarningLogic(self.threshold_on, self.threshold_off, self._confirm, self._clear_hold_s),
                MachineRisk(
                    ms.machine,
                    math.nan,
                    math.nan,
                    math.nan,
                    False,
                    "model unavailable" if self.model is None else "waiting for data",
                    (),
                    label,
                    **self._scope(),
                ),
            )
        if self.model is None:
            self._pending.append(
                Advisory(
                    "model_unavailable",
                    "",
                    now,
                    f"Fault prediction unavailable: {self.problem}. The HMI runs without it.",
                    Severity.ERROR,
                )
            )
        else:
            self._pending.append(
                Advisory(
                    "model_loaded",
                    "",
                    now,
                    f"Fault prediction: {label} (warns at {self.threshold_on:.0%} risk of failure "
                    f"within {self.horizon_s:g} s; {len(self.machines)} machines)",
                    model=self.model.card.name,
                    version=self.model.card.version,
                    provider=self.model.provider,
                )
            )
        for p in setup_problems:
            self._pending.append(Advisory("problem", "", now, p, Severity.WARNING))
        # tag index -> (machine slot, signal) for the samples that matter
        n_tags = len(config.tags)
        self._slot = np.full(n_tags, -1, dtype=np.int64)
        self._signal = np.full(n_tags, -1, dtype=np.int64)
        for i, ms in enumerate(self.machines):
            for j, t in enumerate(ms.tags):
                self._slot[t] = i
                self._signal[t] = j
        self._latest = np.full((len(self.machines), len(SIGNALS)), np.nan)
        # Process time of each signal's first real sample (not "waiting for initial data", not "no
        # connection"): before it, a NaN means "nothing yet", not "the sensor reads bad".
        self._first_real = np.full((len(self.machines), len(SIGNALS)), np.nan)
        # Each machine's state value and the wall time it took it (the readout says "Faulted at").
        self._state_value = np.full(len(self.machines), np.nan)
        self._state_since = np.full(len(self.machines), np.nan)
        self._state_tags = [config.tags[ms.tags[S_STATE]] for ms in self.machines]
        self._grid = _Grid(WINDOW_S, len(self.machines))
        self._next_grid: float | None = None  # process time of the next grid point
        self._last_p: float | None = None  # latest process time seen
        self._next_predict = -math.inf
        self._last_batch_wall = now
        self._no_data = False
        self._model_error = ""
        self._model_error_at = -math.inf
        self.predictions = 0

    # --- queries (any thread) ------------------------------------------------------------------

    def _scope(self) -> dict[str, Any]:
        """The MachineRisk fields that say what the numbers are about."""
        return {
            "predicts": self.predicts,
            "covers": self.covers,
            "horizon_s": self.horizon_s,
            "rul_cap_s": self.rul_cap_s,
            "rul_min_risk": self.threshold_off,
            "refresh_s": self.refresh_s,
            "warn_risk": self.threshold_on,
        }

    @property
    def label(self) -> str:
        """For the status bar: "fault_predictor 1.0.0 on CPU" or why there is none."""
        return self.model.label if self.model else f"fault prediction unavailable ({self.problem})"

    @property
    def available(self) -> bool:
        return self.model is not None

    def status(self) -> dict[str, MachineRisk]:
        """Each machine's latest prediction, with its state as of the latest batch (a trip reads as
        one at once, not at the next prediction: the readout never counts down a stopped machine)."""
        with self._lock:
            out = {}
            for i, (m, s) in enumerate(self._state.items()):
                state = self._state_tags[i].state_label(self._state_value[i])
                since = float(self._state_since[i])
                r = s.risk
                if state != "?" and (state, since) != (r.machine_state, r.state_since):
                    r = replace(r, machine_state=state, state_since=since)
                out[m] = r
            return out

    def take_pseudo_samples(self) -> list[tuple[float, str, float]]:
        """(wall ts, "<machine>.fault_risk" in % | "<machine>.predicted_rul" in s, value) since the last call."""
        with self._lock:
            out, self._samples = self._samples, []
        return out

    def pseudo_batch(self, tag_index: dict[str, int]) -> SampleBatch:
        """The pseudo-tag samples as a SampleBatch for tags present in ``tag_index`` (others dropped)."""
        rows = [(tag_index[n], ts, v) for ts, n, v in self.take_pseudo_samples() if n in tag_index]
        if not rows:
            return SampleBatch.empty()
        idx, ts, val = zip(*rows, strict=True)
        now = self._clock()
        return SampleBatch.from_columns(idx, ts, ts, [now] * len(idx), val, [0] * len(idx))

    # --- data (one thread) ---------------------------------------------------------------------

    def process(self, batch: SampleBatch) -> list[Advisory]:
        out, self._pending = self._pending, []
        if self.model is None or not self.machines or len(batch) == 0:
            return out
        self._last_batch_wall = self._clock()
        if self._no_data:
            self._no_data = False
        tag_idx = batch.tag_idx.astype(np.int64)
        ok = (tag_idx >= 0) & (tag_idx < self._slot.shape[0])
        rows = np.flatnonzero(ok)
        rows = rows[self._slot[tag_idx[rows]] >= 0]
        if rows.size == 0:
            return out
        p = batch.source_ts[rows] * self.time_scale
        fin = np.isfinite(p)
        rows, p = rows[fin], p[fin]
        if rows.size == 0:
            return out
        order = np.argsort(p, kind="stable")
        rows, p = rows[order], p[order]
        slot = self._slot[tag_idx[rows]]
        sig = self._signal[tag_idx[rows]]
        status = batch.status[rows]
        val = np.where(status & BAD, np.nan, batch.value[rows])
        real = ((status & 0xFFFF0000) != BAD_WAITING_FOR_INITIAL_DATA) & ~is_gap_status(status)
        np.fmin.at(self._first_real, (slot[real], sig[real]), p[real])
        for k_ in np.flatnonzero((sig == S_STATE) & real & np.isfinite(val)):
            i_, v_ = int(slot[k_]), float(val[k_])
            if v_ != self._state_value[i_]:
                with self._lock:
                    self._state_value[i_] = v_
                    self._state_since[i_] = float(p[k_]) / self.time_scale

        if self._next_grid is None:
            self._next_grid = math.floor(p[0]) + 1.0
        elif self._last_p is not None and p[0] - self._last_p > MAX_HOLD_GAP_S:
            # The feed was silent: what happened meanwhile is unknown, not the held values.
            gap_end = math.floor(p[0])
            steps = int(gap_end - self._next_grid) + 1
            if steps >= WINDOW_S:
                self._grid.clear()
            else:
                nan = np.full_like(self._latest, np.nan)
                for _ in range(max(0, steps)):
                    self._grid.push(nan)
            self._next_grid = gap_end + 1.0
            # The held values stay: after a reconnect the subscription resends every value anyway,
            # and a quiet feed (nothing changed) is not a reason to forget them.
            with self._lock:
                for st in self._state.values():
                    st.risk = _without_prediction(st, "data gap")
        k = 0
        n = rows.size
        p_last = float(p[-1])
        predict_due = False
        while self._next_grid <= p_last:
            g = self._next_grid
            k2 = int(np.searchsorted(p, g, side="right"))
            if k2 > k:
                self._latest[slot[k:k2], sig[k:k2]] = val[k:k2]
                k = k2
            self._grid.push(self._latest)
            if g >= self._next_predict:
                predict_due = True
            self._next_grid = g + 1.0
        if k < n:
            self._latest[slot[k:], sig[k:]] = val[k:]
        self._last_p = p_last if self._last_p is None else max(self._last_p, p_last)
        if predict_due:
            g_last = self._next_grid - 1.0
            self._next_predict = g_last + self.predict_every_s
            out += self._predict(g_last)
        return out

    def tick(self, now: float | None = None) -> list[Advisory]:
        """Call about once a second: model-wide advisories, and machines read "no data" when the feed stops."""
        out, self._pending = self._pending, []
        now = self._clock() if now is None else float(now)
        if self.model is not None and not self._no_data and now - self._last_batch_wall > NO_DATA_AFTER_S:
            self._no_data = True
            with self._lock:
                for st in self._state.values():
                    st.risk = _without_prediction(st, "no data")
        return out

    # --- prediction ----------------------------------------------------------------------------

    def _predict(self, g: float) -> list[Advisory]:
        assert self.model is not None
        out: list[Advisory] = []
        wall = g / self.time_scale
        states = [t.state_label(v) for t, v in zip(self._state_tags, self._state_value, strict=True)]
        out += self._restarts(states, wall, g)
        windows = self._grid.window()
        nominal = np.array([m.nominal_speed for m in self.machines])
        trips = np.array([m.trip_temp for m in self.machines])
        wf = window_features(windows, nominal, trips)
        valid = np.flatnonzero(wf.reason == OK)
        risk = np.full(len(self.machines), np.nan)
        rul = np.full(len(self.machines), np.nan)
        contrib: dict[int, list[tuple[str, float]]] = {}
        if valid.size:
            try:
                risk_v, rul_v, contrib = self._run_model(wf.x, valid)
                risk[valid] = risk_v
                rul[valid] = rul_v
                if self._model_error:
                    out.append(
                        self._model_advisory("resolved", wall, f"fault model {self.model.label} works again")
                    )
                    self._model_error = ""
            except Exception as exc:  # ModelError (bad input) or anything the runtime throws
                msg = str(exc) if isinstance(exc, ModelError) else f"model {self.model.name!r}: {exc!r}"
                log.warning("fault prediction failed: %s", msg)
                # Once per distinct problem (and at most once a minute): a broken model must not flood.
                if msg != self._model_error or wall - self._model_error_at > 60.0:
                    out.append(
                        self._model_advisory(
                            "model_error", wall, f"Fault prediction failed: {msg}", Severity.ERROR
                        )
                    )
                    self._model_error_at = wall
                self._model_error = msg
                valid = np.array([], dtype=np.int64)
        self.predictions += 1
        card = self.model.card
        label = self.model.label
        samples: list[tuple[float, str, float]] = []
        with self._lock:
            for i, ms in enumerate(self.machines):
                st = self._state[ms.machine]
                reason = self._not_yet_real(i, int(wf.reason[i]), g)
                if self._model_error and reason == OK:
                    status = "model error"
                else:
                    status = "ok" if reason == OK else reason_text(reason)
                if reason == OK:
                    st.restarted_at = math.nan
                elif reason == TOO_LITTLE_DATA and not math.isnan(st.restarted_at):
                    status = f"waiting for running data since {hms(st.restarted_at)}"
                since = float(self._state_since[i])
                # Sensor problems are advisories (once per change); "not running" is just a status.
                if reason in SENSOR_REASONS and reason != st.reason:
                    text = f"{ms.name}: no fault prediction, {reason_text(reason)}"
                    out.append(self._advisory("problem", ms, wall, text, Severity.WARNING))
                    st.last_problem = text
                elif reason not in SENSOR_REASONS and st.last_problem:
                    out.append(
                        self._advisory("resolved", ms, wall, f"{ms.name}: fault prediction back ({status})")
                    )
                    st.last_problem = ""
                st.reason = reason
                top = tuple(contrib.get(i, ()))
                if i in valid:
                    r, u = float(risk[i]), float(rul[i])
                    ev = st.logic.update(g, r)
                    if ev == "raised":
                        why = (
                            ", ".join(f"{s.replace('_', ' ')} +{c:.2f}" for s, c in top) or "no single signal"
                        )
                        err = (
                            ""
                            if math.isnan(self.rul_rmse_s)
                            else f" (typical error ±{fmt_rul(self.rul_rmse_s)})"
                        )
                        life = rul_text(u, self.rul_cap_s, r, self.threshold_off)
                        text = (
                            f"{ms.name}: failure predicted, risk {r:.0%} of failure within "
                            f"{fmt_rul(self.horizon_s)}, remaining life about {life}{err}; "
                            f"top signals: {why} ({label})"
                        )
                        out.append(self._advisory("raised", ms, wall, text, Severity.WARNING, r, u, top))
                    elif ev == "cleared":
                        text = f"{ms.name}: failure advisory cleared, risk {r:.0%} ({label})"
                        out.append(self._advisory("cleared", ms, wall, text, Severity.INFO, r, u, top))
                    st.risk = MachineRisk(
                        ms.machine,
                        wall,
                        r,
                        u,
                        st.logic.active,
                        status,
                        top,
                        label,
                        **self._scope(),
                        machine_state=states[i],
                        state_since=since,
                    )
                    samples.append((wall, f"{ms.machine}.{RISK_SUFFIX}", 100.0 * r))
                    samples.append((wall, f"{ms.machine}.{RUL_SUFFIX}", u))
                else:
                    # No prediction now (the machine stopped, too little running data). A standing
                    # advisory keeps the prediction that raised it, with that prediction's time, so
                    # the ADVISORY box always shows the figure behind it (QA5 F6: "ADVISORY · risk —
                    # RUL —" right after "failure predicted, risk 90 %" was journaled).
                    keep = st.logic.active and not math.isnan(st.risk.risk)
                    st.risk = MachineRisk(
                        ms.machine,
                        st.risk.ts if keep else wall,
                        st.risk.risk if keep else math.nan,
                        st.risk.rul_s if keep else math.nan,
                        st.logic.active,
                        status,
                        st.risk.top_signals,
                        label,
                        **self._scope(),
                        machine_state=states[i],
                        state_since=since,
                    )
            self._samples.extend(samples)
            if len(self._samples) > 100_000:  # nobody is draining: keep the newest
                del self._samples[:-50_000]
        del card
        return out

    def _restarts(self, states: list[str], wall: float, g: float) -> list[Advisory]:
        """Machines running again after one of RESTART_AFTER start afresh (see RESTART_AFTER): the
        window forgets the run before the stop, a standing advisory is cleared and journaled so."""
        out: list[Advisory] = []
        for i, ms in enumerate(self.machines):
            st = self._state[ms.machine]
            if states[i] in RESTART_AFTER and st.down_state != RESTART_AFTER[0]:
                st.down_state = states[i]  # a fault is what the restart follows, also if stopped after it
            elif states[i] == RUNNING and st.down_state:
                st.restarted_at = float(self._state_since[i])
                self._grid.forget_running(i, g, st.restarted_at * self.time_scale)
                if st.logic.active:
                    at = f"restarted at {hms(st.restarted_at)} after {st.down_state.lower()}"
                    text = (
                        f"{ms.name}: failure advisory cleared, {at}; the model predicts afresh "
                        f"once it has new running data ({self.model.label if self.model else ''})"
                    )
                    out.append(self._advisory("cleared", ms, wall, text, Severity.INFO))
                st.logic.reset()
                st.down_state = ""
                with self._lock:
                    st.risk = replace(st.risk, risk=math.nan, rul_s=math.nan, advisory_active=False)
        return out

    def _not_yet_real(self, i: int, reason: int, g: float) -> int:
        """A sensor reason only once the signal has had REASON_WINDOW_S of real samples: right
        after start (values "waiting for initial data") the window's NaNs are "nothing yet", and
        "speed reads bad/NaN" then was a false warning about machines that were connected."""
        if reason not in SENSOR_REASONS:
            return reason
        first = self._first_real[i, REASON_SIGNAL[reason]]
        return WAITING if math.isnan(first) or g - first < REASON_WINDOW_S else reason

    def _run_model(
        self, x: np.ndarray, valid: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, dict[int, list[tuple[str, float]]]]:
        assert self.model is not None
        xv = x[valid]
        first = self.model.run({"features": np.ascontiguousarray(xv)})
        risk = first["risk"][:, 0].astype(np.float64)
        rul = first["rul_s"][:, 0].astype(np.float64)
        # Occlusion for elevated machines only: normally this second call does not happen.
        elevated = [k for k in range(valid.size) if risk[k] >= self.threshold_off]
        contrib: dict[int, list[tuple[str, float]]] = {}
        if elevated and self._reference:
            names = list(self._groups)
            rows = []
            for k in elevated:
                m = self.machines[int(valid[k])].machine
                ref = self._reference.get(m, self._reference.get("*"))
                if ref is None:
                    continue
                for gname in names:
                    r = xv[k].copy()
                    idx = self._groups[gname]
                    r[idx] = ref[idx]
                    rows.append(r)
            if rows:
                occ = self.model.run({"features": np.stack(rows).astype(np.float32)})["risk"][:, 0]
                for j, k in enumerate(elevated):
                    drops = [(names[q], float(risk[k] - occ[j * len(names) + q])) for q in range(len(names))]
                    drops = sorted((d for d in drops if d[1] >= 0.02), key=lambda d: -d[1])[:3]
                    contrib[int(valid[k])] = drops
        return risk, rul, contrib

    def _advisory(
        self,
        kind: str,
        ms: MachineSignals,
        ts: float,
        text: str,
        severity: Severity = Severity.INFO,
        risk: float = math.nan,
        rul: float = math.nan,
        top: tuple[tuple[str, float], ...] = (),
    ) -> Advisory:
        assert self.model is not None
        c = self.model.card
        return Advisory(
            kind, ms.machine, ts, text, severity, risk, rul, self.threshold_on, c.name, c.version,
            self.model.provider, top,
        )  # fmt: skip

    def _model_advisory(
        self, kind: str, ts: float, text: str, severity: Severity = Severity.INFO
    ) -> Advisory:
        assert self.model is not None
        c = self.model.card
        return Advisory(
            kind, "", ts, text, severity, model=c.name, version=c.version, provider=self.model.provider
        )


def _without_prediction(st: _MachineState, status: str) -> MachineRisk:
    """No prediction now: a standing advisory keeps the figure that raised it (with its time: the
    readout marks it old), anything else has none."""
    keep = st.logic.active and not math.isnan(st.risk.risk)
    if keep:
        return replace(st.risk, status=status)
    return replace(st.risk, status=status, risk=math.nan, rul_s=math.nan)
