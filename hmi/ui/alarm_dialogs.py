"""Alarm operator actions: the dialogs (ack comment, shelve, out of service, return to
service, change limit) and the controller that runs the actions off the GUI thread.

Flow: the alarm table or banner emits a request (AlarmCommand, ids) ->
`AlarmActionController.request()` opens the dialog the command needs (a comment,
a mandatory reason, a duration, a limit) -> `runtime.alarm_action(AlarmRequest, user)`
returns a concurrent.futures.Future completed on the runtime's actions thread
(role check and refusal audited there, audit row committed, then the state
change) -> its answer comes back on the GUI thread (widgets.background) and the
controller emits `outcome(text, kind)`; the new alarm states arrive through the
bridge like every other change.

Dialogs are window-modal but never block the event loop (`open()`, not `exec()`),
so the banner keeps flashing and values keep updating while one is open.
"""

from __future__ import annotations

import concurrent.futures
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms.commands import AlarmCommand, AlarmRequest, confirmation_detail
from hmi.core.alarms.limits import limit_problem
from hmi.core.alarms.model import AlarmDefinition, AlarmRecord
from hmi.core.config import LineConfig
from hmi.core.number_entry import parse_number
from hmi.core.users import PermissionDenied, User
from hmi.ui.services import AlarmService
from widgets.alarm_store import AlarmStore
from widgets.background import watch_future
from widgets.dialog_fit import fit_height
from widgets.text_keyboard import TextKeyboard
from widgets.wrapping_label import WrappingLabel

SHELVE_CHOICES = (
    ("15 minutes", 15 * 60),
    ("30 minutes", 30 * 60),
    ("1 hour", 3600),
    ("2 hours", 2 * 3600),
    ("4 hours", 4 * 3600),
    ("8 hours (a shift)", 8 * 3600),
    ("12 hours", 12 * 3600),
)
MAX_LISTED = 6
REASON_MAX = 200


def _who(user: User | None) -> str:
    return f"{user.name} ({user.role.label})" if user else "nobody (not logged in)"


def _plural(n: int, word: str = "alarm") -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _alarm_list(records: Sequence[AlarmRecord]) -> QLabel:
    lines = [f"• {int(r.priority)} {r.priority.label} — {r.name}" for r in records[:MAX_LISTED]]
    if len(records) > MAX_LISTED:
        lines.append(f"… and {len(records) - MAX_LISTED} more")
    label = QLabel("\n".join(lines))
    label.setObjectName("dialogAlarmList")
    label.setWordWrap(True)
    return label


class _ActionDialog(QDialog):
    """Heading, the alarms concerned, a form, a validation line, OK/Cancel."""

    def __init__(
        self,
        title: str,
        heading: str,
        records: Sequence[AlarmRecord],
        user: User | None,
        ok_text: str,
        parent,
        keyboard: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("alarmActionDialog")
        self.setMinimumWidth(540)
        self.records = list(records)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(16, 14, 16, 12)
        self._outer.setSpacing(10)
        self.heading = QLabel(heading)
        self.heading.setObjectName("dialogHeading")
        self._outer.addWidget(self.heading)
        self._outer.addWidget(_alarm_list(self.records))
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setHorizontalSpacing(14)
        self.form.setVerticalSpacing(8)
        self._outer.addLayout(self.form)
        # The touch profile has no keyboard: an on-screen one types the reason or comment.
        self.keyboard: TextKeyboard | None = None
        if keyboard:
            self.keyboard = TextKeyboard(enter_tip=ok_text)
            self.keyboard.entered.connect(self._on_ok)
            self._outer.addWidget(self.keyboard)
        # Two lines whatever it says (the whole text in its tooltip): the keys above never move.
        self.message_label = WrappingLabel(lines=2, elide=True)
        self.message_label.setObjectName("validationMessage")
        self._outer.addWidget(self.message_label)
        self.user_label = QLabel(f"As {_who(user)}; journaled with your name and the time.")
        self.user_label.setObjectName("dimLabel")
        self._outer.addWidget(self.user_label)
        box = QDialogButtonBox()
        self.ok_button = QPushButton(ok_text)
        self.ok_button.setObjectName("dialogOk")
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        box.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        box.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.clicked.connect(self._on_ok)
        self.cancel_button.clicked.connect(self.reject)
        self._outer.addWidget(box)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        fit_height(self)  # wrapped notes must not squeeze the keyboard (its last row was cut)

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.records]

    def problem(self) -> str:
        """'' when the input is complete; otherwise what is missing."""
        return ""

    def _validate(self, *_a) -> bool:
        why = self.problem()
        self.message_label.setText(why)
        self.message_label.setProperty("invalid", bool(why))
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        self.ok_button.setEnabled(not why)
        return not why

    def _on_ok(self) -> None:
        if self._validate():
            self.accept()


