"""Trusting an OPC UA server's certificate from the HMI: an explicit, audited act.

When the connector refuses a server certificate (unknown, or changed since it
was trusted), a status-bar button "Server certificate refused" appears. It
opens a dialog showing what a person needs to decide: subject, issuer,
validity, application URI and the SHA-256 fingerprint to compare with the
server's administrator. Only an engineer (Action.TRUST_CERTIFICATE) can trust;
others see the button disabled with the reason before trying. The act goes
through the line's `ServerCertificates` service (hmi.app.cert_trust): the
audit row is committed, the certificate moves to pki/trusted (pki/trust.log)
and the connector connects at once. The dialog hears of the result through
`widgets.background.watch_future`, so the window never waits for the disk.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from connectors.opcua_pki import CertInfo
from hmi.core.events import EventKind, JournalEvent
from hmi.core.users import REQUIRED_ROLE, Action, PermissionDenied, User, allowed
from hmi.ui.services import ServerCertificates
from widgets.background import watch_future

REFUSAL_NOTICES = ("certificate_untrusted", "certificate_changed")


class CertTrustDialog(QDialog):
    def __init__(
        self, certificates: ServerCertificates, user: User | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Server certificates refused")
        self.certificates = certificates
        self.user = user
        self.infos: list[CertInfo] = []
        self._pending: concurrent.futures.Future[CertInfo] | None = None
        self.list = QListWidget()
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.compared = QCheckBox("I compared this SHA-256 fingerprint with the server's administrator")
        self.trust_button = QPushButton("Trust this server")
        self.close_button = QPushButton("Close")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.trust_button)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel("The connection is refused until someone with the right role trusts the server.")
        )
        lay.addWidget(self.list)
        lay.addWidget(self.details)
        lay.addWidget(self.compared)
        lay.addWidget(self.reason)
        lay.addLayout(buttons)
        self.list.currentRowChanged.connect(self._on_selected)
        self.compared.toggled.connect(self._update_enabled)
        self.trust_button.clicked.connect(self._on_trust)
        self.close_button.clicked.connect(self.reject)
        self.refresh()

    def refresh(self) -> None:
        self.infos = self.certificates.refused()
        self.list.clear()
        for info in self.infos:
            self.list.addItem(f"{info.subject}   {info.sha256[:23]}...")
        if self.infos:
            self.list.setCurrentRow(0)
        else:
            self.details.setText("No refused certificates.")
        self._update_enabled()

    def _selected(self) -> CertInfo | None:
        row = self.list.currentRow()
        return self.infos[row] if 0 <= row < len(self.infos) else None

    def _on_selected(self, _row: int) -> None:
        info = self._selected()
        self.compared.setChecked(False)
        if info is not None:
            self.details.setText(
                f"<b>Subject</b>: {info.subject}<br><b>Issuer</b>: {info.issuer}<br>"
                f"<b>Valid</b>: {info.not_before:%Y-%m-%d} to {info.not_after:%Y-%m-%d} (UTC)<br>"
                f"<b>Application URI</b>: {info.application_uri or '(none)'}<br>"
                f"<b>SHA-256</b>: <tt>{info.sha256}</tt>"
            )
        self._update_enabled()

    def _update_enabled(self) -> None:
        may = allowed(self.user, Action.TRUST_CERTIFICATE)
        if not may:
            self.reason.setText(
                str(
                    PermissionDenied(
                        self.user, Action.TRUST_CERTIFICATE, REQUIRED_ROLE[Action.TRUST_CERTIFICATE]
                    )
                )
            )
        elif self._selected() is not None and not self.compared.isChecked():
            self.reason.setText("Confirm that you compared the fingerprint first.")
        else:
            self.reason.setText("")
        self.compared.setEnabled(may and self._selected() is not None)
        self.trust_button.setEnabled(may and self._selected() is not None and self.compared.isChecked())

    def _on_trust(self) -> None:
        info = self._selected()
        if info is None or self._pending is not None:
            return
        self.trust_button.setEnabled(False)
        self.reason.setText("Trusting...")
        self._trusting = info
        self._pending = self.certificates.trust(info.sha256, self.user)
        watch_future(self._pending, parent=self).finished.connect(self._on_trusted)

    def _on_trusted(self, fut: concurrent.futures.Future[CertInfo]) -> None:
        self._pending = None
        try:
            trusted = fut.result()
        except (PermissionDenied, KeyError) as exc:
            self.reason.setText(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc))
            self._update_enabled()
            return
        self.refresh()
        self.reason.setText(f"Trusted {trusted.sha256[:23]}...; connecting.")


class CertRefusalButton(QPushButton):
    """Status-bar entry that appears while a server certificate is refused."""

    def __init__(self, certificates: ServerCertificates | None, parent: QWidget | None = None) -> None:
        super().__init__("Server certificate refused: review", parent)
        self.certificates = certificates
        self.user: User | None = None  # who is logged in (set by the window, like every action widget)
        self.setVisible(False)
        self.clicked.connect(self._open)

    def set_user(self, user: User | None) -> None:
        self.user = user

    def on_events(self, events: Iterable[JournalEvent]) -> None:
        if self.certificates is None:  # no PKI on this line: nothing to trust here
            return
        for ev in events:  # the latest word wins: refused, or connected again
            if ev.data.get("notice") in REFUSAL_NOTICES:
                self.setVisible(True)
            elif ev.kind == EventKind.CONNECTION and ev.message.startswith(("connected", "reconnected")):
                self.setVisible(False)

    def _open(self) -> None:
        assert self.certificates is not None
        dlg = CertTrustDialog(self.certificates, self.user, self.window())
        dlg.finished.connect(dlg.deleteLater)
        dlg.open()
