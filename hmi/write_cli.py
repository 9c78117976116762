"""`linehmi write TAG VALUE --config FILE --user NAME`: one setpoint write for scripted commissioning.

The same path as the HMI's setpoint dialog: log-in checked (password from
$LINEHMI_PASSWORD or asked for), role checked (operator or higher), the
request journaled before anything is sent, the OPC UA write with the server's
real answer and a read-back, the outcome journaled. Exit code 0 only when the
value was written and reads back as written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time

from hmi.core.config import LineConfig, load_config_or_exit
from hmi.core.number_entry import parse_number
from hmi.core.runtime_api import ConnectionState
from hmi.core.users import password_change_needed

CONNECT_WAIT_S = 20.0


def _value_or_none(cfg: LineConfig, tag_name: str, text: str) -> float | None:
    """VALUE by the same rule as the setpoint dialog: exactly the number typed, or nothing (with
    the reason on stderr). The range, the role and an unknown tag are left to the runtime, which
    journals such a refusal; text that is no number never reaches it."""
    try:
        tag = cfg.tag(tag_name)
    except KeyError:
        entry = parse_number(text)
    else:
        entry = parse_number(text, "int" if tag.data_type in ("int", "enum", "bool") else "float")
    if entry.value is None:
        print(f"linehmi write: VALUE {entry.reason}", file=sys.stderr)
    return entry.value


def write_cli_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi write", description="write one tag value, journaled")
    p.add_argument("tag")
    p.add_argument("value", help="a plain decimal number, e.g. 390 or 12.5 (no exponent, '.' as the point)")
    p.add_argument("--config", required=True)
    p.add_argument("--user", required=True, help="LineHMI user (operator or higher)")
    p.add_argument("--journal-dir", help="as given to `linehmi run` (journal, users and PKI live there)")
    p.add_argument("--endpoint", help="override server.endpoint from the config")
    args = p.parse_args(argv)
    cfg = load_config_or_exit(args.config)
    value = _value_or_none(cfg, args.tag, args.value)
    if value is None:
        return 2
    from hmi.app.runtime import LineRuntime  # the composition root: imported only when used

    runtime = LineRuntime(cfg, journal_dir=args.journal_dir, endpoint=args.endpoint, gui_feed=False)
    password = os.environ.get("LINEHMI_PASSWORD")
    if password is None:
        password = getpass.getpass(f"password for {args.user}: ")
    runtime.start()
    try:
        user = runtime.login(args.user, password).result(30)
        if user is None:
            print(f"linehmi write: log-in of {args.user!r} refused (journaled)", file=sys.stderr)
            return 3
        if user.must_change_password:  # the first password (the demo's, a reset one) writes nothing
            # journaled "login - password change required": no session began, none to log out of
            print(f"linehmi write: {password_change_needed(user)}", file=sys.stderr)
            return 3
        end = time.monotonic() + CONNECT_WAIT_S
        while runtime.state != ConnectionState.CONNECTED and time.monotonic() < end:
            time.sleep(0.1)
        if runtime.state != ConnectionState.CONNECTED:
            print(f"linehmi write: not connected: {runtime.poll().state_detail}", file=sys.stderr)
        result = runtime.write_value(args.tag, value, user).result(60)
    finally:
        runtime.stop()
    print(f"{result.tag} = {result.value:g}: {result.message} (journal event {result.event_id})")
    return 0 if result.ok else 1
