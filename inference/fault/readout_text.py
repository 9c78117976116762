"""How a fault prediction reads, wherever it is read: the faceplate's readout, the assistant's risk
answers, the shift handover and the advisory messages. One home for each rule (qa9 Q9-1, Q9-2):

- a remaining life is stated only where the risk supports it (the card's ``threshold_off``): below
  it "not stated below 30% risk" whatever the regressor says, at its cap too (qa11 Q11-4: 0 % read
  "> 10 min" and 4 % "not stated"); where stated, "> 10 min" at the model's cap, else a countdown;
- what the figure means (the failure it predicts, the time it looks ahead, the risk an advisory is
  raised at) is one sentence, `meaning_text`: the faceplate's tooltip and tap;
- a machine that is not running gets no prediction, and its readout says what it is doing, from
  its state and since when ("Faulted at 12:03:45"), never a countdown (the filler read
  "Bearing failure risk 100% / ADVISORY RUL 16 s" for minutes after its bearing trip, qa9 Q9-1);
- a figure older than the model's refresh (a standing advisory's figure kept while no newer
  prediction can be made, or a feed that went quiet) is marked "(old, 12:03:41)" with its time, and
  its countdown is withdrawn: a countdown that does not count is not a remaining life;
- with no figure the readout says why in a few words ("waiting for data").

Qt-free: the widget (widgets.advisory_readout) lays these texts out, the assistant's fault_risk
tool writes them into its sentences, and tests compare the two for the same state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inference.fault.features import NOT_RUNNING, reason_text

DEFAULT_RUL_CAP_S = 600.0
# The RUL regressor never quite reaches its cap (it learns ln(RUL + offset)): within this share of
# the cap a prediction means "at the cap", and is shown as "> cap", never as "9 min 57 s".
RUL_AT_CAP_SHARE = 0.05
# A finite remaining life is stated only when the failure risk is at least the advisory's clear
# threshold (the card's threshold_off): below it the classifier says a failure is not to be
# expected, and a countdown from the regressor (typical error ±2-4 min) contradicted it: the
# filler read "risk 0 % · RUL 5 min 21 s" next to machines reading "> 10 min".
DEFAULT_RUL_MIN_RISK = 0.3
DEFAULT_REFRESH_S = 2.0  # the card's predict_every_s (process seconds) when a card does not say
# A prediction is old when it is older than this many refreshes plus the feed's own delay (the
# OPC UA publishing interval and the bridge): one missed prediction is not yet "old", three are.
OLD_AFTER_REFRESHES = 3
FEED_DELAY_S = 2.0
RUNNING = "Running"  # the state tag's label of inference.fault.features.RUNNING
NOT_RUNNING_STATUS = reason_text(NOT_RUNNING)
LAST_KNOWN = "(last known)"  # a figure kept from before the link went


def fmt_rul(s: float) -> str:
    """A duration as a remaining life is written: '2 min', '2 min 05 s', '42 s'."""
    if math.isnan(s):
        return "?"
    s = max(0.0, s)
    if s >= 60 and round(s) % 60 == 0:
        return f"{round(s) // 60} min"
    return f"{int(s // 60)} min {int(s % 60):02d} s" if s >= 60 else f"{s:.0f} s"


def rul_text(
    rul_s: float,
    cap_s: float = DEFAULT_RUL_CAP_S,
    risk: float | None = None,
    min_risk: float = DEFAULT_RUL_MIN_RISK,
) -> str:
    """A predicted remaining life as the operator reads it: with `risk` given, stated only when the
    risk supports it (>= `min_risk`), else why not, one wording for every low risk; where stated,
    "> 10 min" at the model's cap, else the countdown."""
    if math.isnan(rul_s):
        return "—"
    if risk is not None and not risk >= min_risk:  # NaN risk: no support either
        return f"not stated below {min_risk:.0%} risk"
    if rul_s >= cap_s * (1.0 - RUL_AT_CAP_SHARE):
        return f"> {fmt_rul(cap_s)}"
    s = max(0, round(rul_s))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def rul_limits(extra: dict[str, Any]) -> tuple[float, float]:
    """(the RUL cap in s, the least risk a countdown is stated at) from a card's `extra`: the
    predictor's faceplate readout and the assistant's risk answers word a remaining life with them."""
    settings = extra.get("train_settings") or {}
    return float(settings.get("rul_max_s") or DEFAULT_RUL_CAP_S), float(extra.get("threshold_off", 0.42))


def refresh_s(extra: dict[str, Any], time_scale: float = 1.0) -> float:
    """Wall seconds between two predictions of a machine: the card's predict_every_s is process time."""
    return float(extra.get("predict_every_s", DEFAULT_REFRESH_S)) / time_scale


