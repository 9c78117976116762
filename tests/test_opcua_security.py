"""Certificates, trust and credentials against real asyncua servers on 127.0.0.1."""

from __future__ import annotations

import stat
import time

import pytest

from connectors.opcua_pki import Pki, load_der_or_pem
from connectors.opcua_session import MAX_LOGIN_ATTEMPTS
from hmi.certs_cli import certs_cli_main
from hmi.core.config import ConfigError
from hmi.core.connector_notice import NoticeKind, NoticeLevel
from hmi.core.runtime_api import ConnectionState
from tests.opcua_servers import PlcShape, line_config, line_config_text, make_server_certificate, plc_factory


@pytest.fixture
def plcs():
    yield from plc_factory()


SECURE = 'policy = "Basic256Sha256"\nmode = "SignAndEncrypt"\n'


def test_own_certificate_created_with_application_uri_and_private_key(tmp_path):
    pki = Pki(tmp_path / "pki")
    own = pki.ensure_own_certificate("urn:host1:linehmi:line3", host="host1")
    assert own.created
    cert = load_der_or_pem(own.cert_path.read_bytes())
    from connectors.opcua_pki import application_uris

    assert application_uris(cert) == ["urn:host1:linehmi:line3"]
    assert stat.S_IMODE(own.key_path.stat().st_mode) == 0o600
    for d in ("own", "trusted", "rejected", "issuers", "crl"):
        assert (tmp_path / "pki" / d).is_dir()
    again = pki.ensure_own_certificate("urn:host1:linehmi:line3", host="host1")
    assert not again.created and again.cert_path.read_bytes() == own.cert_path.read_bytes()
    # Renewal before expiry: 30 days before the end a new certificate, same key.
    import datetime as dt

    late = cert.not_valid_after_utc - dt.timedelta(days=10)
    renewed = pki.ensure_own_certificate("urn:host1:linehmi:line3", host="host1", now=late)
    assert renewed.created
    assert load_der_or_pem(renewed.cert_path.read_bytes()).public_key() == cert.public_key()


def test_unknown_server_certificate_refused_until_trusted(tmp_path, plcs, monkeypatch):
    plc, session = plcs
    server_cert = make_server_certificate(tmp_path / "srv", "a")
    p = plc(PlcShape(policies=("Basic256Sha256",), cert=server_cert, users={"op": "secret"}))
    monkeypatch.setenv("PLC_PW", "secret")
    cfg = line_config(p.port, SECURE + 'username = "op"\npassword_env = "PLC_PW"\n')
    s = session(cfg, tmp_path / "pki")
    s.seen.wait(lambda: NoticeKind.CERTIFICATE_UNTRUSTED in s.seen.kinds())
    notice = next(n for n in s.seen.notices if n.kind == NoticeKind.CERTIFICATE_UNTRUSTED)
    assert notice.level == NoticeLevel.ERROR
    assert "linehmi certs trust" in notice.message
    rejected = list((tmp_path / "pki" / "rejected").iterdir())
    assert len(rejected) == 1 and rejected[0].read_bytes() == server_cert[0].read_bytes()
    assert notice.data["sha256"].replace(":", "")[:16].lower() in rejected[0].name
    # Refused before any credential left the station, and not retried on a timer.
    time.sleep(2.5)
    assert p.users.attempts == 0
    assert s.conn.state == ConnectionState.DISCONNECTED
    assert sum(1 for k in s.seen.kinds() if k == NoticeKind.CERTIFICATE_UNTRUSTED) == 1
    assert sum(1 for st, _ in s.seen.states if st == ConnectionState.DISCONNECTED) == 1
    # A person trusts it from the command line; the running connector notices and connects.
    cfg_file = tmp_path / "line.toml"
    cfg_file.write_text(line_config_text(p.port, SECURE))
    assert certs_cli_main(["list", "--config", str(cfg_file), "--pki", str(tmp_path / "pki")]) == 0
    fp = notice.data["sha256"][:23]
    assert certs_cli_main(["trust", fp, "--config", str(cfg_file), "--pki", str(tmp_path / "pki")]) == 0
    assert "trusted" in (tmp_path / "pki" / "trust.log").read_text()
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    s.seen.wait(lambda: len(s.seen.values()) > 0)
    assert s.seen.values().value[-1] == 42.0
    assert p.users.attempts == 1


