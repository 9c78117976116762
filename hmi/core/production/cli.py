"""`linehmi production summary --db FILE`: a shift's production from a journal file, read-only.

    linehmi production summary --db data/line1_2026-03-02.db            the last shift in the file
    linehmi production summary --db a.db --db b.db --at 2026-03-02T23:00  the shift running then
    linehmi production summary --db FILE --config line.toml              the model of this config

Prints OEE with A/P/Q for the line and each machine, per hour, downtime by
reason, MTBF/MTTR, the stops (with who classified them) and every flag.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path

from hmi.core.config import ConfigError, load_config
from hmi.core.journal_read import JournalError, readable_journals
from hmi.core.production.journal_io import ShiftSummary, shift_summary
from hmi.core.production.oee import OeeFigures
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import StopCounts, end_text
from hmi.core.production.text import count, minutes, pct, performance, recorded_share


def _row(name: str, f: OeeFigures) -> str:
    """One scope's figures; a range LineHMI recorded none of says so in one phrase (qa9 Q9-7: "good
    0 rejects 0 down 0.0 min" for the hours before it ran), one recorded in part says how much."""
    if f.nothing_recorded:
        return f"{name:<12} {recorded_share(f)}"
    share = recorded_share(f)
    good, rej = count(f.good), count(f.rejects)
    return (
        f"{name:<12} OEE {pct(f.oee):>8}  A {pct(f.availability):>8}  P {performance(f):>8}"
        f"  Q {pct(f.quality):>8}  good {good:>9}  rejects {rej:>6}  down {minutes(f.downtime_s):>10}"
        + (f"  ({share})" if share else "")
    )


def format_summary(s: ShiftSummary, s_setup: ProductionSetup) -> str:
    to_local = s_setup.calendar.to_local

    def hm(ts: float) -> str:
        return to_local(ts).strftime("%H:%M")

    out = [f"{s.line}: {s.shift} shift {to_local(s.start):%Y-%m-%d %H:%M} to {hm(s.end)}", ""]
    out.append(_row("line", s.line_oee))
    out += [_row(m, f) for m, f in s.machines.items()]
    out += ["", "per hour (line):"]
    out += [_row(f"{hm(h.start)}-{hm(h.end)}", h) for h in s.hours]
    out += ["", "downtime by reason (line, attributed to the machine that caused it):"]
    out += [
        f"  {p.text:<40} {minutes(p.seconds):>10}  {p.count} stops  {', '.join(p.machines)}" for p in s.pareto
    ]
    out += ["", "MTBF / MTTR (unplanned stops over the short-stop threshold):"]
    for m, r in s.reliability.items():
        out.append(
            f"  {m:<10} failures {r.failures:>3}  MTBF {minutes(r.mtbf_s):>10}  MTTR {minutes(r.mttr_s):>10}"
        )
    out += ["", f"stops: {StopCounts.of(s.stops).text()}"]
    for st in s.stops:
        who = f" classified by {st.classified_by}" if st.classified_by else ""
        kind = " short" if st.short else ""
        note = f" note: {st.note}" if st.note else ""
        out.append(
            f"  {hm(st.start)}-{end_text(st, hm(st.end))} {st.machine:<9} {st.duration / 60:6.1f} min "
            f"{st.category}{kind} "
            f"{st.reason_label(s_setup)}{who}{note}"
        )
    flags = s.flags + list(s.line_oee.flags)
    if flags:
        out += ["", "flags:"] + [f"  ! {f}" for f in flags]
    return "\n".join(out)


def production_cli_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="linehmi production", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("summary", help="a shift's production from journal file(s), read-only")
    s.add_argument("--db", action="append", required=True, help="journal file (repeat for several)")
    s.add_argument(
        "--at", help="a local time inside the shift (ISO, e.g. 2026-03-02T10:00); default: the last"
    )
    s.add_argument("--config", help="line config whose production model to use (default: the file's)")
    args = p.parse_args(argv)
    files, problems = readable_journals(map(Path, args.db), whole=True)
    for problem in problems:  # named and left out: the figures of the others
        print(f"linehmi production: note: {problem}: left out", file=sys.stderr)
    if not files:
        print(f"linehmi production: no readable journal: {'; '.join(problems)}", file=sys.stderr)
        return 2
    paths = [str(f) for f in files]
    try:
        setup = ProductionSetup.from_config(load_config(args.config)) if args.config else None
        if args.config and setup is None:
            print(f"linehmi production: {args.config} has no [production] table", file=sys.stderr)
            return 2
        at = _dt.datetime.fromisoformat(args.at).timestamp() if args.at else None
        summary = shift_summary(paths, at, setup)
    except (ConfigError, JournalError, ValueError) as exc:
        print(f"linehmi production: {exc}", file=sys.stderr)
        return 2
    print(format_summary(summary, setup or _setup_of(paths)))
    return 0


def _setup_of(paths: list[str]) -> ProductionSetup:
    from hmi.core.journal_read import open_journal_readonly
    from hmi.core.production.journal_io import read_setup

    readers = [open_journal_readonly(x) for x in paths]
    try:
        found = read_setup(readers)
    finally:
        for r in readers:
            r.close()
    assert found is not None  # shift_summary already refused files without one
    return found
