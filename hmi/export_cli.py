"""`linehmi export FILE... [--tag T]... [--from ISO] [--to ISO] [--out samples.csv]`: raw samples as CSV.

The way to get a journal's samples without LineHMI's screens, whether a file still holds them as
rows of the `samples` table or, once the retention job compacted it, as chunks in `sample_chunks`
(which `sqlite3` alone cannot decode): the same reader and CSV format as the trend's export
(time with the local offset, tag, value, unit, quality, OPC UA status, backfilled).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from hmi.core.historian import Historian, write_csv
from hmi.core.journal_read import JournalError, open_journal_readonly


def _time(text: str | None, default: float) -> float:
    if not text:
        return default
    t = dt.datetime.fromisoformat(text)
    return (t if t.tzinfo else t.astimezone()).timestamp()


def export_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi export", description=__doc__.split("\n\n")[1])
    p.add_argument("files", nargs="+", type=Path, help="journal .db files (a copy is fine)")
    p.add_argument("--tag", action="append", help="a tag name (repeat; default: every tag)")
    p.add_argument("--from", dest="t_from", help="start, ISO 8601 (local time unless it has an offset)")
    p.add_argument("--to", dest="t_to", help="end (exclusive), ISO 8601")
    p.add_argument("--out", default="-", help="CSV file to write ('-': standard output)")
    args = p.parse_args(argv)
    units: dict[str, str] = {}
    tags: list[str] = []
    try:
        for f in args.files:
            with open_journal_readonly(f) as r:
                for t in r.tags():
                    units.setdefault(str(t["name"]), str(t.get("unit") or ""))
                    if str(t["name"]) not in tags:
                        tags.append(str(t["name"]))
        t0 = _time(args.t_from, -1e18)
        t1 = _time(args.t_to, 1e18)
    except (JournalError, ValueError) as exc:
        print(f"linehmi export: {exc}", file=sys.stderr)
        return 2
    want = args.tag or tags
    unknown = [t for t in want if t not in tags]
    if unknown:
        print(
            f"linehmi export: no tag {', '.join(unknown)} in {', '.join(map(str, args.files))}",
            file=sys.stderr,
        )
        return 2
    series = Historian.for_files(args.files, threads=1).read_raw(want, t0, t1)
    if args.out == "-":
        n = write_csv(sys.stdout, series, units)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            n = write_csv(out, series, units)
        print(f"{n:,} samples of {len(want)} tags written to {args.out}", file=sys.stderr)
    return 0
