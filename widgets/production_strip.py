"""The line status strip at the top of the main window: the line at a glance, for the supervisor.

    LINE RUNNING │ all machines running │ running for 12:34 │ rate 398/min · ideal 400/min
                 │ good 41,230 of 43,100 due by now · shift target 147,900
                 │ OEE 84.7 %  A 86.6 %  P 98.5 %  Q 99.3 %  · early shift so far

ISA-101: grey, low contrast; the state badge is the only emphasis, and it is
never an alarm colour (those mean an alarm): a stopped line is shown inverse
(dark badge, light text), a planned break or changeover outlined, an unknown
state dashed. Every figure says what it counts and over what window, and
comes from the one production analysis (hmi.core.production), like the
Production view and the shift report.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hmi.core.production.oee import RATE_WINDOW_S, LineStatus
from hmi.core.production.text import (
    clock_duration,
    duration_words,
    good_and_due,
    oee_text,
    rate_text,
    unknown_part,
)
from hmi.core.production.timecat import TimeCat
from hmi.core.qc_figures import CAMERA_VS_LINE
from widgets.last_known import last_known_text
from widgets.wrapping_label import show_tooltip_on_tap

# state -> badge kind in the theme (resources/theme/hmi.qss, QLabel#lineStateBadge)
_KIND = {
    "running": "normal",
    "stopped": "stopped",
    "planned break": "planned",
    "planned stop": "planned",
    "changeover": "planned",
    "unknown": "unknown",
}


_BRACKETS = re.compile(r"\([^()]*\)")
ELIDED = "…"  # where a shortened field left something out: all of it is in the field's tooltip
# A bracket that says what a figure's window lacks or is ("line state unknown for 7 s", "not
# recorded for 5 min", "over the last 1 min") is left out last: without it the figure reads as
# measured over all of its window (qa9 Q9-8 read "· night shift so far" with "(not recorded for
# …)" dropped silently, while "(0 rejects, line counters)" stood beside it).
KEEP_LONGEST = ("unknown", "not recorded", "over the")


def shorter_wordings(text: str, keep: tuple[str, ...] = KEEP_LONGEST) -> list[str]:
    """`text`, then ever shorter wordings of it: a "(…)" bracket put as "(…)", one at a time, the
    last first and those naming a `keep` word after all the others; then the last " · " part left
    out, the text ending in " …". A strip field wider than the strip takes the longest that fits;
    the whole text is its tooltip (qa6 N5: "… Q 99.5 % (12 rejects, line counters) · late shi" cut
    at 1280 px). Every shortened wording shows "…" where it left something out (qa9 Q9-8)."""
    out, cur = [text], text
    while True:
        found = [m for m in _BRACKETS.finditer(cur) if len(m.group()) > len(f"({ELIDED})")]
        spare = [m for m in found if not any(k in m.group() for k in keep)]
        if found:
            m = (spare or found)[-1]
            cur = f"{cur[: m.start()]}({ELIDED}){cur[m.end() :]}"
        elif " · " in cur:
            cur = cur.rsplit(" · ", 1)[0].strip().removesuffix(f" {ELIDED}") + f" {ELIDED}"
        else:
            return out
        out.append(cur)


class StripField(QLabel):
    """A field of the strip. Shortened to fit, a tap shows its whole text and what it counts: a
    touch screen has no hover for the tooltip ("P 100.0 % (…)" at 1280 px, Q11-9), as a shortened
    WrappingLabel does."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.shortened = False  # set by the strip: it shows less than its whole text

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        if self.shortened and show_tooltip_on_tap(self, ev):
            return
        super().mouseReleaseEvent(ev)


def _field(name: str) -> StripField:
    return StripField(name)


def _rule() -> QFrame:
    sep = QFrame()
    sep.setObjectName("topSeparator")
    sep.setFixedWidth(1)
    return sep


