"""Classify, split or annotate a stop (supervisor): one dialog, three modes.

The edit runs on the runtime's actions thread (`LineServices.production_edit`:
role check, audit row committed, then applied); the dialog hears of the
result through `widgets.background.watch_future`, so the GUI never waits on
the journal. A refusal (role, a
split time outside the stop, a reason missing from the tree) is shown in the
dialog with its reason and the dialog stays open; success closes it.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import CLASSIFY, NOTE, SPLIT, Stop
from widgets.background import watch_future
from widgets.dialog_fit import fit_height
from widgets.number_pad import NumberPad
from widgets.text_keyboard import TextKeyboard
from widgets.time_entry import TimeEntry
from widgets.wrapping_label import WrappingLabel

Submit = Callable[..., concurrent.futures.Future[object]]  # (action, machine, stop_start, **kw)
TITLES = {CLASSIFY: "Classify stop", SPLIT: "Split stop", NOTE: "Note on stop"}


class ReasonBox(QComboBox):
    """The reason tree as one list: category, group, code and text (codes sorted within a group).

    Nothing is chosen until a person chooses (or the stop already has a reason): a pre-selected
    first entry would classify a stop with a reason nobody gave on one tap of OK."""

    def __init__(self, setup: ProductionSetup, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        order = {"unplanned": 0, "changeover": 1, "planned": 2}
        reasons = sorted(setup.reasons.values(), key=lambda r: (order[r.category], r.group, r.code))
        for r in reasons:
            self.addItem(f"{r.category} › {r.group or '—'} › {r.code} {r.text}", r.code)
        self.setPlaceholderText("choose a reason…")
        self.setCurrentIndex(self.findData(current) if current else -1)

    @property
    def code(self) -> str:
        """The chosen reason code; "" while none is chosen."""
        return str(self.currentData()) if self.currentIndex() >= 0 else ""


class StopEditDialog(QDialog):
    def __init__(
        self,
        action: str,
        stop: Stop,
        setup: ProductionSetup,
        submit: Submit,
        to_local: Callable[[float], _dt.datetime],
        parent: QWidget | None = None,
        *,
        keyboard: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stopEditDialog")
        self.setWindowTitle(TITLES[action])
        self.action, self.stop, self._submit = action, stop, submit
        self._future: concurrent.futures.Future[object] | None = None
        lay = QVBoxLayout(self)
        head = QLabel(
            f"{setup.machine(stop.machine).name}: {to_local(stop.start):%H:%M:%S} – "
            f"{'now' if stop.ongoing else f'{to_local(stop.end):%H:%M:%S}'}, now "
            f"{stop.reason_label(setup)}"
        )
        head.setObjectName("dialogHeading")
        head.setWordWrap(True)
        lay.addWidget(head)
        form = QFormLayout()
        lay.addLayout(form)
        self.reason: ReasonBox | None = None
        self.reason_after: ReasonBox | None = None
        self.at: TimeEntry | None = None
        self.pad: NumberPad | None = None
        self.note: QLineEdit | None = None
        self.keyboard: TextKeyboard | None = None
        if action == CLASSIFY:
            self.reason = ReasonBox(setup, stop.reason)
            form.addRow("Reason", self.reason)
        elif action == SPLIT:
            # The stop's own days to pick from; the time on the number pad in the touch profile (a
            # QDateTimeEdit took typed text only: the trend's Range... had the same defect, Q10-24).
            end = stop.start + stop.duration
            self.at = TimeEntry(stop.start + stop.duration / 2, earliest=stop.start, latest=end)
            self.reason = ReasonBox(setup, stop.reason)
            self.reason_after = ReasonBox(setup, stop.reason)
            form.addRow("Second part begins at", self.at)
            form.addRow("Reason before", self.reason)
            form.addRow("Reason after", self.reason_after)
            if keyboard:
                self.pad = NumberPad(self.at.time, decimals=False, signed=False, enter_text="OK")
                self.pad.entered.connect(self.send)
                lay.addWidget(self.pad)
            self.at.time.textChanged.connect(self._update_ok)
        else:
            self.note = QLineEdit(stop.note)
            self.note.setPlaceholderText("what happened, what was done")
            form.addRow("Note", self.note)
            if keyboard:  # the touch profile has no keyboard: an on-screen one types the note
                self.keyboard = TextKeyboard(self.note, enter_tip="Save the note")
                self.keyboard.entered.connect(self.send)
                lay.addWidget(self.keyboard)
        # Two lines whatever it says (the whole text in its tooltip): the keys above never move.
        self.message = WrappingLabel(lines=2, elide=True)
        self.message.setObjectName("validationMessage")
        lay.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        for box in self._reason_boxes():
            box.currentIndexChanged.connect(self._update_ok)
        self._update_ok()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        fit_height(self)  # a wrapped heading or message must not cut the buttons below it

    def _reason_boxes(self) -> list[ReasonBox]:
        return [b for b in (self.reason, self.reason_after) if b is not None]

    def missing(self) -> str:
        """What still has to be chosen before OK may save ("" when nothing)."""
        if any(not b.code for b in self._reason_boxes()):
            return "Choose a reason from the list: OK saves it with your name in the journal."
        if self.at is not None and (why := self.at.problem()):
            return f"Second part begins at: {why}"
        return ""

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        why = self.missing()
        ok.setEnabled(not why and self._future is None)
        ok.setToolTip(why)
        if self._future is None:
            self._set_message(why, False)

    def arguments(self) -> dict[str, object]:
        if self.action == CLASSIFY:
            assert self.reason is not None
            return {"reason": self.reason.code}
        if self.action == SPLIT:
            assert self.at is not None and self.reason is not None and self.reason_after is not None
            return {
                "reason": self.reason.code,
                "at": self.at.value(),
                "reason_after": self.reason_after.code,
            }
        assert self.note is not None
        return {"note": self.note.text()}

    def send(self) -> None:
        if self._future is not None:
            return
        why = self.missing()
        if why:
            self._set_message(why, True)
            return
        self._set_message("saving…", False)
        self.buttons.setEnabled(False)
        try:
            self._future = self._submit(self.action, self.stop.machine, self.stop.start, **self.arguments())
        except Exception as exc:
            self._failed(str(exc))
            return
        watch_future(self._future, parent=self).finished.connect(self._done)

    def _done(self, fut: concurrent.futures.Future[object]) -> None:
        self._future = None
        exc = fut.exception()
        if exc is not None:
            self._failed(str(exc))
            return
        self.accept()

    def _failed(self, text: str) -> None:
        self.buttons.setEnabled(True)
        self._update_ok()
        self._set_message(text, True)

    def _set_message(self, text: str, invalid: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("invalid", "true" if invalid else "false")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
