"""Machine faceplate: state, speed against setpoint, key tags against their bands.

The faceplate reads LiveValues directly and decides what to repaint by
comparing the per-tag version counters of its own few tags, so the main
window can call `refresh()` on every frame for every faceplate at no cost.

In review mode (the review workspace's playback) the same faceplate shows a
recorded instant: no setpoint button (a review writes nothing), ages measured
from the review's cursor (its `clock`), and a line with the machine's alarms
standing at that instant.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms.tag_badges import TagBadge
from hmi.core.config import LineConfig, MachineConfig, TagConfig
from hmi.core.live_values import LiveValues
from hmi.core.quality import NO_SAMPLE_YET, Quality, is_no_sample, quality_of, status_name
from hmi.core.users import Action, User
from widgets.advisory_readout import AdvisoryReadout
from widgets.band_indicator import BandIndicator
from widgets.formatting import format_age, short_label
from widgets.last_known import last_known_text
from widgets.permission import gate, mark

FAULT_LABELS = ("faulted", "fault")
# The summary's rows for values that want a look (widgets.band_indicator.BandIndicator.attention),
# at most: a machine's key values up to this many, so every value of the demo line's machines (four
# key values each, at most) that is in alarm or out of its normal band has a row of its own; with
# more, the most urgent first and "+ N more" (alarms rank first).
SUMMARY_ROWS = 4


def fault_code_tag(config: LineConfig, machine: MachineConfig) -> TagConfig | None:
    """The machine's fault code tag: `fault_tag` in the line config."""
    if machine.fault_tag:
        return config.tag(machine.fault_tag)
    return None


def _repolish(w: QWidget) -> None:
    w.style().unpolish(w)
    w.style().polish(w)
    w.update()


