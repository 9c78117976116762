"""`linehmi write` against a real server: log-in, role, journal, read-back, exit code."""

from __future__ import annotations

from hmi.core.events import EventKind
from hmi.core.journal_read import read_events_from_files
from hmi.core.users import Role, UserStore
from hmi.write_cli import write_cli_main
from tests.opcua_fixtures import TinyServer, free_port, small_config_text


def test_write_cli_role_checked_journaled_and_read_back(tmp_path, monkeypatch, capsys):
    port = free_port()
    server = TinyServer(port).start()
    try:
        store = UserStore.in_directory(tmp_path)
        store.add("olga", Role.OPERATOR, "olga-password-1")
        store.add("vic", Role.VIEWER, "vic-password-1")
        cfg_path = tmp_path / "line.toml"
        cfg_path.write_text(small_config_text(port, journal_dir=tmp_path))
        base = ["--config", str(cfg_path), "--journal-dir", str(tmp_path)]
        monkeypatch.setenv("LINEHMI_PASSWORD", "olga-password-1")
        assert write_cli_main(["m1.speed_sp", "321", "--user", "olga", *base]) == 0
        assert server.thread.run(server.sp.read_value(), timeout=5) == 321.0
        assert write_cli_main(["m1.speed_sp", "9999", "--user", "olga", *base]) == 1  # outside range
        assert write_cli_main(["no.such.tag", "1", "--user", "olga", *base]) == 1
        # The setpoint dialog's rule: text that is not exactly a number is refused before log-in.
        for typo in ("3e2", "39O", "nan", "1_000"):
            assert write_cli_main(["m1.speed_sp", typo, "--user", "olga", *base]) == 2
        assert server.thread.run(server.sp.read_value(), timeout=5) == 321.0
        monkeypatch.setenv("LINEHMI_PASSWORD", "vic-password-1")
        assert write_cli_main(["m1.speed_sp", "100", "--user", "vic", *base]) == 1  # viewer may not write
        early = capsys.readouterr().err
        # An account that must change its first password writes nothing, by password or by PIN.
        store.add("otto", Role.OPERATOR, "otto-first-1", must_change=True)
        store.set_pin("otto", "2222")
        for secret in ("otto-first-1", "2222"):
            monkeypatch.setenv("LINEHMI_PASSWORD", secret)
            assert write_cli_main(["m1.speed_sp", "123", "--user", "otto", *base]) == 3
            assert "otto must choose a new password" in capsys.readouterr().err
        assert server.thread.run(server.sp.read_value(), timeout=5) == 321.0
    finally:
        server.close()
    assert "VALUE '39O' is not a number" in early
    events = read_events_from_files(sorted(tmp_path.glob("*.db")), None, None, None)
    writes = [e.message for e in events if e.kind == EventKind.OPERATOR_ACTION]
    assert any("m1.speed_sp = 321" in m and "read back" in m for m in writes), writes
    assert any("9999" in m and "refused" in m for m in writes)
    assert any("no.such.tag" in m for m in writes)
    assert any(e.kind == EventKind.AUDIT and "vic" in e.message and "refused" in e.message for e in events)