class LineStatusStrip(QFrame):
    """One row on a wide screen; two rows (state, holder, since | rate, good, OEE) when one row would
    not fit, three (… | rate, good | OEE) when the second would not, so no text is ever clipped and
    the strip never makes the window wider than the screen.

    Its height does not follow the rows in use: it is fixed at the three rows it can come to, the
    rows at the top. A strip that
    grew and shrank between one and three lines moved every control below it, and taps on the
    touch screen missed (qa5 F14)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineStatusStrip")
        self.state = _field("lineStateBadge")
        self.holder = _field("stripField")
        self.since = _field("stripField")
        self.rate = _field("stripField")
        self.good = _field("stripField")
        self.oee = _field("stripValue")
        self.fields = (self.state, self.holder, self.since, self.rate, self.good, self.oee)
        self._rules = [_rule() for _ in range(len(self.fields))]
        box = QVBoxLayout(self)
        box.setContentsMargins(14, 4, 14, 4)
        box.setSpacing(2)
        self._rows = (QHBoxLayout(), QHBoxLayout(), QHBoxLayout())
        for row in self._rows:
            row.setSpacing(12)
            box.addLayout(row)
        box.addStretch(1)  # rows at the top of the fixed height
        self.two_rows: bool | None = None
        self.row_starts: tuple[int, ...] = ()
        self._full: dict[QLabel, tuple[str, str]] = {}  # field -> (whole text, tooltip)
        self._short: dict[QLabel, tuple[str, ...]] = {}  # field -> its short wordings, whole in sense
        self._shown: dict[QLabel, str] = {}  # field -> the text this strip last gave it
        self._since: float | None = None  # the link went: the figures are the last known
        # The status shown, and the newest one given: while the link is lost the strip stays at
        # the status it showed when the link went (`_frozen`), and takes the newest when it is back.
        self._latest: tuple[LineStatus | None, str] = (None, "")
        self._frozen: tuple[LineStatus | None, str] | None = None
        self.set_status(None, "waiting for the first production figures")

    def minimumSizeHint(self) -> QSize:  # never widen the window: the strip wraps instead
        return QSize(200, super().minimumSizeHint().height())

    def _width_of(self, fields: tuple[QLabel, ...]) -> int:
        lay = self.layout()
        margins = lay.contentsMargins() if lay is not None else self.contentsMargins()
        return sum(w.sizeHint().width() + 12 + 13 for w in fields) + margins.left() + margins.right()

    def _one_row_width(self) -> int:
        return self._width_of(self.fields)

    def _layout_rows(self) -> tuple[int, ...]:  # (on the whole texts: _arrange restores them first)
        """Where each row starts: one row when all fits; else state, holder, since | rate, good,
        OEE; and when that second row is too wide (a figure saying how much of its window is
        unknown: "(57:32 unknown)" was cut at 1280 px), rate, good | OEE on rows of their own."""
        if self._width_of(self.fields) <= self.width():
            return (0,)
        if self._width_of(self.fields[3:]) <= self.width():
            return (0, 3)
        return (0, 3, 5)

    def reserved_rows(self) -> int:
        # Three at every width: two were reserved on a control-room screen, but with A naming its
        # short stops and Q its rejects the figures take three rows at 1920 px too, and the third
        # was cut (qa6 N1: the state badge cut at top and bottom).
        return 3

    def reserved_height(self) -> int:
        """The strip's height: the badge's row and the text rows its width can come to."""
        text_h = max(
            w.fontMetrics().height() + 1 + w.contentsMargins().top() + w.contentsMargins().bottom()
            for w in self.fields[1:]
        )
        first = max(self.state.sizeHint().height(), text_h)
        lay = self.layout()
        m = lay.contentsMargins() if lay is not None else self.contentsMargins()
        spacing = lay.spacing() if lay is not None else 0
        return m.top() + m.bottom() + first + (self.reserved_rows() - 1) * (spacing + text_h)

    def _keep_height(self) -> None:
        h = self.reserved_height()
        if self.minimumHeight() != h or self.maximumHeight() != h:
            self.setFixedHeight(h)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._keep_height()  # a theme or the touch profile's fonts: the rows' height changed

    def set_field(self, label: QLabel, text: str, tooltip: str = "", shorter: tuple[str, ...] = ()) -> None:
        """A field's whole text and tooltip; shown whole, or shortened to fit (`_fit_rows`): first in
        its `shorter` wordings (each a whole statement, shorter), then in `shorter_wordings`."""
        self._full[label] = (text, tooltip)
        self._short[label] = shorter
        self._show(label, text, tooltip)

    def wordings(self, label: QLabel) -> list[str]:
        """Every wording a field may show, longest first: its whole text, its short wordings, then
        the last of them with parts left out, marked "…" (`shorter_wordings`)."""
        whole = [self.full_text_of(label), *self._short.get(label, ())]
        return list(dict.fromkeys([*whole, *shorter_wordings(whole[-1])[1:]]))

    def complete_wordings(self, label: QLabel) -> list[str]:
        """The wordings that leave nothing out: the whole text and its short wordings."""
        return [self.full_text_of(label), *self._short.get(label, ())]

    def _show(self, label: QLabel, text: str, tooltip: str) -> None:
        self._shown[label] = text
        if label.text() != text:
            label.setText(text)
        label.setToolTip(tooltip)
        if isinstance(label, StripField):
            label.shortened = text != self.full_text_of(label)

    def _restore_whole_texts(self) -> None:
        """Every field back to its whole text; a text set on the label directly (not through
        set_field) is taken as its whole text."""
        for label in self.fields[1:]:
            if label.text() != self._shown.get(label):
                self._full[label] = (label.text(), label.toolTip())
                self._short[label] = ()
            text, tip = self._full.get(label, (label.text(), label.toolTip()))
            self._show(label, text, tip)

    def full_text_of(self, label: QLabel) -> str:
        return self._full.get(label, (label.text(), ""))[0]

    def _fit_rows(self) -> None:
        """Each row within the strip's width: a field too wide takes a shorter wording (the widest
        field first), its whole text in its tooltip; never a text cut at the strip's edge."""
        self._restore_whole_texts()
        ends = [*self.row_starts[1:], len(self.fields)]
        for start, end in zip(self.row_starts, ends, strict=True):
            row = self.fields[start:end]
            options = {w: self.wordings(w) for w in row if w in self._full}
            step = dict.fromkeys(options, 0)
            while self._width_of(row) > self.width():
                can = [w for w in options if step[w] + 1 < len(options[w])]
                if not can:
                    break
                w = max(can, key=lambda f: f.sizeHint().width())
                step[w] += 1
                text, tip = self._full[w]
                self._show(w, options[w][step[w]], text + (f"\n{tip}" if tip else ""))
            excess = self._width_of(row) - self.width()
            if excess > 0:  # no wording left to drop (a single long part): cut it, saying so
                w = max((f for f in row if f is not self.state), key=lambda f: f.sizeHint().width())
                text, tip = self._full.get(w, (w.text(), w.toolTip()))
                fm = w.fontMetrics()
                room = max(fm.horizontalAdvance(ELIDED), fm.horizontalAdvance(w.text()) - excess)
                short = fm.elidedText(w.text(), Qt.TextElideMode.ElideRight, room)
                self._show(w, short, text + (f"\n{tip}" if tip else ""))

    def _arrange(self) -> None:
        self._keep_height()
        self._restore_whole_texts()
        starts = self._layout_rows()
        if starts == self.row_starts:
            self._fit_rows()
            return
        self.row_starts = starts
        self.two_rows = len(starts) > 1
        for row in self._rows:
            while row.count():
                row.takeAt(0)
        for i, w in enumerate(self.fields):
            row = self._rows[sum(1 for s in starts if s <= i) - 1]
            if row.count():
                row.addWidget(self._rules[i])
            row.addWidget(w)
        for row in self._rows:
            row.addStretch(1)
        for i, r in enumerate(self._rules):
            r.setVisible(i not in starts)
        self._fit_rows()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def set_last_known(self, since: float | None) -> None:
        """The link went at `since` (None: back): no counts or states reach the line's figures, so
        they are the last known ones, greyed and saying so. They stay as they were when the link
        went: nothing that was not observed grows meanwhile (qa7 G27: "running for 00:18" went on
        counting to "00:22", and "good 101 of 149 due" to "of 156"; the `set_status` calls of a
        lost link are kept for when it is back)."""
        was_lost = self._since is not None
        self._since = since
        if since is None:
            self._frozen = None
            if was_lost:
                self._set_status(*self._latest)
        else:
            if self._frozen is None:
                self._frozen = self._latest
            st, problem = self._frozen
            self._set_status(st, problem, frozen=True)
        for w in self.fields:
            if w.property("lastKnown") != (since is not None):
                w.setProperty("lastKnown", since is not None)
                w.style().unpolish(w)
                w.style().polish(w)
        if since is not None:
            self._badge(f"LINK LOST · {last_known_text(since)}", "unknown")
        self._arrange()

    def last_known_at(self) -> float | None:
        return self._since

    def shown_texts(self) -> list[str]:
        return [w.text() for w in self.fields]  # (a shortened field: what it shows)

    def set_status(self, st: LineStatus | None, problem: str = "") -> None:
        self._latest = (st, problem)
        if self._since is not None:  # the link is lost: the strip stays at what was known then
            return
        self._set_status(st, problem)

    def _set_status(self, st: LineStatus | None, problem: str = "", frozen: bool = False) -> None:
        """Show `st`; `frozen`: it is the last known status of a lost link, its time figures
        said as of its own instant ("running for 05:00 at 20:29:05, last known")."""
        if st is None:
            self._badge("LINE —", "unknown")
            self.set_field(self.holder, problem or "no production figures")
            for w in (self.rate, self.good, self.oee, self.since):
                self.set_field(w, "")
            self._arrange()
            return
        self._badge(f"LINE {st.state.upper()}", _KIND.get(st.state, "unknown"))
        self.set_field(self.holder, st.claim)  # every machine's state now (hmi.core.production.holding)
        window = f"last {RATE_WINDOW_S / 60:g} min"
        # A figure over a window with unknown state says so, and why (hmi.core.production.text).
        rate_unknown = unknown_part(st.rate_unknown_s, st.rate_window_s, st.rate_unrecorded_s)
        self.set_field(
            self.rate,
            rate_text(
                st.rate_per_min, st.ideal_rate, st.rate_unknown_s, st.rate_unrecorded_s, st.rate_window_s
            ),
            f"Units counted by the constraint machine over the {window} (only the part LineHMI recorded), "
            "against its nameplate rate" + (f"; of that minute: {rate_unknown}" if rate_unknown else ""),
        )
        unseen = ""
        if st.unknown_s >= 60.0:
            unseen = (
                f"\nThe line's state is unknown for {duration_words(st.unknown_s)} of this shift "
                f"({unknown_part(st.unknown_s, st.unknown_s + 1.0, st.shift.unrecorded_s)}): "
                "nothing is counted as due for that time."
            )
        self.set_field(
            self.good,
            good_and_due(st.good, st.target, st.target_so_far, st.seen_s, st.unknown_s),
            "Good units at the line's output since the shift began, against the share of the shift "
            "target due by now (by the planned time this station saw, breaks not counted), and the "
            "whole shift's target" + unseen,
        )
        f = st.shift
        oee_unknown = unknown_part(f.time(TimeCat.UNKNOWN), f.period_s, f.unrecorded_s)
        window_said = f"  · {st.shift_name} shift so far" + (f" ({oee_unknown})" if oee_unknown else "")
        self.set_field(
            self.oee,
            oee_text(f) + window_said,
            f"ISO 22400-2, the line (stopped while any machine in series is) over the {st.shift_name} shift so far"
            + f"\n{CAMERA_VS_LINE}"
            + ("\n" + "\n".join(f.flags) if f.flags else ""),
            shorter=(oee_text(f, short=True) + window_said,),
        )
        verb = "running for" if st.state == "running" else "stopped for"
        if st.state in ("planned break", "changeover", "planned stop", "unknown"):
            verb = f"{st.state} for"
        said = f"{verb} {clock_duration(st.since_s)}"
        if frozen:
            said += f" at {time.strftime('%H:%M:%S', time.localtime(st.at))}, last known"
        self.set_field(self.since, said)
        self._arrange()

    def _badge(self, text: str, kind: str) -> None:
        self.state.setText(text)
        if self.state.property("kind") != kind:
            self.state.setProperty("kind", kind)
            self.state.style().unpolish(self.state)
            self.state.style().polish(self.state)
