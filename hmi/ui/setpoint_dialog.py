"""Setpoint dialog: pick a writable tag, enter a value, write it, see the outcome.

Validation happens here first (`hmi.core.number_entry.parse_number`, the one parser for typed
numbers: type, configured range) so the operator gets a clear message before anything is sent;
the runtime validates again, journals the request and the outcome, and its WriteResult message is shown as is.

The write never blocks the GUI: `runtime.write_value()` returns a
concurrent.futures.Future completed on the I/O thread, and a QTimer on the GUI
thread polls it (no widget is ever touched from the I/O thread).
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi.core.config import TagConfig
from hmi.core.live_values import LiveValues
from hmi.core.number_entry import NumberKind, parse_number
from hmi.core.quality import Quality, quality_of, status_name
from hmi.core.runtime_api import WriteResult
from hmi.core.setpoint_write import write_key
from hmi.core.users import Action, User, role_refusal
from hmi.ui.services import SetpointWriter
from widgets.background import BackgroundTask, watch_future
from widgets.dialog_fit import fit_height
from widgets.formatting import format_age, format_value
from widgets.number_pad import NumberPad
from widgets.permission import mark
from widgets.wrapping_label import WrappingLabel, keep_room

SLOW_WRITE_S = 5.0  # after this, say that the answer is late (the result still comes)


class SetpointDialog(QDialog):
    write_finished = Signal(object)  # WriteResult

    def __init__(
        self,
        runtime: SetpointWriter,
        live: LiveValues,
        tags: Sequence[TagConfig],
        user: str,
        initial: str | None = None,
        title: str = "Setpoint",
        parent: QWidget | None = None,
        *,
        actor: User | None = None,
        number_pad: bool = False,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.live = live
        self.tags = [t for t in tags if t.writable]
        if not self.tags:
            raise ValueError("SetpointDialog needs at least one writable tag")
        self.user = user
        # Who the runtime checks and journals: the logged-in User (role checked: operator or higher).
        # Without one the plain name is sent (scripts, tests); the main window always passes a User.
        self.actor = actor
        self._write: BackgroundTask | None = None  # the pending write's answer
        self._write_started = 0.0
        self._value: float | None = None
        # (tag, value written, the live value's version then): until a newer sample of the tag
        # arrives, its current value is the one just written and read back.
        self._written: tuple[str, float, int] | None = None
        self.last_result: WriteResult | None = None
        self.setWindowTitle(title)
        self.setObjectName("setpointDialog")
        self.setMinimumWidth(460)

        outer = QVBoxLayout(self)
        outer.setSpacing(10)
        outer.setContentsMargins(16, 14, 16, 12)
        self.heading = QLabel(title)
        self.heading.setObjectName("dialogHeading")
        outer.addWidget(self.heading)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)

        self.tag_combo = QComboBox()
        for t in self.tags:
            self.tag_combo.addItem(f"{t.label}  ({t.name})", t.name)
        form.addRow("Tag", self.tag_combo)
        # Every text that changes while the dialog is open has a fixed number of lines (the whole text
        # in its tooltip where it needs more), so the pad's keys never move between two taps (qa7 G21).
        self.current_label = WrappingLabel(lines=1, elide=True)
        self.current_label.setObjectName("valueLabel")
        form.addRow("Current value", self.current_label)
        self.range_label = QLabel()
        form.addRow("Range", self.range_label)

        # Numeric entry (float/int) or a choice (enum/bool); one of them is visible.
        entry = QHBoxLayout()
        entry.setSpacing(8)
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("setpointEdit")
        self.value_edit.setPlaceholderText("new value")
        self.choice_combo = QComboBox()
        self.unit_label = QLabel()
        self.unit_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("m/min"))
        entry.addWidget(self.value_edit, 1)
        entry.addWidget(self.choice_combo, 1)
        entry.addWidget(self.unit_label)
        form.addRow("New value", entry)
        self.message_label = WrappingLabel(lines=2, elide=True)
        self.message_label.setObjectName("validationMessage")
        form.addRow("", self.message_label)
        self.user_label = QLabel(user)
        form.addRow("User", self.user_label)
        outer.addLayout(form)
        # The touch profile's on-screen pad types into the value field, as keys would.
        self.number_pad = NumberPad(self.value_edit, enter_text="Write")
        self.number_pad.entered.connect(self._on_write)
        self._pad_wanted = number_pad
        # A choice tag hides the pad; its room stays, so the keys are where they were when it is back.
        keep_room(self.number_pad, number_pad and any(t.data_type in ("float", "int") for t in self.tags))
        outer.addWidget(self.number_pad)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy indicator
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        keep_room(self.progress)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        self.status_label = WrappingLabel(lines=2, elide=True)
        self.status_label.setObjectName("writeStatus")
        outer.addWidget(self.status_label)

        buttons = QDialogButtonBox()
        self.write_button = QPushButton("Write")
        self.write_button.setObjectName("writeButton")
        mark(self.write_button, Action.WRITE_SETPOINT)
        self.write_button.setAutoDefault(False)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        buttons.addButton(self.write_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        outer.addWidget(buttons)

        # A slow answer is said once, when it is late; the answer itself comes as a signal.
        self._slow = QTimer(self)
        self._slow.setSingleShot(True)
        self._slow.setInterval(int(SLOW_WRITE_S * 1000))
        self._slow.timeout.connect(self._on_slow_write)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(500)
        self._refresh_timer.timeout.connect(self._show_current)
        self._refresh_timer.start()

        self.tag_combo.currentIndexChanged.connect(self._on_tag_changed)
        self.value_edit.textChanged.connect(self._validate)
        self.value_edit.returnPressed.connect(self._on_write)
        self.choice_combo.currentIndexChanged.connect(self._validate)
        self.write_button.clicked.connect(self._on_write)
        self.close_button.clicked.connect(self.reject)

        if initial is not None:
            i = self.tag_combo.findData(initial)
            if i >= 0:
                self.tag_combo.setCurrentIndex(i)
        self.tag_combo.setEnabled(len(self.tags) > 1)
        self._on_tag_changed()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        fit_height(self)  # a wrapped message must not squeeze the number pad

    # --- tag selection ---------------------------------------------------------------------
    @property
    def tag(self) -> TagConfig:
        return self.tags[max(0, self.tag_combo.currentIndex())]

    @property
    def pending(self) -> bool:
        return self._write is not None

    def _on_tag_changed(self) -> None:
        t = self.tag
        numeric = t.data_type in ("float", "int")
        self.value_edit.setVisible(numeric)
        self.choice_combo.setVisible(not numeric)
        self.number_pad.setVisible(numeric and self._pad_wanted)
        self.unit_label.setText(t.unit)
        if numeric:
            # No input validator: one would drop the keys it does not like and so turn "39O" into
            # 39. The text stays as typed and `parse_number` refuses it with the reason.
            self.value_edit.clear()
        else:
            self.choice_combo.clear()
            states = t.states or {"0": "Off", "1": "On"}
            for key, label in sorted(states.items(), key=lambda kv: int(kv[0])):
                self.choice_combo.addItem(f"{label} ({key})", float(key))
        if t.range:
            self.range_label.setText(f"{t.range[0]:g} – {t.range[1]:g} {t.unit}".rstrip())
        else:
            self.range_label.setText("no range configured (the PLC decides)")
        self._show_current()
        self._validate()
        if numeric:
            self.value_edit.setFocus()

    def _show_current(self) -> None:
        t = self.tag
        i = self.live.index.get(t.name)
        if i is None:
            self.current_label.setText("—")
            return
        value, status, ts = (
            float(self.live.value[i]),
            int(self.live.status[i]),
            float(self.live.source_ts[i]),
        )
        q = quality_of(status)
        if q == Quality.BAD or value != value:
            text = f"? {status_name(status)}"
        else:
            text = f"{format_value(t, value)} {t.unit}".rstrip()
            if q == Quality.UNCERTAIN:
                text += f"  ({status_name(status)})"
        if ts == ts:
            text += f"   · {format_age(time.time() - ts)} ago"
        self.current_label.setText(text)

    # --- validation --------------------------------------------------------------------------
    def _validate(self) -> bool:
        value, message = self._parse()
        self._value = value
        self.message_label.setText(message)
        self.message_label.setProperty("invalid", value is None and bool(self.value_edit.text().strip()))
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        self._update_write_keys()
        return value is not None

    def _current(self) -> float | None:
        """The tag's value now (None: not known or Bad); the value just written and read back
        until a newer sample arrives."""
        t = self.tag
        i = self.live.index.get(t.name)
        if i is None:
            return None
        if (
            self._written is not None
            and self._written[0] == t.name
            and self._written[2] == self.live.version[i]
        ):
            return self._written[1]
        cur = float(self.live.value[i])
        if cur != cur or quality_of(int(self.live.status[i])) == Quality.BAD:
            return None
        return cur

    def _update_write_keys(self, inputs_enabled: bool = True) -> None:
        """The dialog's Write and the touch pad's Write key: one rule (hmi.core.setpoint_write)."""
        t = self.tag
        cur = self._current()
        shown = "" if cur is None else f"{format_value(t, cur)} {t.unit}".rstrip()
        key = write_key(
            self._value, cur, pending=self.pending or not inputs_enabled, refusal=self._refusal(), shown=shown
        )
        for button in (self.write_button, self.number_pad.keys["enter"]):
            button.setEnabled(key.enabled)
            button.setToolTip(key.why_not)
        if self._value is not None and not key.enabled and "already" in key.why_not:
            self.message_label.setText(key.why_not[:1].upper() + key.why_not[1:] + ".")

    def _parse(self) -> tuple[float | None, str]:
        t = self.tag
        if t.data_type not in ("float", "int"):
            data = self.choice_combo.currentData()
            return (float(data), "") if data is not None else (None, "Choose a value.")
        kind: NumberKind = "int" if t.data_type == "int" else "float"
        entry = parse_number(self.value_edit.text(), kind, t.range, t.unit)
        if entry.value is None:
            return None, entry.reason
        value = entry.value
        # The new value as typed, not rounded to the display precision: what is written.
        typed = self.value_edit.text().strip()
        i = self.live.index.get(t.name)
        cur = float(self.live.value[i]) if i is not None else float("nan")
        if cur == cur and quality_of(int(self.live.status[i])) != Quality.BAD:  # type: ignore[index]
            return value, f"Change {format_value(t, cur)} → {typed} {t.unit}".rstrip()
        return value, f"Write {typed} {t.unit}".rstrip()

    # --- writing ---------------------------------------------------------------------------
    def _on_write(self) -> None:
        if self.pending or not self._validate() or self._value is None:
            return
        t, value = self.tag, self._value
        try:
            who = self.actor if self.actor is not None else self.user
            fut = self.runtime.write_value(t.name, value, who)
        except Exception as exc:  # the runtime should answer through the future, but never crash the screen
            self._show_result(None, f"Not written: {exc}")
            return
        self._write_started = time.monotonic()
        self._set_inputs_enabled(False)
        self.progress.setVisible(True)
        self.status_label.setProperty("outcome", "pending")
        self._repolish(self.status_label)
        self.status_label.setText(f"Writing {format_value(t, value)} {t.unit} to {t.name} as {self.user}…")
        self._write = watch_future(fut, parent=self)
        self._write.finished.connect(self._on_written)
        self._slow.start()

    def _on_slow_write(self) -> None:
        if self._write is None:
            return
        waited = time.monotonic() - self._write_started
        t = self.tag
        what = f"{format_value(t, self._value or 0.0)} {t.unit}".rstrip()
        self.status_label.setText(
            f"Writing {what} to {t.name}: no answer yet after {waited:.0f} s (connection slow or "
            "lost). The outcome will be shown here and journaled."
        )

    def _on_written(self, fut: concurrent.futures.Future[WriteResult]) -> None:
        if self._write is None or self._write.future is not fut:
            return  # the dialog was closed meanwhile (the runtime journaled the outcome)
        self._slow.stop()
        self._write = None
        try:
            result = fut.result()
        except Exception as exc:
            self._show_result(None, f"Not written: the write failed ({type(exc).__name__}: {exc})")
            return
        self._show_result(result)

    def _show_result(self, result: WriteResult | None, text: str | None = None) -> None:
        self.progress.setVisible(False)
        self._set_inputs_enabled(True)
        self.last_result = result
        if result is not None:
            t = self.tag
            if result.ok:
                msg = result.message or "written"
                msg = msg[:1].upper() + msg[1:]
                text = f"✓ {msg}: {t.name} = {format_value(t, result.value)} {t.unit}".rstrip()
                if result.event_id is not None:
                    text += f"  (journal #{result.event_id})"
            else:
                text = f"✗ Not written: {result.message}"
                if result.status:
                    text += f"  [{status_name(result.status)}]"
        ok = result is not None and result.ok
        if ok and result is not None:
            i = self.live.index.get(self.tag.name)
            version = int(self.live.version[i]) if i is not None else -1
            self._written = (self.tag.name, float(result.value), version)
        self.status_label.setProperty("outcome", "ok" if ok else "failed")
        self._repolish(self.status_label)
        self.status_label.setText(text or "")
        self._show_current()
        self._validate()
        if result is not None:
            self.write_finished.emit(result)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        self.tag_combo.setEnabled(enabled and len(self.tags) > 1)
        self.value_edit.setEnabled(enabled)
        self.number_pad.setEnabled(enabled)
        self.choice_combo.setEnabled(enabled)
        self._update_write_keys(enabled)

    def _refusal(self) -> str:
        """Why the actor may not write ('' when it may, or when only a name was given: the
        runtime checks that one)."""
        return role_refusal(self.actor, Action.WRITE_SETPOINT) if self.actor is not None else ""

    def set_actor(self, user: str, actor: User | None) -> None:
        """The user changed (log-in, switch user, log-out) while the dialog is open: Write follows
        the new role (a viewer's Write is disabled, with the reason, before trying)."""
        self.user, self.actor = user, actor
        self.user_label.setText(user)
        self._validate()

    @staticmethod
    def _repolish(w: QWidget) -> None:
        w.style().unpolish(w)
        w.style().polish(w)

    def done(self, r: int) -> None:
        # Closing while a write is pending is allowed: the runtime still journals the outcome.
        self._slow.stop()
        self._refresh_timer.stop()
        self._write = None
        super().done(r)
