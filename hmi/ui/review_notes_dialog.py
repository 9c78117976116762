"""The review's "Stop reason…" dialog: which stopped machine (at the cursor), which reason (the line's
reason tree where the file holds one, else free text) and an optional remark. What it returns goes to
the review notes file (hmi.core.review.notes), never to the journal."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)


def _hms(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


class StopReasonDialog(QDialog):
    def __init__(
        self,
        stops: list[tuple[str, str, float, float, str]],  # (machine id, name, start, end, state)
        reasons: list[tuple[str, str]],  # (code, text) of the reason tree; empty: free text
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Stop reason (review notes)")
        self._stops = stops
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                "Saved in the review notes file next to the journal. The journal itself is evidence and "
                "is not changed; classifying the stop there is a supervisor's audited action in the "
                "running LineHMI (Production view)."
            )
        )
        form.itemAt(0).widget().setWordWrap(True)  # type: ignore[union-attr]
        self.stop_combo = QComboBox()
        for _m, name, t0, t1, state in stops:
            self.stop_combo.addItem(f"{name}: {state} {_hms(t0)} to {_hms(t1)}")
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

    def choice(self) -> tuple[str, float, str, str]:
        """(machine id, stop start, reason, remark)."""
        m, _name, t0, _t1, _state = self._stops[max(0, self.stop_combo.currentIndex())]
        return m, t0, self.reason(), self.remark_edit.text().strip()
