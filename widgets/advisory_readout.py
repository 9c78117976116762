"""Fault-advisory readout for a machine faceplate: predicted failure risk, RUL, why, which model.

Advisories are predictions, not alarms (ISA-18.2): this widget never uses
the alarm colours. Normal is grey text; an active advisory is a dark,
outlined "ADVISORY" badge with the risk and RUL in bold. No prediction
(machine stopped, sensor Bad, model unavailable) shows a dash and the
reason, never a stale number.

    readout = AdvisoryReadout("filler")
    faceplate.layout().addWidget(readout)
    readout.set_risk(predictor.status()["filler"])   # on the GUI timer
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from inference.fault.predictor import DEFAULT_RUL_CAP_S, MachineRisk, rul_text
from widgets import palette
from widgets.alarm_paint import WrappingLabel
from widgets.last_known import last_known_text

# Not an alarm colour and not the communication blue: an advisory is its own thing.
ADVISORY_DARK = "#3A3A3A"
ADVISORY_TEXT = "#FFFFFF"


def format_rul(seconds: float, cap_s: float = DEFAULT_RUL_CAP_S) -> str:
    """inference.fault.predictor.rul_text: "> 10 min" at the model's cap (one rule, also in advisories)."""
    return rul_text(seconds, cap_s)


def risk_caption(risk: MachineRisk | None) -> str:
    """'Bearing failure risk': the readout names what the model predicts."""
    what = risk.predicts if risk is not None and risk.predicts else "failure"
    return f"{what[0].upper()}{what[1:]} risk"


def scope_text(risk: MachineRisk) -> str:
    """What the prediction covers, and that other faults are not in it."""
    covers = risk.covers or risk.predicts
    horizon = f" within {format_rul(risk.horizon_s, math.inf)}" if math.isfinite(risk.horizon_s) else ""
    return f"Predicts {covers}{horizon}; other faults (jams, heaters, sensors) are not covered"