class Faceplate(QFrame):
    setpoint_requested = Signal(str)  # machine id
    trend_requested = Signal(str)  # tag name (double-click on an indicator)

    def __init__(
        self,
        machine: MachineConfig,
        config: LineConfig,
        tag_index: dict[str, int] | None = None,
        parent: QWidget | None = None,
        *,
        review: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.machine = machine
        self.review = review
        self._clock = clock
        self.setObjectName("faceplate")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        index = config.tag_index() if tag_index is None else tag_index
        self._stale = False
        self._since: float | None = None  # the link went at this time (the window's stale state)
        self._tag_lost: float | None = None  # one of its own tags lost its data (a "no connection" status)
        self._state_text = ""
        self._state_kind = ""

        self._state_tag = config.tag(machine.state_tag) if machine.state_tag else None
        self._fault_tag = fault_code_tag(config, machine)
        self._state_i = index[machine.state_tag] if machine.state_tag else -1
        self._fault_i = index[self._fault_tag.name] if self._fault_tag else -1
        self._sp_i = index[machine.setpoint_tag] if machine.setpoint_tag else -1
        self.writable_tags = [t for t in config.machine_tags(machine.id) if t.writable]

        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 10)
        lay.setSpacing(6)

        head = QHBoxLayout()
        head.setSpacing(8)
        self.title = QLabel(machine.name)
        self.title.setObjectName("faceplateTitle")
        self.state_label = QLabel("—")
        self.state_label.setObjectName("stateBadge")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # "FAULTED · Bearing failure (last known)" is wider than a 280 px faceplate's header:
        # it wraps under the title's side instead of losing its first letters.
        self.state_label.setWordWrap(True)
        self.state_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.state_label)
        lay.addLayout(head)

        self.stale_label = QLabel()
        self.stale_label.setObjectName("staleLabel")
        self.stale_label.setWordWrap(True)
        # Review mode: the machine's alarms at the cursor instant (the alarm picture, per machine).
        self.alarm_label = QLabel()
        self.alarm_label.setObjectName("faceplateAlarms")
        self.alarm_label.setWordWrap(True)
        self.alarm_label.setVisible(review)
        if review:  # under the title, where a review pane shorter than the faceplate still shows them
            lay.addWidget(self.alarm_label)
            lay.addWidget(self.stale_label)

        # Room the line overview adds above the rule so that the rows of faceplates side by side
        # line up (set_head_pad): a taller head on one (a state badge on two lines, an alarm line
        # that wraps) moved its rows 16 px below its neighbours', and a pane's foot that must cut
        # no row then found no place between them (qa10 Q10-5: half the review's pane hidden).
        self._head_pad = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        lay.addSpacerItem(self._head_pad)
        self.rule = QFrame()
        self.rule.setObjectName("faceplateRule")
        self.rule.setFixedHeight(1)
        lay.addWidget(self.rule)

        # The summary (compact mode, set_compact): on a line-side screen the faceplate's top shows,
        # without scrolling, the speed, every value that wants a look (an alarm, bad quality, out
        # of its normal band; one line each, most urgent first, in rows reserved so nothing moves)
        # and the failure-risk readout (add_advisory); every value with its bar follows below.
        self.summary = QWidget()
        self.summary.setObjectName("faceplateSummary")
        sum_lay = QVBoxLayout(self.summary)
        sum_lay.setContentsMargins(0, 0, 0, 0)
        sum_lay.setSpacing(2)
        self._summary_lay = sum_lay
        self.summary_speed: BandIndicator | None = None
        self._twins: dict[str, BandIndicator] = {}  # tag -> its one-line twin in the summary
        self._slots = QWidget()
        self._slots.setObjectName("faceplateSlots")
        self._slots_lay = QVBoxLayout(self._slots)
        self._slots_lay.setContentsMargins(0, 0, 0, 0)
        self._slots_lay.setSpacing(2)
        self.normal_note = QLabel("Other values normal")
        self.normal_note.setObjectName("faceplateNormal")
        self.more_note = QLabel()
        self.more_note.setObjectName("faceplateMore")
        self._shown_twins: list[str] = []
        self._more = 0
        self.summary.setVisible(False)
        self.all_values_caption = QLabel("All values")
        self.all_values_caption.setObjectName("faceplateAllValues")
        self.all_values_caption.setVisible(False)
        self.compact = False
        self._advisory: AdvisoryReadout | None = None
        lay.addWidget(self.summary)
        # Compact, the Setpoint… action sits on the caption's row, the first row under the summary
        # (`_place_setpoint`): under the speed it was 13 taps on the scroll arrow away at 1280 touch
        # (qa11 Q11-6).
        self._caption_row = QHBoxLayout()
        self._caption_row.addWidget(self.all_values_caption)
        self._caption_row.addStretch(1)
        lay.addLayout(self._caption_row)

        self.indicators: dict[str, BandIndicator] = {}
        self._ind_idx: list[int] = []
        self.speed: BandIndicator | None = None
        # The Setpoint… action sits under the speed (the value it changes), not at the foot: at
        # 1280x800 the foot of a faceplate was ~30 scroll clicks away.
        self.setpoint_button = QPushButton("Setpoint…")
        self.setpoint_button.setObjectName("setpointButton")
        self.setpoint_button.clicked.connect(lambda: self.setpoint_requested.emit(self.machine.id))
        self.setpoint_button.setVisible(not review)  # a review writes nothing: no button that cannot work
        sp_row = QHBoxLayout()
        sp_row.addStretch(1)
        sp_row.addWidget(self.setpoint_button)
        self._sp_row = sp_row
        if machine.speed_tag:
            self.speed = self._add_indicator(lay, config.tag(machine.speed_tag), "Speed", index)
            self.summary_speed = self._twin(self.speed)
            sum_lay.addWidget(self.summary_speed)
        lay.addLayout(sp_row)
        lay.addSpacing(4)
        for name in machine.key_tags:
            t = config.tag(name)
            self._twins[name] = self._twin(self._add_indicator(lay, t, short_label(t, machine.name), index))
        sum_lay.addWidget(self._slots)
        self._advisory_at = lay.count()  # where a full-size advisory goes (above the foot)
        lay.addStretch(1)

        foot = QHBoxLayout()
        if not review:
            foot.addWidget(self.stale_label)
        foot.addStretch(1)
        lay.addLayout(foot)
        mark(self.setpoint_button, Action.WRITE_SETPOINT)
        self.set_user(None)

        self.tags = [
            t
            for t in (
                machine.state_tag,
                self._fault_tag.name if self._fault_tag else "",
                machine.setpoint_tag,
            )
            if t
        ] + list(self.indicators)  # the tags this faceplate shows (a review reads these at its cursor)
        watched = [i for i in (self._state_i, self._fault_i, self._sp_i) if i >= 0] + self._ind_idx
        self._watched = np.asarray(watched, dtype=np.int64)
        self._seen = np.full(len(watched), -1, dtype=np.int64)
        self._seen_stale = np.zeros(len(watched), dtype=bool)
        self._last_state_ts = float("nan")
        self._last_received = float("-inf")
        self.setMinimumWidth(280)

    def _add_indicator(
        self, lay: QVBoxLayout, tag: TagConfig, label: str, index: dict[str, int]
    ) -> BandIndicator:
        ind = BandIndicator(tag, label, show_age=False)
        ind.trend_requested.connect(self.trend_requested)
        ind.setToolTip(f"{tag.label}: double-click for its trend")
        self.indicators[tag.name] = ind
        self._ind_idx.append(index[tag.name])
        lay.addWidget(ind)
        return ind

    def _twin(self, ind: BandIndicator) -> BandIndicator:
        """A one-line copy of `ind` for the summary (fed the same samples, alarms and staleness)."""
        twin = BandIndicator(ind.tag, ind.label_text, show_age=False, parent=self._slots)
        twin.set_compact(True)
        twin.trend_requested.connect(self.trend_requested)
        twin.setToolTip(f"{ind.tag.label}: double-click for its trend")
        twin.setVisible(False)
        return twin

    def set_compact(self, compact: bool) -> None:
        """Compact (a line-side screen): the summary on top (see __init__), all values below it."""
        if compact == self.compact:
            return
        self.compact = compact
        self.summary.setVisible(compact)
        self.all_values_caption.setVisible(compact)
        if self.summary_speed is not None:
            self.summary_speed.setVisible(compact)
        self._place_setpoint()
        self._place_advisory()
        self._fit_summary()
        self._update_summary(force=True)

    def _place_setpoint(self) -> None:
        """The Setpoint… button under the speed (the value it changes), or, compact, on the "All
        values" caption's row right under the summary, the nearest row to the top that is not kept
        for the summary's values."""
        btn = self.setpoint_button
        self._sp_row.removeWidget(btn)
        self._caption_row.removeWidget(btn)
        (self._caption_row if self.compact else self._sp_row).addWidget(btn)

    def add_advisory(self, readout: AdvisoryReadout) -> None:
        """The failure-risk readout: in the summary when compact, else above the foot."""
        self._advisory = readout
        self._place_advisory()

    def _place_advisory(self) -> None:
        readout = self._advisory
        if readout is None:
            return
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)
        self._summary_lay.removeWidget(readout)
        lay.removeWidget(readout)
        if self.compact:
            self._summary_lay.addWidget(readout)
        else:
            lay.insertWidget(self._advisory_at, readout)
        readout.set_compact(self.compact)
        readout.show()

    def head_height(self) -> int:
        """The height of the head (title, state, review's alarm line) without the pad: where the
        rows under it start, laid out now."""
        lay = self.layout()
        assert lay is not None
        lay.activate()  # the positions of the current texts, not of the last pass
        return self.rule.y() - self._head_pad.sizeHint().height()

    def set_head_pad(self, px: int) -> None:
        """Room above the rule, so the rows under it start `px` lower (the overview lines up the
        faceplates of a row: LineOverview.align_heads)."""
        if px != self._head_pad.sizeHint().height():
            self._head_pad.changeSize(0, px, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            lay = self.layout()
            assert lay is not None
            lay.invalidate()

    def _fit_summary(self) -> None:
        """The value rows keep SUMMARY_ROWS rows' height whatever they show: a value that goes
        abnormal moves nothing below it (the readout, the pane's other content). So does the head:
        compact, the state badge keeps two lines' height ("FAULTED · Bearing failure" wraps)."""
        badge = self.state_label
        badge.ensurePolished()
        # two lines of its bold font, its 2 px padding and 1 px border above and below (hmi.qss)
        # (+2: a wrapped label's text layout can take a pixel more than two line spacings)
        two_lines = 2 * QFontMetrics(badge.font()).lineSpacing() + 6 + 2
        badge.setMinimumHeight(two_lines if self.compact else 0)
        twin = next(iter(self._twins.values()), None)
        if twin is None:
            self._slots.setFixedHeight(0)
            return
        row = max(twin.sizeHint().height(), QFontMetrics(self.normal_note.font()).height() + 2)
        n = self._summary_rows()
        spacing = self._slots_lay.spacing()
        self._slots.setFixedHeight(n * row + (n - 1) * spacing)

    def _summary_rows(self) -> int:
        # the same on every faceplate (a machine with fewer key values keeps a row free): the
        # readouts under them line up across the pane
        return SUMMARY_ROWS if self._twins else 0

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_summary()

    def _update_summary(self, force: bool = False) -> None:
        """The values that want a look in the summary's rows, most urgent first; a "+ N more" line
        in the last row when there are more than fit (they are in All values below)."""
        if not self.compact:
            return
        ranked = sorted(
            ((key, n) for n, twin in self._twins.items() if (key := twin.attention()) is not None),
            key=lambda kn: kn[0],
        )
        names = [n for _k, n in ranked]
        rows = self._summary_rows()
        if len(names) > rows:
            shown, more = names[: rows - 1], len(names) - (rows - 1)
        else:
            shown, more = names, 0
        if not force and shown == self._shown_twins and more == self._more:
            return
        self._shown_twins, self._more = shown, more
        lay = self._slots_lay
        while lay.count():
            item = lay.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.setVisible(False)
        for n in shown:
            lay.addWidget(self._twins[n])
            self._twins[n].setVisible(True)
        if more:
            self.more_note.setText(f"+ {more} more out of normal: see All values")
            lay.addWidget(self.more_note)
            self.more_note.setVisible(True)
        elif len(shown) < rows:  # a row free to say so
            lay.addWidget(self.normal_note)
            self.normal_note.setText("Other values normal" if shown else "All values normal")
            self.normal_note.setVisible(True)
        lay.addStretch(1)

    @property
    def summary_values(self) -> list[BandIndicator]:
        """The one-line values the summary shows now (speed first)."""
        out = [self.summary_speed] if self.summary_speed is not None and self.compact else []
        return out + [self._twins[n] for n in self._shown_twins]

    @property
    def main_value(self) -> BandIndicator | None:
        """The value a glance needs besides the state: the speed, else the first key tag."""
        return self.speed or next(iter(self.indicators.values()), None)

    def set_user(self, user: User | None) -> None:
        """The Setpoint… button as the role allows: a viewer sees it disabled, and why, before
        trying (the runtime refuses and journals the write anyway)."""
        gate(
            self.setpoint_button,
            user,
            otherwise="" if self.writable_tags else "No writable tags on this machine",
            ready=f"Change a setpoint of {self.machine.name}",
        )

    # --- updates -------------------------------------------------------------------------
    def refresh(self, live: LiveValues, force: bool = False) -> bool:
        """Repaint what changed since the last call; returns whether anything did."""
        ver = live.version[self._watched]
        stale = live.stale()  # the one rule for a "now" value (LiveValues.stale): link gone or overdue
        stale_now = stale[self._watched]
        if not force and np.array_equal(ver, self._seen) and np.array_equal(stale_now, self._seen_stale):
            return False
        self._seen = ver
        self._seen_stale = stale_now
        self._last_received = float(np.nanmax(live.source_ts[self._watched], initial=-np.inf))
        lost = live.lost_at[self._watched]
        self._tag_lost = float(np.nanmin(lost)) if np.isfinite(lost).any() else None
        for name, i in zip(self.indicators, self._ind_idx, strict=True):
            for ind in self._pair(name):
                ind.set_sample(live.value[i], live.status[i], live.source_ts[i])
                ind.set_stale(self._stale or bool(stale[i]))
        if self.speed is not None and self._sp_i >= 0:
            sp_ok = quality_of(int(live.status[self._sp_i])) != Quality.BAD
            for ind in self._pair(self.speed.tag.name):
                ind.set_target(float(live.value[self._sp_i]) if sp_ok else None)
        self._update_state(live)
        self._update_summary()
        return True

    def _pair(self, name: str) -> list[BandIndicator]:
        """A value's indicator and its summary twin."""
        ind = self.indicators[name]
        twin = self._twins.get(name) or (self.summary_speed if ind is self.speed else None)
        return [ind] if twin is None else [ind, twin]

    def _update_state(self, live: LiveValues) -> None:
        if self._state_tag is None:
            self._set_state_badge("", "")
            return
        i = self._state_i
        status = int(live.status[i])
        value = float(live.value[i])
        self._last_state_ts = float(live.source_ts[i])
        if is_no_sample(status):
            self._set_state_badge(NO_SAMPLE_YET, "stale")  # nothing recorded yet: no quality to blame
            return
        if quality_of(status) == Quality.BAD or value != value:
            self._set_state_badge(f"? {status_name(status)}", "bad")
            return
        label = self._state_tag.state_label(value)
        if label.strip().lower() in FAULT_LABELS:
            code = ""
            if self._fault_tag is not None:
                fs, fv = int(live.status[self._fault_i]), float(live.value[self._fault_i])
                code = (
                    "code ?" if quality_of(fs) == Quality.BAD or fv != fv else self._fault_tag.state_label(fv)
                )
            text = label.upper() + (f" · {code}" if code else "")
            self._set_state_badge(text, "fault")
        else:
            self._set_state_badge(label + (" ?" if quality_of(status) == Quality.UNCERTAIN else ""), "normal")

    def _set_state_badge(self, text: str, kind: str) -> None:
        self._state_text, self._state_kind = text, kind
        self._render_badge()

    def _render_badge(self) -> None:
        since = self.last_known_at()
        old = self._stale or since is not None
        kind = "stale" if old and self._state_kind != "bad" else self._state_kind
        text = self._state_text
        if old and text and kind != "bad" and text != NO_SAMPLE_YET:  # nothing to be the last of
            text += " (last known)"
        stale_text = ""
        if since is not None:
            stale_text = f"Link lost: {last_known_text(since)}"
        elif self._stale:
            if self._last_received > 0:
                age = format_age(self._clock() - self._last_received)
                stale_text = (
                    f"Nothing recorded here · last values {age} before"
                    if self.review
                    else f"Not updating · data {age} old"
                )
            else:
                stale_text = "Nothing recorded here" if self.review else "Not updating · no data yet"
        if self.stale_label.text() != stale_text:
            self.stale_label.setText(stale_text)
        if self.state_label.text() != text:
            self.state_label.setText(text)
        if self.state_label.property("kind") != kind:
            self.state_label.setProperty("kind", kind)
            _repolish(self.state_label)

    def set_stale(self, stale: bool, since: float | None = None) -> None:
        """Not updating (no link yet, or lost `since`: the values are the last known at that time)."""
        since = since if stale else None
        if stale == self._stale and since == self._since:
            return
        self._stale, self._since = stale, since
        for name in self.indicators:
            for ind in self._pair(name):
                ind.set_stale(stale)
        self._render_badge()

    def set_tag_alarms(self, badges: Mapping[str, TagBadge]) -> None:
        """Each value's alarm badge from the alarm model (tag -> its standing alarm)."""
        for name in self.indicators:
            for ind in self._pair(name):
                ind.set_alarm(badges.get(name))
        self._update_summary()

    def set_alarms(self, lines: list[tuple[str, str, bool]]) -> None:
        """Review mode: the machine's alarms at the instant, as (name, state label, active), most
        urgent first; an active one is drawn in the alarm colour (ISA-101: colour only for abnormal)."""
        if not lines:
            text = "No alarm standing"
        else:
            first = f"{lines[0][0]} ({lines[0][1]})"
            text = f"{len(lines)} alarms: {first}, …" if len(lines) > 1 else f"Alarm: {first}"
        kind = "alarm" if any(active for _, _, active in lines) else ""
        if self.alarm_label.text() != text:
            self.alarm_label.setText(text)
            self.alarm_label.setToolTip("\n".join(f"{n}: {s}" for n, s, _ in lines))
        if self.alarm_label.property("kind") != kind:
            self.alarm_label.setProperty("kind", kind)
            _repolish(self.alarm_label)

    def tick(self) -> None:
        for name in self.indicators:
            for ind in self._pair(name):
                ind.tick()
        if self._stale:
            self._render_badge()

    # --- ShowsPlantValues (widgets.last_known) ------------------------------------------
    def last_known_at(self) -> float | None:
        return self._since if self._since is not None else self._tag_lost

    def shown_texts(self) -> list[str]:
        values = [f"{ind.label_text} {ind.value_text()}" for ind in self.indicators.values()]
        return [self.state_label.text(), self.stale_label.text(), *values]

    # --- for tests and tooltips --------------------------------------------------------
    @property
    def state_text(self) -> str:
        return self._state_text

    @property
    def state_kind(self) -> str:
        """'normal', 'fault', 'bad' ('' before the first value)."""
        return self._state_kind
