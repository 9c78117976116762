"""Log in / switch user, and the password change a first log-in may require.

`runtime.login(name, password)` checks the scrypt hash on the runtime's actions
thread (~50 ms, and as long for an unknown name) and audits the attempt; the
dialog hears of the result through `widgets.background.watch_future`, so the
window never freezes. A user
flagged `must_change_password` (the demo accounts) must choose a new password
before the log-in completes, whether they typed the password or the PIN (the PIN
proves who it is, not that the first password was replaced): the log-in is journaled
"login - password change required", and "login - ok" only after the change
(hmi.core.audit.Auditor); cancelling leaves it at that, with no logout of a session
that never began.

The new password is set through `runtime.change_password(user, new)` on the
runtime's actions thread (scrypt hashing and an fsynced file write never run on the GUI thread).
The password is never logged, journaled or kept after the dialog closes.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hmi.core.users import User
from hmi.ui.services import UserSession
from widgets.background import BackgroundTask, watch_future
from widgets.dialog_fit import fit_height
from widgets.number_pad import NumberPad
from widgets.text_keyboard import TextKeyboard
from widgets.wrapping_label import WrappingLabel, keep_room


def _known_users(runtime: UserSession) -> list[User]:
    """The accounts to offer on the touch picker (none when the runtime has no user store)."""
    users = runtime.users
    try:
        return list(users.users()) if users is not None else []
    except Exception:  # a broken users file is reported when logging in; the picker stays empty
        return []


MIN_PASSWORD_LEN = 8
INFO_LINES = 3  # who is logged in now, or the first log-in's explanation


def _pin_goes(runtime: UserSession, user: User) -> str:
    """What the change page adds when the account's first PIN stops working with the change."""
    users = runtime.users
    try:
        provisional = users is not None and users.pin_is_provisional(user.name)
    except Exception:  # a broken users file is reported when the change is saved
        provisional = False
    return "Your first PIN stops working with this change." if provisional else ""


def password_problem(user_name: str, old: str, new: str, confirm: str) -> str:
    """'' when the new password is acceptable, else what is wrong (for the dialog)."""
    if len(new) < MIN_PASSWORD_LEN:
        return f"The new password needs at least {MIN_PASSWORD_LEN} characters."
    if new == old:
        return "The new password must differ from the old one."
    if new.lower() == user_name.lower() or new.lower() == f"{user_name}-demo".lower():
        return "The new password must not be the user name or the demo password."
    if new != confirm:
        return "The two new passwords differ."
    return ""


