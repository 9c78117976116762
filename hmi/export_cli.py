"""`linehmi export JOURNAL... --csv OUT`: raw samples of chosen tags as CSV, text values included.

The trend's export writes the pens on screen; this one writes any tags of journal
files without a window, including text tags (String/ByteString), which are never
trend pens, and the exact digits of 64-bit integers beyond 2^53. Read-only.

    linehmi export data/line1_2026-12-05.db --csv shift.csv
    linehmi export data/ --tags filler.recipe,filler.speed --from 2026-12-05T06:00 --to 2026-12-05T14:00 --csv -
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from hmi.core.historian import Historian, write_csv
from hmi.core.journal_read import readable_journals


def _when(text: str, what: str) -> float:
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(
            f"linehmi export: {what} {text!r} is not a date/time like 2026-12-05T06:00"
        ) from None
    return (t if t.tzinfo else t.astimezone()).timestamp()


def _files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(p.glob("*.db"))
        elif p.is_file():
            out.append(p)
        else:
            raise SystemExit(f"linehmi export: {p} is neither a journal file nor a directory")
    if not out:
        raise SystemExit(f"linehmi export: no journal files (*.db) in {', '.join(paths)}")
    return out


def export_cli_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi export", description="raw samples of journal files as CSV")
    p.add_argument("journal", nargs="+", help="journal file(s) or a journal directory")
    p.add_argument("--tags", help="comma-separated tag names (default: every tag in the files)")
    p.add_argument("--from", dest="t0", help="start, ISO 8601 local time (default: the beginning)")
    p.add_argument("--to", dest="t1", help="end, ISO 8601 local time (default: the end)")
    p.add_argument("--csv", required=True, help="output file ('-': standard output)")
    args = p.parse_args(argv)
    files, problems = readable_journals(_files(args.journal), whole=True)
    for problem in problems:  # named and left out: the samples of the others
        print(f"linehmi export: note: {problem}: left out", file=sys.stderr)
    if not files:
        print(f"linehmi export: no readable journal: {'; '.join(problems)}", file=sys.stderr)
        return 2
    hist = Historian.for_files(files)
    info = hist.tag_info()
    tags = [t.strip() for t in args.tags.split(",") if t.strip()] if args.tags else sorted(info)
    unknown = [t for t in tags if t not in info]
    if unknown:
        print(f"linehmi export: no tag {', '.join(unknown)} in these files", file=sys.stderr)
        return 2
    t0 = _when(args.t0, "--from") if args.t0 else 0.0
    t1 = _when(args.t1, "--to") if args.t1 else 4e9
    text_tags = {t for t in tags if info[t].get("data_type") == "text"}
    numeric = [t for t in tags if t not in text_tags]
    series = hist.read_raw(numeric, t0, t1) if numeric else {}
    texts = hist.read_text(tags, t0, t1)
    units = {t: str(info[t].get("unit") or "") for t in tags}
    # --from: each number's value holding at the start is the first row (held_from says since when)
    held = hist.values_at(numeric, t0) if args.t0 and numeric else None
    if args.csv == "-":
        rows = write_csv(sys.stdout, series, units, texts=texts, held=held, start=t0)
    else:
        with open(args.csv, "w", encoding="utf-8", newline="") as f:
            rows = write_csv(f, series, units, texts=texts, held=held, start=t0)
        print(f"wrote {rows:,} rows of {len(tags)} tags to {args.csv}", file=sys.stderr)
    return 0
