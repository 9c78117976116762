"""``linehmi alarms ...``: alarm KPI report and alarm definition check (no Qt).

linehmi alarms report --db FILE [--db FILE2] [--start T] [--end T] [--json]
linehmi alarms check --config FILE
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

from hmi.core.alarms.kpi import KpiError, format_report, report
from hmi.core.config import LineConfig


def _time(text: str) -> float:
    """POSIX seconds or ISO-8601 (local time unless it carries an offset)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        t = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give POSIX seconds or ISO-8601 like 2025-03-01T06:00 or 2025-03-01 06:00:00+01:00"
        ) from None
    return t.timestamp()


def alarms_cli_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="linehmi alarms", description="Alarm management tools.")
    sub = p.add_subparsers(dest="cmd", required=True)
    rp = sub.add_parser("report", help="ISA-18.2 alarm KPIs from a journal file")
    rp.add_argument(
        "--db",
        action="append",
        required=True,
        metavar="FILE",
        help="journal file (.db); repeat for several daily files",
    )
    rp.add_argument("--start", type=_time, help="period start (POSIX seconds or ISO-8601, local time)")
    rp.add_argument("--end", type=_time, help="period end (exclusive)")
    rp.add_argument("--json", action="store_true", help="machine-readable output")
    ck = sub.add_parser("check", help="validate the alarm definitions of a line config")
    ck.add_argument("--config", required=True, metavar="FILE")
    args = p.parse_args(argv)

    if args.cmd == "report":
        from hmi.core.journal_read import read_leaving_out_damaged
        from hmi.core.readonly_db import sound_files

        files, problems = sound_files(map(Path, args.db))
        for problem in problems:  # named and left out: the KPIs of the others, never of a damaged file
            print(f"linehmi alarms report: note: {problem}: left out", file=sys.stderr)
        if not files:
            print(f"linehmi alarms report: no readable journal: {'; '.join(problems)}", file=sys.stderr)
            return 2
        try:  # the open checked all but the sample data, which the KPIs read for the record's span
            r = read_leaving_out_damaged(
                files,
                lambda fs: report(fs, args.start, args.end),
                lambda problem: print(f"linehmi alarms report: note: {problem}", file=sys.stderr),
            )
            if r is None:
                return 2
        except KpiError as exc:
            print(f"linehmi alarms report: {exc}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(r.to_dict(), indent=2))
        else:
            sys.stdout.write(format_report(r))
        return 0

    from hmi.core.config import ConfigError, load_config

    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"linehmi alarms check: {exc}", file=sys.stderr)
        return 2
    return print_alarm_check(cfg, args.config)


def print_alarm_check(cfg: LineConfig, label: str) -> int:
    """Print the alarms a config defines and every refused one; 1 if any was refused (shared with
    `linehmi check-config`, so both say the same)."""
    from hmi.core.alarms.definitions import load_definitions

    defs, problems = load_definitions(cfg)
    kinds: dict[str, int] = {}
    for d in defs:
        kinds[d.kind.value] = kinds.get(d.kind.value, 0) + 1
    print(f"{label}: {len(defs)} alarms (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")")
    for prob in problems:
        print(f"  refused: {prob}")
    return 1 if problems else 0