class LoginDialog(QDialog):
    logged_in = Signal(object)  # User (with must_change_password cleared after a change)

    def __init__(
        self,
        runtime: UserSession,
        current: User | None = None,
        parent: QWidget | None = None,
        *,
        touch: bool = False,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.current = current
        self.user: User | None = None  # the result
        self._task: BackgroundTask | None = None
        # What to do with the finished future: a plain function of (dialog, future), not a bound
        # method, so the dialog holds no reference cycle through itself.
        self._then: Callable[[LoginDialog, concurrent.futures.Future], None] | None = None
        self._pending_user: User | None = None
        self._old_password = ""
        self.setWindowTitle("Switch user" if current else "Log in")
        self.setObjectName("loginDialog")
        self.setMinimumWidth(420)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.setSpacing(10)
        self.heading = QLabel("Switch user" if current else "Log in")
        self.heading.setObjectName("dialogHeading")
        outer.addWidget(self.heading)
        # Every row has one height for the dialog's whole life, so no key of the pad or the keyboard
        # moves between two taps, whatever the messages say (qa7 G21): who is logged in now and the
        # first log-in's explanation take turns in rows of the same height, the pages of the stack
        # keep the tallest one's height, the PIN pad and the letter keyboard take turns in one slot,
        # the message has two lines and the progress bar keeps its room while hidden.
        self.current_label = WrappingLabel(
            f"Logged in now: {current.name} ({current.role.label}). The new user replaces them."
            if current
            else "Nobody is logged in: the screens are view-only.",
            lines=INFO_LINES,
            elide=True,
        )
        self.current_label.setObjectName("dimLabel")
        outer.addWidget(self.current_label)
        self.change_info = WrappingLabel(lines=INFO_LINES, elide=True)
        self.change_info.setObjectName("changeInfo")
        self.change_info.hide()
        outer.addWidget(self.change_info)

        self.pages = QStackedWidget()
        outer.addWidget(self.pages)

        # Page 0: name + password
        login = QWidget()
        form = QFormLayout(login)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setContentsMargins(0, 0, 0, 0)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("loginName")
        self.name_edit.setPlaceholderText("user name")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("loginPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User", self.name_edit)
        form.addRow("Password", self.password_edit)
        # Touch profile: pick the name from a list and type the PIN on the pad (no keyboard needed).
        self.user_picker = QComboBox()
        self.user_picker.setObjectName("loginUserPicker")
        self.user_picker.addItem("Choose your name…", "")
        for u in _known_users(runtime):
            self.user_picker.addItem(f"{u.display_name or u.name} ({u.name})", u.name)
        self.user_picker.currentIndexChanged.connect(self._on_user_picked)
        self.number_pad = NumberPad(self.password_edit, decimals=False, signed=False, enter_text="Log in")
        self.number_pad.entered.connect(self._on_ok)
        # A password that is not a PIN, and the first log-in's new password, need letters: an
        # on-screen keyboard (it types into the field that has the focus). On page 0 it takes the
        # pad's place on a tap (one slot: each is where it was when it comes back); the
        # change-password page shows it at once.
        self.keyboard: TextKeyboard | None = None
        self.keys_slot = QStackedWidget()
        self.keys_slot.setObjectName("loginKeys")
        self.keys_button = QPushButton("ABC keyboard")
        self.keys_button.setObjectName("loginKeysToggle")
        self.keys_button.setAutoDefault(False)
        self.keys_button.setToolTip("Type a password with letters (the PIN pad and the keyboard take turns)")
        self.keys_button.clicked.connect(self._toggle_keys)
        if touch:
            form.insertRow(0, "Name", self.user_picker)
            # The name comes from the list (no keyboard needed); the field stays for the code.
            form.setRowVisible(self.name_edit, False)
            self.password_edit.setPlaceholderText("password, or the PIN on the pad")
            self.keyboard = TextKeyboard(enter_tip="Log in")
            self.keyboard.entered.connect(self._on_ok)
            self.keys_slot.addWidget(self.number_pad)
            self.keys_slot.addWidget(self.keyboard)
            keep_room(self.keys_button)
        else:
            self.user_picker.hide()
            self.number_pad.hide()
            self.keys_button.hide()
            self.keys_slot.hide()
        self.pages.addWidget(login)

        # Page 1: new password
        change = QWidget()
        cform = QFormLayout(change)
        cform.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        cform.setContentsMargins(0, 0, 0, 0)
        self.new_edit = QLineEdit()
        self.new_edit.setObjectName("newPassword")
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("confirmPassword")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        cform.addRow("New password", self.new_edit)
        cform.addRow("Repeat", self.confirm_edit)
        self.pages.addWidget(change)
        outer.addWidget(self.keys_slot)
        if touch:
            outer.addWidget(self.keys_button)

        self.message_label = WrappingLabel(lines=2, elide=True)
        self.message_label.setObjectName("validationMessage")
        outer.addWidget(self.message_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        keep_room(self.progress)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.ok_button = QPushButton("Log in")
        self.ok_button.setObjectName("loginOk")
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)
        # Height the dialog gains (the first log-in's page asks for more) goes under the buttons:
        # nothing above them moves.
        outer.addStretch(1)

        self.ok_button.clicked.connect(self._on_ok)
        self.cancel_button.clicked.connect(self.reject)
        self.name_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self._on_ok)
        self.confirm_edit.returnPressed.connect(self._on_ok)

        users = runtime.users
        if users is None:
            self._say("Log-in is not available: this runtime has no user store.", bad=True)
            self.ok_button.setEnabled(False)
        elif len(users) == 0:
            self._say(
                f"No accounts exist yet ({users.path}). Create one with "
                f"`linehmi users --file {users.path} add NAME --role ROLE`.",
                bad=True,
            )
        self.name_edit.setFocus()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        fit_height(self)

    def _toggle_keys(self) -> None:
        """Page 0 in touch: the PIN pad or the letter keyboard, one at a time, in one slot."""
        if self.keyboard is None:
            return
        self._show_keys(letters=self.keys_slot.currentWidget() is not self.keyboard)
        self.password_edit.setFocus()

    def _show_keys(self, *, letters: bool) -> None:
        if self.keyboard is None:
            return
        self.keys_slot.setCurrentWidget(self.keyboard if letters else self.number_pad)
        self.keys_button.setText("PIN pad" if letters else "ABC keyboard")

    def _on_user_picked(self, _i: int) -> None:
        name = self.user_picker.currentData()
        if name:
            self.name_edit.setText(name)
            self.password_edit.clear()
            self.password_edit.setFocus()

    # --- state -------------------------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        return self._task is not None

    @property
    def changing_password(self) -> bool:
        return self.pages.currentIndex() == 1

    def _say(self, text: str, bad: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setProperty("invalid", bad)
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)

    def _busy(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.ok_button.setEnabled(not on)
        for w in (self.name_edit, self.password_edit, self.new_edit, self.confirm_edit):
            w.setEnabled(not on)

    def _wait(
        self, fut: concurrent.futures.Future, then: Callable[[LoginDialog, concurrent.futures.Future], None]
    ) -> None:
        self._task, self._then = watch_future(fut, parent=self), then
        self._task.finished.connect(self._on_finished)
        self._busy(True)

    def _on_finished(self, fut: concurrent.futures.Future) -> None:
        task, then = self._task, self._then
        if task is None or task.future is not fut or then is None:
            return  # the dialog was closed meanwhile
        self._task, self._then = None, None
        self._busy(False)
        then(self, fut)

    # --- steps -------------------------------------------------------------------------------------
    def _on_ok(self) -> None:
        if self.pending:
            return
        if self.changing_password:
            self._change_password()
            return
        name = self.name_edit.text().strip()
        password = self.password_edit.text()
        if not name or not password:
            self._say("Enter your user name and password.", bad=True)
            return
        self._say("Checking…")
        try:
            fut = self.runtime.login(name, password)  # type: ignore[attr-defined]
        except Exception as exc:
            self._say(f"Log-in failed: {exc}", bad=True)
            return
        self._old_password = password
        self._wait(fut, LoginDialog._on_login_done)

    def _on_login_done(self, fut: concurrent.futures.Future) -> None:
        try:
            user = fut.result()
        except Exception as exc:
            self._old_password = ""
            self._say(f"Log-in failed: {type(exc).__name__}: {exc}", bad=True)
            return
        if user is None:
            self._old_password = ""
            self.password_edit.clear()
            self.password_edit.setFocus()
            self._say("Unknown user or wrong password.", bad=True)
            return
        if user.must_change_password:
            self._pending_user = user
            self.change_info.setText(
                f"Welcome, {user.display_name or user.name}: the first log-in needs a new password. "
                f"Choose one of at least {MIN_PASSWORD_LEN} characters."
            )
            self.change_info.show()
            self.current_label.hide()
            self.pages.setCurrentIndex(1)
            self.ok_button.setText("Change password and log in")
            self.heading.setText("Choose a new password")
            self._say(_pin_goes(self.runtime, user))
            self.new_edit.setFocus()
            if self.keyboard is not None:  # letters are needed now: the keyboard, not the PIN pad
                self._show_keys(letters=True)
                self.keys_button.hide()  # its room stays: nothing under it moves
            return
        self._complete(user)

    def _change_password(self) -> None:
        user = self._pending_user
        if user is None:
            return
        new, confirm = self.new_edit.text(), self.confirm_edit.text()
        why = password_problem(user.name, self._old_password, new, confirm)
        if why:
            self._say(why, bad=True)
            return
        self._say("Saving the new password…")
        try:
            fut = self.runtime.change_password(user, new)
        except Exception as exc:
            self._say(f"Could not change the password: {exc}", bad=True)
            return
        self._wait(fut, LoginDialog._on_changed)

    def _on_changed(self, fut: concurrent.futures.Future) -> None:
        try:
            fut.result()
        except Exception as exc:
            self._say(f"Could not change the password: {exc}", bad=True)
            return
        user = self._pending_user
        self._pending_user = None
        if user is not None:
            self._complete(dataclasses.replace(user, must_change_password=False))

    def _complete(self, user: User) -> None:
        self.user = user
        self._old_password = ""
        self.password_edit.clear()
        self.new_edit.clear()
        self.confirm_edit.clear()
        self.logged_in.emit(user)
        self.accept()

    def done(self, r: int) -> None:
        # Cancelled before the password change: the log-in never completed (its row says "password
        # change required", not "ok"), so there is no session to log out of (qa12 Q12-3).
        self._pending_user = None
        self._task, self._then = None, None
        self._old_password = ""
        self.password_edit.clear()
        self.new_edit.clear()
        self.confirm_edit.clear()
        super().done(r)