class AckDialog(_ActionDialog):
    def __init__(
        self,
        records: Sequence[AlarmRecord],
        user: User | None,
        parent=None,
        *,
        visible: bool = False,
        keyboard: bool = False,
    ):
        n = len(records)
        heading = f"Acknowledge {'all ' if visible and n > 1 else ''}{_plural(n)}"
        if visible:
            heading += " shown in the list"
        super().__init__("Acknowledge alarms", heading, records, user, "Acknowledge", parent, keyboard)
        self.comment_edit = QLineEdit()
        self.comment_edit.setObjectName("ackComment")
        self.comment_edit.setMaxLength(REASON_MAX)
        self.comment_edit.setPlaceholderText("optional: what you saw or did")
        self.form.addRow("Comment", self.comment_edit)
        self.comment_edit.returnPressed.connect(self._on_ok)
        self.comment_edit.setFocus()
        self._validate()

    @property
    def comment(self) -> str:
        return self.comment_edit.text().strip()


class ShelveDialog(_ActionDialog):
    def __init__(
        self,
        records: Sequence[AlarmRecord],
        user: User | None,
        max_s: float = 12 * 3600,
        parent=None,
        *,
        keyboard: bool = False,
    ):
        super().__init__(
            "Shelve alarms", f"Shelve {_plural(len(records))}", records, user, "Shelve", parent, keyboard
        )
        note = QLabel(
            "A shelved alarm leaves the active list and is not annunciated. It returns by itself "
            "when the time is up (re-annunciated if its condition is still there)."
        )
        note.setWordWrap(True)
        note.setObjectName("dimLabel")
        self._outer.insertWidget(2, note)
        self.duration_combo = QComboBox()
        self.duration_combo.setObjectName("shelveDuration")
        for label, seconds in SHELVE_CHOICES:
            if seconds <= max_s:
                self.duration_combo.addItem(label, seconds)
        self.duration_combo.setCurrentIndex(min(2, self.duration_combo.count() - 1))
        self.form.addRow("For", self.duration_combo)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("shelveReason")
        self.reason_edit.setMaxLength(REASON_MAX)
        self.reason_edit.setPlaceholderText("required: why (e.g. sensor under repair, work order 4711)")
        self.form.addRow("Reason", self.reason_edit)
        self.until_label = QLabel()
        self.form.addRow("Until", self.until_label)
        self.reason_edit.textChanged.connect(self._validate)
        self.reason_edit.returnPressed.connect(self._on_ok)
        self.duration_combo.currentIndexChanged.connect(self._show_until)
        self.reason_edit.setFocus()
        self._show_until()
        self._validate()

    @property
    def duration_s(self) -> float:
        return float(self.duration_combo.currentData() or 0)

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def problem(self) -> str:
        if not self.reason:
            return "A reason is required to shelve an alarm."
        return ""

    def _show_until(self, *_a) -> None:
        self.until_label.setText(
            time.strftime("%Y-%m-%d %H:%M", time.localtime(time.time() + self.duration_s))
        )


