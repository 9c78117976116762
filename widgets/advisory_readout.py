"""Fault-advisory readout for a machine faceplate: predicted failure risk, RUL, why, which model.

Advisories are predictions, not alarms (ISA-18.2): this widget never uses
the alarm colours. Normal is grey text; an active advisory is a dark,
outlined "ADVISORY" badge with the risk and RUL in bold. What the texts say is
inference.fault.readout_text (one home, also the assistant's): a machine that
is not running reads "Faulted at 12:03:45", never a countdown; a figure
older than the model's refresh is marked "(old, 12:03:41)" and its countdown
withdrawn; no prediction shows a dash and the reason. While the link to the
line is lost the readout keeps the figures it had when the link went, marked
last known (widgets.last_known), and ages them as of that instant.

    readout = AdvisoryReadout("filler")
    faceplate.layout().addWidget(readout)
    readout.set_risk(predictor.status()["filler"])   # on the GUI timer (also ages the figure)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from inference.fault.readout_text import (
    MachineRisk,
    Readout,
    fmt_rul,
    meaning_text,
    readout,
    risk_caption,
)
from widgets import palette
from widgets.last_known import last_known_text
from widgets.wrapping_label import WrappingLabel, show_tooltip_on_tap

# Not an alarm colour and not the communication blue: an advisory is its own thing.
ADVISORY_DARK = "#3A3A3A"
ADVISORY_TEXT = "#FFFFFF"


class AdvisoryReadout(QFrame):
    def __init__(
        self, machine: str, parent: QWidget | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.machine = machine
        self.setObjectName("advisoryReadout")
        self._clock = clock
        self._active = False
        self._risk: MachineRisk | None = None
        self._since: float | None = None  # the link went: the figures are the last known
        self._held: MachineRisk | None = None  # what the readout had when the link went
        self._shown: Readout | None = None
        self._drawn: tuple[object, ...] = ()  # what _render last drew (the readout, link, compact)
        self._styled: tuple[bool, bool] | None = None  # what _apply_style last styled
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
        """The link went at `since` (None: back): the model sees no new data, so the readout keeps
        the figures it had then, greyed and saying "last known at" (qa9 Q9-9: they were blanked by
        the predictor's "no data" a few seconds into the outage)."""
        if since == self._since:
            return
        self._held = self._risk if since is not None else None
        self._since = since
        self._render()
        self._apply_style()

    def last_known_at(self) -> float | None:
        return self._since

    def shown_texts(self) -> list[str]:
        return [self.risk_label.text(), self.rul_label.text(), self.why_label.full_text()]

    @property
    def readout(self) -> Readout | None:
        """What the readout shows now (inference.fault.readout_text), for tests and the assistant's check."""
        return self._shown

    def set_risk(self, risk: MachineRisk | None) -> None:
        """The predictor's latest for this machine; called on every GUI tick, it also ages the figure."""
        self._risk = risk
        self._render()

    def _render(self) -> None:
        since = self._since
        risk = self._held if since is not None else self._risk
        # During an outage the figures are aged as of the instant the link went: what was true then.
        r = readout(risk, since if since is not None else self._clock())
        if (r, since, self._compact) == self._drawn:
            return
        self._drawn = (r, since, self._compact)
        self._shown = r
        self.risk_label.setText(r.risk_line)
        # compact, the why line is not shown: the figures say themselves that they are old
        self.rul_label.setText(r.last_known_line if self._compact and since is not None else r.rul_line)
        self.bar.setValue(round(100 * risk.risk) if risk is not None and not math.isnan(risk.risk) else 0)
        self.why_label.setText(f"link lost: {last_known_text(since)}" if since is not None else r.why)
        if risk is None:
            self.setToolTip("No fault prediction for this machine")
        else:
            model = f"Predicted by {risk.model}" if risk.model else "No fault model"
            # What the figure is first (the failure, the time it looks ahead, when it warns).
            self.setToolTip(
                f"{meaning_text(risk)}\n{r.why}\n{model}. RUL is capped at {fmt_rul(risk.rul_cap_s)}."
            )
        self._set_active(r.active and since is None)
        self._apply_style()

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        # A touch screen has no hover: a tap shows what the figure means (the tooltip; the release
        # is taken there, nothing on the faceplate uses it).
        if show_tooltip_on_tap(self, ev):
            return
        super().mouseReleaseEvent(ev)

    @property
    def _greyed(self) -> bool:
        """Figures that are not current (the link went, an old figure, a machine not running)."""
        r = self._shown
        return self._since is not None or (r is not None and bool(r.old or r.down))

    def _set_active(self, on: bool) -> None:
        if on != self._active:
            self._active = on
        # Not beside a machine that is not running: its state takes the row ("Changeover at 12:03:45"
        # beside the badge was cut at a 280 px faceplate, qa12 Q12-8) and there is no prediction to
        # act on; the outline still says the advisory stands.
        r = self._shown
        self.badge.setVisible(on and not (r is not None and r.down))

    def _apply_style(self) -> None:
        key = (self._active, self._greyed)
        if key == self._styled:
            return
        self._styled = key
        # bold for a current advisory only: a figure that is not current is not the one to act on
        # (and "Changeover at 12:03:45" beside the badge then fits a 280 px faceplate)
        weight = "bold" if self._active and not self._greyed else "normal"
        # the same 2 px whether the advisory stands or not: its lines keep their place (qa9 Q9-29)
        border = f"2px solid {ADVISORY_DARK if self._active else 'transparent'}"
        self.setStyleSheet(
            f"#advisoryReadout {{ border: {border}; border-radius: 3px; }}"
            f"#advisoryBadge {{ background: {ADVISORY_DARK}; color: {ADVISORY_TEXT}; padding: 0 4px; "
            "font-weight: bold; }"
            f"#advisoryRisk, #advisoryRul {{ font-weight: {weight};"
            f"{f' color: {palette.STALE};' if self._greyed else ''} }}"
            "#advisoryWhy { color: #595959; }"
            f"QProgressBar::chunk {{ background: {ADVISORY_DARK if self._active else '#7A7A7A'}; }}"
        )
