"""The GUI's trust dialog: role-checked, audited, and it makes the connector try again."""

from __future__ import annotations

from types import SimpleNamespace

from connectors.opcua_pki import Pki, load_der_or_pem
from hmi.core.audit import Auditor
from hmi.core.events import EventKind, JournalEvent
from hmi.core.users import Role, User
from hmi.ui.cert_trust_dialog import CertRefusalButton, CertTrustDialog
from tests.opcua_servers import make_server_certificate


class _Sink:
    def __init__(self) -> None:
        self.events: list[JournalEvent] = []

    def write_event(self, ev: JournalEvent) -> int:
        self.events.append(ev)
        return len(self.events)


def _runtime(tmp_path):
    pki = Pki(tmp_path / "pki").ensure_dirs()
    cert_path, _ = make_server_certificate(tmp_path / "srv", "plc")
    info = pki.store_rejected(load_der_or_pem(cert_path.read_bytes()))
    sink = _Sink()
    retries: list[int] = []
    rt = SimpleNamespace(
        connector=SimpleNamespace(pki=pki),
        auditor=Auditor(sink),
        retry_connection=lambda: retries.append(1),
    )
    return rt, pki, info, sink, retries


def test_viewer_sees_why_before_trying(qtbot, tmp_path):
    rt, pki, info, _sink, retries = _runtime(tmp_path)
    dlg = CertTrustDialog(rt, User("ann", Role.OPERATOR))
    qtbot.addWidget(dlg)
    assert info.sha256 in dlg.details.text()
    assert not dlg.trust_button.isEnabled() and not dlg.compared.isEnabled()
    assert "engineer" in dlg.reason.text()
    assert pki.find(info.sha256).status == "rejected" and not retries


def test_engineer_trusts_after_comparing_fingerprint_audited(qtbot, tmp_path):
    rt, pki, info, sink, retries = _runtime(tmp_path)
    dlg = CertTrustDialog(rt, User("eve", Role.ENGINEER))
    qtbot.addWidget(dlg)
    assert not dlg.trust_button.isEnabled()  # the fingerprint comparison is confirmed first
    dlg.compared.setChecked(True)
    assert dlg.trust_button.isEnabled()
    dlg.trust_button.click()
    assert pki.find(info.sha256).status == "trusted"
    audit = [e for e in sink.events if e.kind == EventKind.AUDIT]
    assert len(audit) == 1 and audit[0].user == "eve" and audit[0].data["sha256"] == info.sha256
    assert retries == [1]
    assert "eve" in pki.trust_log.read_text()


def test_refusal_button_shows_on_refusal_and_hides_on_connect(qtbot, tmp_path):
    rt, *_ = _runtime(tmp_path)
    btn = CertRefusalButton(rt, lambda: None)
    qtbot.addWidget(btn)
    assert btn.isHidden()
    btn.on_events([JournalEvent(EventKind.CONNECTION, "refused", data={"notice": "certificate_changed"})])
    assert not btn.isHidden()
    btn.on_events([JournalEvent(EventKind.CONNECTION, "connected to opc.tcp://x")])
    assert btn.isHidden()