class ReasonDialog(_ActionDialog):
    """Out of service (reason required) and return to service (reason optional)."""

    def __init__(
        self,
        title: str,
        heading: str,
        records: Sequence[AlarmRecord],
        user: User | None,
        ok_text: str,
        *,
        required: bool,
        note: str = "",
        placeholder: str = "",
        parent=None,
        keyboard: bool = False,
    ) -> None:
        super().__init__(title, heading, records, user, ok_text, parent, keyboard)
        self.required = required
        if note:
            label = QLabel(note)
            label.setWordWrap(True)
            label.setObjectName("dimLabel")
            self._outer.insertWidget(2, label)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("actionReason")
        self.reason_edit.setMaxLength(REASON_MAX)
        self.reason_edit.setPlaceholderText(placeholder or ("required: why" if required else "optional"))
        self.form.addRow("Reason", self.reason_edit)
        self.reason_edit.textChanged.connect(self._validate)
        self.reason_edit.returnPressed.connect(self._on_ok)
        self.reason_edit.setFocus()
        self._validate()

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def problem(self) -> str:
        if self.required and not self.reason:
            return "A reason is required."
        return ""


class LimitDialog(_ActionDialog):
    """`definitions`: the engine's current alarm definitions; the new limit is checked against them
    with the engine's own rule (`limits.limit_problem`) as it is typed, so "Change limit" is
    enabled only for a limit the engine takes, and the reason is shown before trying (qa7 G33)."""

    def __init__(
        self,
        record: AlarmRecord,
        user: User | None,
        unit: str = "",
        parent=None,
        *,
        keyboard: bool = False,
        definitions: Sequence[AlarmDefinition] = (),
    ):
        self.definitions = list(definitions)
        super().__init__(
            "Change alarm limit",
            f"Change the limit of {record.name}",
            [record],
            user,
            "Change limit",
            parent,
            keyboard,
        )
        self.unit = unit
        note = QLabel(
            "The new limit holds until the HMI restarts; the line config stays the source of truth."
        )
        note.setWordWrap(True)
        note.setObjectName("dimLabel")
        self._outer.insertWidget(2, note)
        self.form.addRow("Current limit", QLabel(f"{record.limit:g} {unit}".rstrip()))
        self.limit_edit = QLineEdit()
        self.limit_edit.setObjectName("newLimit")
        # No input validator (it would drop keys and turn "4.5O" into 4.5): `parse_number` refuses.
        self.limit_edit.setPlaceholderText(f"{record.limit:g}")
        self.form.addRow(f"New limit{f' ({unit})' if unit else ''}", self.limit_edit)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("limitReason")
        self.reason_edit.setMaxLength(REASON_MAX)
        self.reason_edit.setPlaceholderText("required: why")
        self.form.addRow("Reason", self.reason_edit)
        self.limit_edit.textChanged.connect(self._validate)
        self.reason_edit.textChanged.connect(self._validate)
        self.reason_edit.returnPressed.connect(self._on_ok)
        self.limit_edit.setFocus()
        self._validate()

    @property
    def limit(self) -> float | None:
        return parse_number(self.limit_edit.text(), unit=self.unit).value

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def problem(self) -> str:
        entry = parse_number(self.limit_edit.text(), unit=self.unit)
        if entry.value is None:
            return f"New limit: {entry.reason}"
        if entry.value == self.records[0].limit:
            return "The new limit is the current one."
        if self.definitions and (why := limit_problem(self.definitions, self.records[0].id, entry.value)):
            return f"Not possible: {why}."
        if not self.reason:
            return "A reason is required."
        return ""


# --- controller ----------------------------------------------------------------------------------


@dataclass
class _Pending:
    command: AlarmCommand
    ids: list[str]
    futures: list[concurrent.futures.Future]
    done_text: str
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class _ReasonWording:
    title: str
    heading: str  # "{n}": "3 alarms"
    ok: str
    note: str = ""
    placeholder: str = ""


# The commands that take one reason for every selected alarm.
_REASON_DIALOGS: dict[AlarmCommand, _ReasonWording] = {
    AlarmCommand.OUT_OF_SERVICE: _ReasonWording(
        "Out of service",
        "Take {n} out of service",
        "Take out of service",
        # Out of service is a maintenance step: the dialog says what it means and asks for a work order.
        note="An out-of-service alarm is not evaluated for the operator until a supervisor "
        "returns it to service (e.g. for maintenance).",
        placeholder="required: why (e.g. instrument replaced, work order 4711)",
    ),
    AlarmCommand.RETURN_TO_SERVICE: _ReasonWording(
        "Return to service", "Return {n} to service", "Return to service"
    ),
}