class AdvisoryReadout(QFrame):
    def __init__(self, machine: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.machine = machine
        self.setObjectName("advisoryReadout")
        self._active = False
        self._risk: MachineRisk | None = None
        self._since: float | None = None  # the link went: the figures are the last known
        self._compact = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(1)
        # Two rows: the risk, then the badge with the remaining life. On one row risk and RUL ran
        # into each other on a narrow faceplate ("Bearing faiRUL 2 min"); the badge beside the risk
        # cut it at 1280 px ("ADVISORY Bearing failure risk 10(", qa6), beside the RUL it fits.
        self.risk_label = QLabel(f"{risk_caption(None)} —")
        self.risk_label.setObjectName("advisoryRisk")
        lay.addWidget(self.risk_label)
        second = QHBoxLayout()
        self.badge = QLabel("ADVISORY")
        self.badge.setObjectName("advisoryBadge")
        self.badge.setVisible(False)
        self.rul_label = QLabel("RUL —")
        self.rul_label.setObjectName("advisoryRul")
        second.addWidget(self.badge)
        second.addWidget(self.rul_label, 1)
        lay.addLayout(second)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        lay.addWidget(self.bar)
        self.why_label = WrappingLabel(lines=2)
        self.why_label.setObjectName("advisoryWhy")
        lay.addWidget(self.why_label)
        self._apply_style()

    def set_compact(self, compact: bool) -> None:
        """Compact (a faceplate's summary): risk and RUL only; the bar goes and the why line (model
        scope, the reasons, "as predicted at") moves to the tooltip."""
        self._compact = compact
        self.bar.setVisible(not compact)
        self.why_label.setVisible(not compact)
        self._render()
        self._fit()

    def _fit(self) -> None:
        """Compact, one height whether the ADVISORY badge shows or not (its padding and the 2 px
        border of an active readout made the faceplate's summary, and the pane, grow and shrink)."""
        if not self._compact:
            self.setMinimumHeight(0)
            self.setMaximumHeight(16777215)
            return
        self.ensurePolished()
        for w in (self.badge, self.risk_label, self.rul_label):
            w.ensurePolished()
        lay = self.layout()
        assert lay is not None
        second = max(self.badge.sizeHint().height(), self.rul_label.sizeHint().height())
        m = lay.contentsMargins()
        border = 2 * 2  # the active readout's 2 px border, above and below (_apply_style)
        first = self.risk_label.sizeHint().height()
        self.setFixedHeight(first + lay.spacing() + second + m.top() + m.bottom() + border)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self._compact:
            self._fit()

    @property
    def active(self) -> bool:
        return self._active

    def set_last_known(self, since: float | None) -> None:
        """The link went at `since` (None: back): the model sees no new data, so its figures are
        the last known ones, greyed and saying so."""
        if since == self._since:
            return
        self._since = since
        self._render()
        self._apply_style()

    def last_known_at(self) -> float | None:
        return self._since

    def shown_texts(self) -> list[str]:
        return [self.risk_label.text(), self.rul_label.text(), self.why_label.full_text()]

    def set_risk(self, risk: MachineRisk | None) -> None:
        if risk == self._risk:
            return
        self._risk = risk
        self._render()

    def _render(self) -> None:
        risk = self._risk
        caption = risk_caption(risk)
        if risk is None:
            self.risk_label.setText(f"{caption} —")
            self.rul_label.setText("RUL —")
            self.why_label.setText("no fault prediction")
            self.bar.setValue(0)
            self._set_active(False)
            return
        if self._since is not None:
            self.why_label.setText(f"link lost: {last_known_text(self._since)}")
        has = not math.isnan(risk.risk)
        self.risk_label.setText(f"{caption} {risk.risk:.0%}" if has else f"{caption} —")
        rul = f"RUL {risk.rul_text}" if has else "RUL —"
        # compact, the why line is not shown: the figures say themselves that they are old
        self.rul_label.setText(f"{rul} (last known)" if self._compact and self._since is not None else rul)
        self.bar.setValue(round(100 * risk.risk) if has else 0)
        if risk.status != "ok":
            why = risk.status
            if has and risk.advisory_active:  # the standing advisory's own prediction, with its time
                why += f"; risk and RUL as predicted at {time.strftime('%H:%M:%S', time.localtime(risk.ts))}"
        elif risk.top_signals:
            why = "why: " + ", ".join(f"{s.replace('_', ' ')} +{c:.2f}" for s, c in risk.top_signals)
        else:
            why = f"covers {risk.covers or risk.predicts} only"
        if self._since is None:
            self.why_label.setText(why)
        model = f"Predicted by {risk.model}" if risk.model else "No fault model"
        self.setToolTip(
            f"{self.why_label.full_text()}\n{model}. {scope_text(risk)}. "
            f"RUL is capped at {format_rul(risk.rul_cap_s, math.inf)}."
        )
        self._set_active(risk.advisory_active and self._since is None)

    def _set_active(self, on: bool) -> None:
        if on != self._active:
            self._active = on
            self.badge.setVisible(on)
            self._apply_style()

    def _apply_style(self) -> None:
        weight = "bold" if self._active else "normal"
        border = f"2px solid {ADVISORY_DARK}" if self._active else "1px solid transparent"
        self.setStyleSheet(
            f"#advisoryReadout {{ border: {border}; border-radius: 3px; }}"
            f"#advisoryBadge {{ background: {ADVISORY_DARK}; color: {ADVISORY_TEXT}; padding: 0 4px; "
            "font-weight: bold; }"
            f"#advisoryRisk, #advisoryRul {{ font-weight: {weight};"
            f"{f' color: {palette.STALE};' if self._since is not None else ''} }}"
            "#advisoryWhy { color: #595959; }"
            f"QProgressBar::chunk {{ background: {ADVISORY_DARK if self._active else '#7A7A7A'}; }}"
        )
