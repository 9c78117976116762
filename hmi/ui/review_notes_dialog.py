"""The review's "Stop reason…" dialog: which stopped machine (at the cursor), which reason (the line's
reason tree where the file holds one, else free text) and an optional remark; and the review's log-in.
What the dialog returns goes to the review notes file (hmi.core.review.notes), unless a reviewer logged
in with a role that may classify stops ticks "Write to the journal" (hmi.core.review.journal_write)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from hmi.core.review.stop_choices import StopChoice


class StopReasonDialog(QDialog):
    def __init__(
        self,
        stops: list[StopChoice],  # the production model's stops at the cursor (hmi.core.review.stop_choices)
        reasons: list[tuple[str, str]],  # (code, text) of the reason tree; empty: free text
        parent: QWidget | None = None,
        *,
        journal_as: str | None = None,  # "sue (supervisor)": may write to the journal; None: notes only
        journal_refusal: str = "",  # why not (nobody logged in, a role that may not classify stops)
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Stop reason")
        self._stops = stops
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                "Saved in the review notes file next to the journal: the journal is evidence and is not "
                "changed. A reviewer logged in as a supervisor (or higher) may instead write it to the "
                "journal as an audited classification, as the Production view does."
            )
        )
        form.itemAt(0).widget().setWordWrap(True)  # type: ignore[union-attr]
        self.stop_combo = QComboBox()
        for stop in stops:
            self.stop_combo.addItem(stop.label())
        form.addRow("Stop", self.stop_combo)
        self.reason_combo = QComboBox()
        self.reason_combo.setEditable(True)
        for code, text in reasons:
            self.reason_combo.addItem(f"{code} {text}", code)
        self.reason_combo.setCurrentIndex(-1)
        edit = self.reason_combo.lineEdit()
        if edit is not None:  # always, for an editable combo box
            edit.setPlaceholderText("a reason of the line's tree" if reasons else "the reason, in your words")
        form.addRow("Reason", self.reason_combo)
        self.remark_edit = QLineEdit()
        self.remark_edit.setPlaceholderText("optional remark")
        form.addRow("Remark", self.remark_edit)
        self.journal_box = QCheckBox(
            f"Write to the journal (an audited classification as {journal_as})"
            if journal_as
            else "Write to the journal (an audited classification)"
        )
        self.journal_box.setObjectName("reviewWriteJournal")
        self.journal_box.setEnabled(journal_as is not None)
        self.journal_box.setToolTip(
            "Appends one audit row to the journal file, the same as classifying the stop in the Production "
            "view; refused while a LineHMI writes the file. Unticked: the review notes file."
            if journal_as
            else journal_refusal
        )
        form.addRow(self.journal_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._buttons = buttons
        self.error_label = QLabel()
        form.addRow(self.error_label)

    def reason(self) -> str:
        k = self.reason_combo.currentIndex()
        text = self.reason_combo.currentText().strip()
        if k >= 0 and text == self.reason_combo.itemText(k):
            return str(self.reason_combo.itemData(k))  # a code of the tree
        return text

    def _accept(self) -> None:
        if not self.reason():
            self.error_label.setText("Choose or type a reason first.")
            return
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a field (a reason picked from the list with Down, Return; the remark; the journal
        box) moves on to the next field, it never saves: only the Save button saves (clicked, or Enter
        or Space with the focus on it). QDialog clicked its default button on any Enter, before the
        reviewer reached the remark or "Write to the journal" (qa7 G41)."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not isinstance(self.focusWidget(), QPushButton):
            self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)

    def to_journal(self) -> bool:
        return self.journal_box.isEnabled() and self.journal_box.isChecked()

    def chosen_stop(self) -> StopChoice:
        """The stop picked, as offered: the journal write finds it by this (its machine and start)."""
        return self._stops[max(0, self.stop_combo.currentIndex())]

    def choice(self) -> tuple[str, float, str, str]:
        """(machine id, stop start, reason, remark)."""
        stop = self.chosen_stop()
        return stop.machine, stop.start, self.reason(), self.remark_edit.text().strip()


class ReviewLoginDialog(QDialog):
    """Log in to the review with the line's users file: name and password (never journaled here; the
    audit row of a journal write names the user and role)."""

    def __init__(self, users_file: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log in to write to the journal")
        form = QFormLayout(self)
        intro = QLabel(
            f"Users of {users_file}. A supervisor (or higher) may write stop reasons to the journal; "
            "everyone else's reasons go to the review notes."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.name_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User", self.name_edit)
        form.addRow("Password", self.password_edit)
        self.error_label = QLabel()
        form.addRow(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def credentials(self) -> tuple[str, str]:
        return self.name_edit.text().strip(), self.password_edit.text()
