"""`linehmi plant ...`: set up the PostgreSQL plant historian and see how far each station got.

linehmi plant init postgresql://linehmi@historian/plant [--password-env VAR]
linehmi plant status postgresql://... | --config line.toml
linehmi plant forward --config line.toml [--journal-dir DIR] [--once]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

from connectors.plant.schema import SCHEMA_VERSION, SchemaError, current_version, migrate
from hmi.core.config import ConfigError, LineConfig, load_config

log = logging.getLogger(__name__)


def _connect(url: str, password_env: str) -> Any:
    import os

    import psycopg

    password = os.environ.get(password_env) if password_env else None
    if password_env and password is None:
        raise SystemExit(f"linehmi plant: environment variable {password_env} is not set")
    try:
        return psycopg.connect(url, password=password, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"linehmi plant: cannot connect to {_redact(url)}: {str(exc).strip()}") from None


def _redact(url: str) -> str:
    scheme, _, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':')[0]}@{host}"
    return f"{scheme}://{netloc}{slash}{path}"


def _load(path: str) -> LineConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise SystemExit(f"linehmi plant: bad line config {exc}") from None


def cmd_init(args: argparse.Namespace) -> int:
    conn = _connect(args.url, args.password_env)
    with conn:
        before = current_version(conn)
        try:
            applied = migrate(conn)
        except SchemaError as exc:
            print(f"linehmi plant: {exc}", file=sys.stderr)
            return 2
    if applied:
        print(
            f"plant historian at {_redact(args.url)}: schema {before} -> {SCHEMA_VERSION} (applied {applied})"
        )
    else:
        print(f"plant historian at {_redact(args.url)}: schema {SCHEMA_VERSION}, up to date")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    url, password_env = args.url, args.password_env
    if args.config:
        cfg = _load(args.config)
        if cfg.plant is None:
            print(f"linehmi plant: {args.config} has no [plant] section", file=sys.stderr)
            return 2
        url, password_env = cfg.plant.database, cfg.plant.password_env
    if not url:
        print("linehmi plant status: give the database URL or --config", file=sys.stderr)
        return 2
    conn = _connect(url, password_env)
    with conn:
        version = current_version(conn)
        print(f"plant historian at {_redact(url)}: schema version {version} (this LineHMI: {SCHEMA_VERSION})")
        if version < 2:
            print("  run `linehmi plant init` first")
            return 1
        rows = conn.execute(
            "SELECT station_id, line_id, hostname, samples_forwarded, events_forwarded,"
            " extract(epoch FROM now() - last_forward) FROM station_status ORDER BY line_id, station_id"
        ).fetchall()
    if not rows:
        print("  no station has forwarded yet")
        return 0
    print(f"  {'station':20s} {'line':10s} {'host':16s} {'samples':>12s} {'events':>9s}  last forward")
    for station, line, host, n_samples, n_events, lag in rows:
        ago = "never" if lag is None else f"{float(lag):.0f} s ago"
        print(f"  {station:20s} {line:10s} {host:16s} {int(n_samples):12,d} {int(n_events):9,d}  {ago}")
    return 0


def cmd_forward(args: argparse.Namespace) -> int:
    """Forward a station's journal directory (the runtime does this on its own thread when configured)."""
    from connectors.plant.forwarder import ForwarderSettings, PlantError, PlantForwarder

    cfg = _load(args.config)
    if cfg.plant is None:
        print(f"linehmi plant: {args.config} has no [plant] section", file=sys.stderr)
        return 2
    journal_dir = Path(args.journal_dir or cfg.journal.directory)
    try:
        settings = ForwarderSettings.from_config(cfg.plant, cfg.line.id, journal_dir)
    except PlantError as exc:
        print(f"linehmi plant: {exc}", file=sys.stderr)
        return 2
    fwd = PlantForwarder(settings)
    if args.once:
        n = fwd.forward_once()
        print(f"forwarded {n:,} rows; {fwd.status().text()}")
        return 0
    fwd.start()
    try:
        while True:
            time.sleep(10)
            print(fwd.status().text(), flush=True)
    except KeyboardInterrupt:
        return 0
    finally:
        fwd.stop()


def plant_cli_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi plant", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("init", help="create or migrate the plant historian's schema")
    pi.add_argument("url")
    pi.add_argument("--password-env", default="", help="environment variable holding the password")
    pi.set_defaults(func=cmd_init)
    ps = sub.add_parser("status", help="stations, rows forwarded and how long ago")
    ps.add_argument("url", nargs="?", default="")
    ps.add_argument("--config", help="take the URL and password from a line config's [plant]")
    ps.add_argument("--password-env", default="")
    ps.set_defaults(func=cmd_status)
    pf = sub.add_parser("forward", help="forward a station's journal files (normally the runtime does it)")
    pf.add_argument("--config", required=True)
    pf.add_argument("--journal-dir", help="override [journal] directory")
    pf.add_argument("--once", action="store_true", help="one pass, then exit")
    pf.set_defaults(func=cmd_forward)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        print("linehmi plant: needs the `plant` profile: pip install 'linehmi[plant]'", file=sys.stderr)
        return 2
    return int(args.func(args))