DEFAULT_HORIZON_S = 120.0  # the card's horizon_s (risk = P(failure within it)) when a card does not say


def horizon_s(extra: dict[str, Any]) -> float:
    """The time a predicted risk looks ahead, from a card's `extra` (the predictor's and the assistant's)."""
    return float(extra.get("horizon_s", DEFAULT_HORIZON_S))


NOT_COVERED = "other faults (jams, heaters, sensors) are not covered"


def scope_text(predicts: str, covers: str, horizon: float = math.nan) -> str:
    """What the fault model predicts and what it does not cover, as the faceplate's tooltip and the
    assistant's answer both say it (one home): "Predicts bearing failure, bearing overheat within
    2 min; other faults (jams, heaters, sensors) are not covered"."""
    within = f" within {fmt_rul(horizon)}" if math.isfinite(horizon) else ""
    return f"Predicts {covers or predicts}{within}; {NOT_COVERED}"


def old_after_s(refresh: float) -> float:
    """How old a prediction may be before it is marked old (see OLD_AFTER_REFRESHES)."""
    r = refresh if refresh > 0 and math.isfinite(refresh) else DEFAULT_REFRESH_S
    return OLD_AFTER_REFRESHES * r + FEED_DELAY_S


def hms(t: float) -> str:
    """'12:03:41', the screen's local time (the default time format of every readout text)."""
    return time.strftime("%H:%M:%S", time.localtime(t))


@dataclass(frozen=True)
class MachineRisk:
    """What the faceplate shows for one machine."""

    machine: str
    ts: float  # wall time of the prediction (source clock); NaN before the first
    risk: float  # 0..1, NaN when there is no prediction
    rul_s: float  # NaN when there is no prediction
    advisory_active: bool
    status: str  # "ok", "machine not running", "vibration reads bad/NaN", "model unavailable", ...
    top_signals: tuple[tuple[str, float], ...] = ()
    model: str = ""  # "fault_predictor 1.0.0 on CPU"
    # What the model predicts: the faceplate names it, so "0 %" never reads as "nothing can fail".
    predicts: str = "failure"  # e.g. "bearing failure"
    covers: str = ""  # e.g. "bearing failure, bearing overheat"
    horizon_s: float = math.nan  # risk = P(failure within this time)
    rul_cap_s: float = DEFAULT_RUL_CAP_S  # the model's RUL output is capped here
    rul_min_risk: float = DEFAULT_RUL_MIN_RISK  # below this risk no countdown is stated
    # The machine's state (its state tag's label, "Faulted") and since when (wall time, NaN unknown):
    # a machine that is not running reads as such, not as a prediction.
    machine_state: str = ""
    state_since: float = math.nan
    refresh_s: float = DEFAULT_REFRESH_S  # wall seconds between predictions (older: "old")
    warn_risk: float = math.nan  # the advisory is raised at this risk (the card's threshold_on)

    @property
    def rul_text(self) -> str:
        return rul_text(self.rul_s, self.rul_cap_s, self.risk, self.rul_min_risk)


def _short(status: str) -> str:
    """A no-figure status in the few words the readout's second line has room for."""
    s = status.lower()
    if "waiting" in s or "too little" in s or status == NOT_RUNNING_STATUS:  # (it runs again)
        return "waiting for data"
    if "reads bad" in s:
        return status.split(" reads", 1)[0] + " bad"
    if "model" in s:
        return "model error" if "error" in s else "no model"
    return status


@dataclass(frozen=True)
class Readout:
    """A prediction as it reads: the pieces every reader puts into its own sentence."""

    caption: str  # "Bearing failure risk"
    risk: str  # "12%" or "—"
    old: str  # "(old, 12:03:41)" or ""
    life: str  # "> 10 min", "1 min 35 s", "not stated below 30% risk", "—"
    down: str  # "Faulted at 12:03:45" or "" (the machine runs)
    note: str  # why there is no figure, short ("waiting for data") or ""
    why: str  # the longer line: the reasons, the model's scope, what the old figure is
    active: bool  # an advisory stands (the ADVISORY badge)
    state: str = ""  # the machine's state when it is not running ("Changeover"), else ""

    @property
    def risk_line(self) -> str:
        """The faceplate's first line: "Bearing failure risk 100% (old)" (the old figure's time is on
        the second line, or for a machine that is not running in the why line: at 280 px the whole
        "(old, 12:03:41)" beside the caption did not fit)."""
        return f"{self.caption} {self.risk}" + (" (old)" if self.old else "")

    @property
    def rul_line(self) -> str:
        """The faceplate's second line: the remaining life, or what the machine is doing."""
        if self.down:
            return self.down
        if self.old:
            return f"RUL — {self.old}"
        return f"RUL {self.life}" + (f" ({self.note})" if self.note else "")

    @property
    def last_known_line(self) -> str:
        """The second line of a faceplate's summary while the link is lost: marked last known, in
        the room of a 280 px faceplate (qa12 Q12-8: "RUL not stated below 30% risk (last known)" was
        cut at the card's edge at 1920 px, "Changeover at 12:03:45 (last known)" at 280). A countdown
        keeps its figure; a machine that is not running says its state; no countdown reads "RUL —"
        (why not, and since when, are in the tooltip and the full readout's why line)."""
        if self.down:
            return f"{self.state or self.down} {LAST_KNOWN}"
        # a stated life is a figure ("1 min 35 s") or the cap ("> 10 min"); else it is withdrawn
        life = self.life if self.life[:1].isdigit() or self.life.startswith(">") else "—"
        return f"RUL {life} {LAST_KNOWN}"