def test_changed_server_certificate_after_restart_is_refused_not_looped(tmp_path, plcs):
    plc, session = plcs
    cert_a = make_server_certificate(tmp_path / "srv", "a")
    p = plc(PlcShape(policies=("Basic256Sha256",), cert=cert_a))
    pki = Pki(tmp_path / "pki").ensure_dirs()
    (pki.trusted / "a.der").write_bytes(cert_a[0].read_bytes())
    s = session(line_config(p.port, SECURE), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    p.stop()
    s.seen.wait(lambda: s.conn.state == ConnectionState.RECONNECTING)
    p.start(PlcShape(policies=("Basic256Sha256",), cert=make_server_certificate(tmp_path / "srv", "b")))
    s.seen.wait(lambda: NoticeKind.CERTIFICATE_CHANGED in s.seen.kinds(), timeout=30)
    changed = next(n for n in s.seen.notices if n.kind == NoticeKind.CERTIFICATE_CHANGED)
    assert "CHANGED" in changed.message and changed.level == NoticeLevel.ERROR
    s.seen.wait(lambda: s.conn.state == ConnectionState.DISCONNECTED)
    assert "CHANGED" in s.conn.state_detail
    n_states = len(s.seen.states)
    time.sleep(2.5)
    assert len(s.seen.states) == n_states, "a refused certificate must not be retried in a loop"
    assert s.conn.state == ConnectionState.DISCONNECTED


def test_none_only_server_is_a_refused_downgrade_naming_what_it_offers(tmp_path, plcs):
    plc, session = plcs
    p = plc(PlcShape(policies=("None",)))
    s = session(line_config(p.port, SECURE), tmp_path / "pki")
    s.seen.wait(lambda: NoticeKind.NO_MATCHING_ENDPOINT in s.seen.kinds())
    msg = next(n.message for n in s.seen.notices if n.kind == NoticeKind.NO_MATCHING_ENDPOINT)
    assert "Basic256Sha256/SignAndEncrypt" in msg and "None/None" in msg
    assert s.conn.state == ConnectionState.DISCONNECTED


def test_wrong_password_stops_after_bounded_tries(tmp_path, plcs, monkeypatch):
    plc, session = plcs
    cert = make_server_certificate(tmp_path / "srv", "a")
    p = plc(PlcShape(policies=("Basic256Sha256",), cert=cert, users={"op": "secret"}))
    pki = Pki(tmp_path / "pki").ensure_dirs()
    (pki.trusted / "a.der").write_bytes(cert[0].read_bytes())
    monkeypatch.setenv("PLC_PW", "wrong")
    s = session(line_config(p.port, SECURE + 'username = "op"\npassword_env = "PLC_PW"\n'), tmp_path / "pki")
    s.seen.wait(lambda: NoticeKind.BAD_CREDENTIALS in s.seen.kinds(), timeout=30)
    time.sleep(2.5)
    assert p.users.attempts == MAX_LOGIN_ATTEMPTS
    msg = next(n.message for n in s.seen.notices if n.kind == NoticeKind.BAD_CREDENTIALS)
    assert "'op'" in msg and "secret" not in msg and "wrong" not in msg


@pytest.mark.parametrize("policy", ["Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"])
def test_every_accepted_policy_connects(tmp_path, plcs, policy):
    plc, session = plcs
    cert = make_server_certificate(tmp_path / "srv", "a")
    p = plc(PlcShape(policies=(policy,), cert=cert))
    pki = Pki(tmp_path / "pki").ensure_dirs()
    (pki.trusted / "a.der").write_bytes(cert[0].read_bytes())
    s = session(line_config(p.port, f'policy = "{policy}"\nmode = "SignAndEncrypt"\n'), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    s.seen.wait(lambda: len(s.seen.values()) > 0)


def test_password_over_policy_none_is_refused_by_the_config():
    with pytest.raises(ConfigError, match="unencrypted"):
        line_config(4840, 'username = "op"\npassword_env = "X"\n')
    cfg = line_config(4840, 'username = "op"\npassword_env = "X"\nallow_insecure_password = true\n')
    assert cfg.server.security.allow_insecure_password  # type: ignore[attr-defined]


def test_allowed_insecure_password_is_warned(tmp_path, plcs, monkeypatch):
    plc, session = plcs
    p = plc(PlcShape(policies=("None",), users={"op": "secret"}))
    monkeypatch.setenv("PLC_PW", "secret")
    sec = 'username = "op"\npassword_env = "PLC_PW"\nallow_insecure_password = true\n'
    s = session(line_config(p.port, sec), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    warn = next(n for n in s.seen.notices if n.kind == NoticeKind.INSECURE_PASSWORD)
    assert warn.level == NoticeLevel.WARNING and "UNENCRYPTED" in warn.message


def test_server_refusing_our_certificate_is_named_then_connects_once_trusted_there(tmp_path, plcs):
    plc, session = plcs
    cert = make_server_certificate(tmp_path / "srv", "a")
    allow = tmp_path / "plc_trusted_clients"
    # The PLC's allow-list holds some other client (an empty store cannot be loaded).
    other, _key = make_server_certificate(tmp_path / "other", "someone_else")
    allow.mkdir()
    (allow / "someone_else.der").write_bytes(other.read_bytes())
    p = plc(PlcShape(policies=("Basic256Sha256",), cert=cert, client_trust_dir=allow))
    pki = Pki(tmp_path / "pki").ensure_dirs()
    (pki.trusted / "a.der").write_bytes(cert[0].read_bytes())
    s = session(line_config(p.port, SECURE), tmp_path / "pki")
    s.seen.wait(lambda: "refused this station's certificate" in s.conn.state_detail)
    assert str(pki.own_cert_path) in s.conn.state_detail
    n_states = len(s.seen.states)
    time.sleep(2.5)
    assert len(s.seen.states) == n_states, "the same cause is reported once, not per retry"
    # The PLC's administrator trusts LineHMI's certificate; the next quiet retry connects.
    (allow / "linehmi.der").write_bytes(pki.own_cert_path.read_bytes())
    p.run(p.client_trust.load())
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED, timeout=30)