class AlarmActionController(QObject):
    """Opens the dialog a command needs, runs it on the runtime, reports the outcome."""

    outcome = Signal(str, str)  # text, kind: pending / ok / failed
    action_finished = Signal(str, list, bool)  # AlarmCommand (engine operation), ids, all ok
    dialog_opened = Signal(object)  # the QDialog (tests fill it in)

    def __init__(
        self,
        runtime: AlarmService,
        store: AlarmStore,
        config: LineConfig | None = None,
        parent_widget: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.store = store
        self.config = config
        # Weak: the window owns this controller; a strong reference back would make a cycle that
        # Python's GC could collect on another thread (a QWidget must die on the GUI thread).
        self._parent_widget = weakref.ref(parent_widget) if parent_widget is not None else None
        self.user: User | None = None
        self.touch = False  # the touch profile: dialogs bring an on-screen keyboard
        self.dialog: QDialog | None = None
        self.pending: list[_Pending] = []
        self.last_outcome: tuple[str, str] | None = None
        self._shut_down = False

    @property
    def parent_widget(self) -> QWidget | None:
        return self._parent_widget() if self._parent_widget is not None else None

    @property
    def available(self) -> bool:
        return self.runtime.alarms is not None

    def set_user(self, user: User | None) -> None:
        self.user = user

    def _records(self, ids: Sequence[str]) -> list[AlarmRecord]:
        return [r for r in (self.store.get(i) for i in ids) if r is not None]

    def _reason_dialog(self, command: AlarmCommand, records: list[AlarmRecord]) -> ReasonDialog:
        w = _REASON_DIALOGS[command]
        return ReasonDialog(
            w.title,
            w.heading.format(n=_plural(len(records))),
            records,
            self.user,
            w.ok,
            required=command.spec.text.required,
            note=w.note,
            placeholder=w.placeholder,
            parent=self.parent_widget,
            keyboard=self.touch,
        )

    # --- requests --------------------------------------------------------------------------------
    def request(self, command: AlarmCommand | str, ids: list[str]) -> None:
        """Open the dialog `command` needs (if any), then run it on the alarms `ids`."""
        states = self.runtime.alarms
        if states is None:
            self._emit("Alarm actions are not available: this runtime has no alarm engine.", "failed")
            return
        try:
            cmd = AlarmCommand(command)
        except ValueError:
            self._emit(f"Unknown alarm action {command!r}.", "failed")
            return
        records = self._records(ids)
        if not records:
            self._emit("Those alarms are no longer in the list.", "failed")
            return
        user = self.user
        ids = [r.id for r in records]
        op = cmd.operation
        dlg: _ActionDialog
        match cmd:
            case AlarmCommand.ACKNOWLEDGE | AlarmCommand.RESET | AlarmCommand.UNSHELVE:
                self._submit(AlarmRequest(op, tuple(ids)))
                return
            case AlarmCommand.ACKNOWLEDGE_COMMENT | AlarmCommand.ACKNOWLEDGE_VISIBLE:
                ack = AckDialog(
                    records, user, self.parent_widget, visible=cmd.spec.all_shown, keyboard=self.touch
                )
                ack.accepted.connect(
                    lambda: self._submit(
                        AlarmRequest(op, tuple(ack.ids), ack.comment),
                        confirmation_detail(cmd, ack.comment),
                    )
                )
                dlg = ack
            case AlarmCommand.SHELVE:
                shelve = ShelveDialog(
                    records, user, states.max_shelve_s, self.parent_widget, keyboard=self.touch
                )
                shelve.accepted.connect(
                    lambda: self._submit(
                        AlarmRequest(op, tuple(shelve.ids), shelve.reason, duration_s=shelve.duration_s),
                        confirmation_detail(cmd, shelve.reason, duration=shelve.duration_combo.currentText()),
                    )
                )
                dlg = shelve
            case AlarmCommand.OUT_OF_SERVICE | AlarmCommand.RETURN_TO_SERVICE:
                reason = self._reason_dialog(cmd, records)
                reason.accepted.connect(
                    lambda: self._submit(
                        AlarmRequest(op, tuple(reason.ids), reason.reason),
                        confirmation_detail(cmd, reason.reason),
                    )
                )
                dlg = reason
            case AlarmCommand.SET_LIMIT:
                r = records[0]
                unit = ""
                if self.config is not None:
                    try:
                        unit = self.config.tag(r.tag).unit
                    except KeyError:
                        unit = ""
                limit_dlg = LimitDialog(
                    r, user, unit, self.parent_widget, keyboard=self.touch, definitions=states.definitions
                )
                limit_dlg.accepted.connect(
                    lambda: self._submit(
                        AlarmRequest(op, (r.id,), limit_dlg.reason, limit=limit_dlg.limit),
                        confirmation_detail(
                            cmd, limit_dlg.reason, limit=f"{limit_dlg.limit:g} {unit}".rstrip()
                        ),
                    )
                )
                dlg = limit_dlg
        self._open(dlg)

    def acknowledge(self, ids: list[str]) -> None:
        """The banner's Ack: at once, no comment."""
        self.request(AlarmCommand.ACKNOWLEDGE, ids)

    def _open(self, dlg: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dlg
        dlg.finished.connect(self._on_dialog_finished)
        dlg.open()
        self.dialog_opened.emit(dlg)

    def _on_dialog_finished(self, _result: int) -> None:
        dlg = self.sender()
        if not isinstance(dlg, QDialog):
            return
        if self.dialog is dlg:
            self.dialog = None
        # Not WA_DeleteOnClose: at shutdown the window deletes its child dialogs itself, and a
        # deleteLater queued as well crashed PySide6 6.11 ("shared QObject was deleted directly").
        if not self._shut_down:
            dlg.deleteLater()

    # --- running -----------------------------------------------------------------------------------
    def _submit(self, request: AlarmRequest, detail: str = "") -> None:
        spec = request.command.spec
        ids = list(request.ids)
        what = self._describe(ids)
        futures: list[concurrent.futures.Future] = []
        try:
            for one in request.per_alarm():
                fut = self.runtime.alarm_action(one, self.user)
                futures.append(fut)
                watch_future(fut, parent=self).finished.connect(self._collect)
        except Exception as exc:  # the runtime answers through futures; never crash the screen
            self._emit(f"Not done: {exc}", "failed")
            if not futures:
                return
        done = f"{spec.done} {what}" + (f" {detail}" if detail else "") + f" as {_who(self.user)}."
        self.pending.append(_Pending(request.command, ids, futures, done))
        self._emit(f"{spec.doing} {what}…", "pending")

    def _describe(self, ids: list[str]) -> str:
        if len(ids) == 1:
            r = self.store.get(ids[0])
            return r.name if r is not None else ids[0]
        return _plural(len(ids))

    def _collect(self, _done: concurrent.futures.Future | None = None) -> None:
        """Report every request whose alarms all have their answer (called as each one arrives)."""
        if self._shut_down:
            return
        still: list[_Pending] = []
        for p in self.pending:
            if not all(f.done() for f in p.futures):
                still.append(p)
                continue
            errors: list[str] = []
            for f in p.futures:
                try:
                    f.result()
                except PermissionDenied as exc:
                    errors.append(f"Refused: {exc}.")
                except ValueError as exc:
                    errors.append(f"Not done: {exc}")
                except KeyError as exc:
                    errors.append(f"Not done: unknown alarm {exc}")
                except Exception as exc:
                    errors.append(f"Failed: {type(exc).__name__}: {exc}")
            if errors:
                # The same refusal for every alarm of a request is said once.
                uniq = list(dict.fromkeys(errors))
                self._emit(" ".join(uniq), "failed")
            else:
                self._emit(p.done_text, "ok")
            self.action_finished.emit(p.command, p.ids, not errors)
        self.pending = still

    def _emit(self, text: str, kind: str) -> None:
        self.last_outcome = (text, kind)
        self.outcome.emit(text, kind)

    def shutdown(self) -> None:
        self._shut_down = True
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None
