"""Trusting a refused server certificate from the screen: role-checked, audited, then connect."""

from __future__ import annotations

import concurrent.futures

import pytest

from connectors.opcua_pki import Pki, load_der_or_pem
from hmi.app.cert_trust import CertificateTrust
from hmi.core.audit import Auditor
from hmi.core.events import EventKind, JournalEvent
from hmi.core.users import PermissionDenied, Role, User
from hmi.ui.cert_trust_dialog import CertRefusalButton, CertTrustDialog
from tests.opcua_servers import make_server_certificate


class _Sink:
    def __init__(self) -> None:
        self.events: list[JournalEvent] = []

    def write_event(self, ev: JournalEvent) -> int:
        self.events.append(ev)
        return len(self.events)


@pytest.fixture
def trust(tmp_path):
    pki = Pki(tmp_path / "pki").ensure_dirs()
    cert_path, _ = make_server_certificate(tmp_path / "srv", "plc")
    info = pki.store_rejected(load_der_or_pem(cert_path.read_bytes()))
    sink = _Sink()
    retries: list[int] = []
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="test-actions")
    yield CertificateTrust(pki, Auditor(sink), lambda: retries.append(1), pool), pki, info, sink, retries
    pool.shutdown()


def test_the_service_refuses_and_audits_a_role_without_the_right(trust):
    certs, pki, info, sink, retries = trust
    with pytest.raises(PermissionDenied):
        certs.trust(info.sha256, User("olga", Role.OPERATOR)).result(10)
    with pytest.raises(PermissionDenied):
        certs.trust(info.sha256, None).result(10)
    assert pki.find(info.sha256).status == "rejected" and not retries
    refusals = [e for e in sink.events if e.kind == EventKind.AUDIT and e.data["result"] == "refused"]
    assert len(refusals) == 2


def test_viewer_sees_why_before_trying(qtbot, trust):
    certs, pki, info, _sink, retries = trust
    dlg = CertTrustDialog(certs, User("ann", Role.OPERATOR))
    qtbot.addWidget(dlg)
    assert info.sha256 in dlg.details.text()
    assert not dlg.trust_button.isEnabled() and not dlg.compared.isEnabled()
    assert "engineer" in dlg.reason.text()
    assert pki.find(info.sha256).status == "rejected" and not retries


def test_engineer_trusts_after_comparing_fingerprint_audited(qtbot, trust):
    certs, pki, info, sink, retries = trust
    dlg = CertTrustDialog(certs, User("eve", Role.ENGINEER))
    qtbot.addWidget(dlg)
    assert not dlg.trust_button.isEnabled()  # the fingerprint comparison is confirmed first
    dlg.compared.setChecked(True)
    assert dlg.trust_button.isEnabled()
    dlg.trust_button.click()
    qtbot.waitUntil(lambda: "Trusted" in dlg.reason.text())
    assert pki.find(info.sha256).status == "trusted"
    audit = [e for e in sink.events if e.kind == EventKind.AUDIT]
    assert len(audit) == 1 and audit[0].user == "eve" and audit[0].data["sha256"] == info.sha256
    assert retries == [1]
    assert "eve" in pki.trust_log.read_text()
    assert dlg.list.count() == 0  # nothing refused any more


def test_refusal_button_shows_on_refusal_and_hides_on_connect(qtbot, trust):
    certs, *_ = trust
    btn = CertRefusalButton(certs)
    qtbot.addWidget(btn)
    assert btn.isHidden()
    btn.on_events([JournalEvent(EventKind.CONNECTION, "refused", data={"notice": "certificate_changed"})])
    assert not btn.isHidden()
    btn.on_events([JournalEvent(EventKind.CONNECTION, "connected to opc.tcp://x")])
    assert btn.isHidden()
    none = CertRefusalButton(None)  # a line without PKI: never shown
    qtbot.addWidget(none)
    none.on_events([JournalEvent(EventKind.CONNECTION, "refused", data={"notice": "certificate_changed"})])
    assert none.isHidden()