def risk_caption(risk: MachineRisk | None) -> str:
    """'Bearing failure risk': a readout names what the model predicts."""
    what = risk.predicts if risk is not None and risk.predicts else "failure"
    return f"{what[0].upper()}{what[1:]} risk"


def meaning_text(risk: MachineRisk) -> str:
    """What the risk figure is, in three short lines (the faceplate's tooltip and tap; one line ran
    past a 1280 px screen): "Bearing failure risk: the chance of bearing failure, bearing overheat
    within 2 min." / "Other faults (jams, heaters, sensors) are not covered." / "An advisory is
    raised at 50%; a remaining life is stated from 30%." The failure and the horizon were said
    nowhere on the faceplate, only in the journal's "model loaded" line (qa11 Q11-4)."""
    what = risk.covers or risk.predicts or "failure"
    within = f" within {fmt_rul(risk.horizon_s)}" if math.isfinite(risk.horizon_s) else ""
    rules = [f"an advisory is raised at {risk.warn_risk:.0%}"] if math.isfinite(risk.warn_risk) else []
    rules.append(f"a remaining life is stated from {risk.rul_min_risk:.0%}")
    when = "; ".join(rules)
    return "\n".join(
        (
            f"{risk_caption(risk)}: the chance of {what}{within}.",
            f"{NOT_COVERED[0].upper()}{NOT_COVERED[1:]}.",
            f"{when[0].upper()}{when[1:]}.",
        )
    )


def down_text(state: str, since: float, fmt_t: Callable[[float], str] = hms) -> str:
    """'Faulted at 12:03:45': a machine that is not running, from its state, and when it took it."""
    return f"{state} at {fmt_t(since)}" if math.isfinite(since) else state


def readout(risk: MachineRisk | None, now: float, fmt_t: Callable[[float], str] = hms) -> Readout:
    """How `risk` reads at `now` (see the module docstring for the rules)."""
    caption = risk_caption(risk)
    if risk is None:
        return Readout(caption, "—", "", "—", "", "", "no fault prediction", False)
    has = not math.isnan(risk.risk)
    # The state as of the latest batch wins over the status of the latest prediction (which lags by
    # up to a refresh): a machine just restarted is not "Running at 12:04:10" as if it were down.
    stopped = risk.machine_state != RUNNING if risk.machine_state else risk.status == NOT_RUNNING_STATUS
    down = down_text(risk.machine_state or "Not running", risk.state_since, fmt_t) if stopped else ""
    # Old: a figure kept while no newer prediction can be made (status not ok), or one the feed has
    # not refreshed; either way its countdown is withdrawn.
    old = has and (risk.status != "ok" or stopped or not now - risk.ts <= old_after_s(risk.refresh_s))
    pct = f"{risk.risk:.0%}" if has else "—"
    old_mark = f"(old, {fmt_t(risk.ts)})" if old else ""
    life = "—" if (old or not has) else risk.rul_text
    note = ""
    if not has and not stopped and risk.status != "ok":
        note = _short(risk.status)
    if stopped:
        why = "not running: no prediction"  # (its state and since when are on the line above)
    elif risk.status != "ok":
        why = risk.status
    elif old:
        why = f"no prediction since {fmt_t(risk.ts)}"
    elif risk.top_signals:
        why = "why: " + ", ".join(f"{s.replace('_', ' ')} +{c:.2f}" for s, c in risk.top_signals)
    else:
        why = f"covers {risk.covers or risk.predicts} only"
    if old:
        why += f"; risk as predicted at {fmt_t(risk.ts)}"
    state = (risk.machine_state or "Not running") if stopped else ""
    return Readout(caption, pct, old_mark, life, down, note, why, risk.advisory_active, state)
