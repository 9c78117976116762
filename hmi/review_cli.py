"""`linehmi review PATH...` (the review workspace) and `linehmi report --db FILE ...` (the shift report).

Both open the journal files read-only and need nothing else: no PLC, no config, no network.

    linehmi review data/line1_2026-12-05.db                 a shift's file (a copy is fine)
    linehmi review data/                                      every file of a journal directory
    linehmi report --db FILE --shift early --pdf early.pdf [--markdown early.md]
    linehmi report --db FILE --shift "06:00..14:00" --day 2026-12-05 --markdown -

Or, instead of files, the plant historian (PostgreSQL) for any line and date range, from any PC:

    linehmi review "postgresql://engineer@historian/plant?line=line3" --from 2026-11-30 --to 2026-12-07
    linehmi report --db "postgresql://engineer@historian/plant?line=line3" --shift late --day 2026-12-04
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from hmi.core.journal_read import JournalError
from hmi.core.review.record import ReviewRecord, tag_infos
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewError, ReviewSource


def _add_plant_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("plant historian (a postgresql:// URL instead of files)")
    g.add_argument("--line", help="the line to read (or ?line=LINE in the URL)")
    g.add_argument(
        "--station", help="the station whose record to read (default: the one that forwarded last)"
    )
    g.add_argument("--from", dest="date_from", help="YYYY-MM-DD[THH:MM] local time: start of the range")
    g.add_argument(
        "--to", dest="date_to", help="YYYY-MM-DD[THH:MM] local time: end of the range (a date: its end)"
    )
    g.add_argument("--password-env", default="", help="environment variable holding the database password")
    g.add_argument("--password-file", default="", help="file with the database password (mode 0600)")


def _local_ts(text: str | None, end: bool) -> float | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"--from/--to {text!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if end and len(text) <= 10:  # a date: up to its end
        when += dt.timedelta(days=1)
    return when.timestamp()


def open_record(paths: list[str], args: argparse.Namespace) -> ReviewRecord:
    """Journal files (read-only), or one line of the plant historian when given a postgresql:// URL.
    Raises ReviewError with what to fix."""
    urls = [p for p in paths if p.startswith(("postgresql://", "postgres://"))]
    if not urls:
        return ReviewSource.open(paths)
    if len(paths) > 1:
        raise ReviewError("give either journal files or one plant historian URL, not both")
    from connectors.plant.access import PlantTarget
    from connectors.plant.forwarder import PlantError
    from connectors.plant.record import PlantRecord

    try:
        target = PlantTarget.parse(urls[0], args.line, args.station, args.password_env, args.password_file)
        return PlantRecord(target, _local_ts(args.date_from, False), _local_ts(args.date_to, True))
    except (PlantError, JournalError) as exc:
        raise ReviewError(str(exc)) from None


def _period(source: ReviewRecord, shift: str | None, day: str | None) -> tuple[float, float, str]:
    """(t0, t1, title) of `--shift`: a shift name of the calendar, FROM..TO clock times, or the whole file."""
    if not shift:
        return source.t0, source.t1 + 1e-3, "whole journal"
    from inference.assistant.timeparse import ShiftCalendar  # the one shift calendar of the app

    cal = ShiftCalendar.from_config(source.config) if source.config is not None else ShiftCalendar.default()
    the_day = dt.date.fromisoformat(day) if day else dt.datetime.fromtimestamp(source.t0).date()
    if ".." in shift:
        a, b = (dt.time.fromisoformat(x.strip()) for x in shift.split("..", 1))
        t0 = cal.ts(the_day, a)
        t1 = cal.ts(the_day + dt.timedelta(days=1) if b <= a else the_day, b)
        return t0, t1, f"{the_day.isoformat()} {a:%H:%M} to {b:%H:%M}"
    named = cal.shift_named(shift)
    if named is None:
        raise SystemExit(f"linehmi report: no shift called {shift!r} (use a shift name or HH:MM..HH:MM)")
    t0, t1 = cal.bounds(named, the_day)
    return t0, t1, f"{named.name} shift {the_day.isoformat()}"


def report_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="linehmi report", description="the shift report of a journal, as PDF/Markdown"
    )
    p.add_argument(
        "--db", nargs="+", required=True, help="journal file(s), a journal directory or a postgresql:// URL"
    )
    p.add_argument(
        "--shift", help="shift name (early, late, night...) or HH:MM..HH:MM; default: the whole file"
    )
    p.add_argument("--day", help="YYYY-MM-DD the shift starts on (default: the first day in the journal)")
    p.add_argument("--pdf", help="write the PDF here")
    p.add_argument("--markdown", help="write the Markdown here ('-': standard output)")
    _add_plant_options(p)
    args = p.parse_args(argv)
    if not args.pdf and not args.markdown:
        args.markdown = "-"
    try:
        source = open_record(args.db, args)
    except ReviewError as exc:
        print(f"linehmi report: {exc}", file=sys.stderr)
        return 2
    told: list[str] = []

    def tell_problems() -> None:  # those found at the open, then those its reads find (a damaged page)
        for problem in source.problems[len(told) :]:
            print(f"linehmi report: note: {problem}", file=sys.stderr)
            told.append(problem)

    tell_problems()
    t0, t1, title = _period(source, args.shift, args.day)
    try:
        report = build_report(source, t0, t1, title)
    except ValueError as exc:
        print(f"linehmi report: {exc}", file=sys.stderr)
        return 2
    finally:
        tell_problems()
    md_path = Path(args.markdown) if args.markdown and args.markdown != "-" else None
    prefix = f"{md_path.stem}_" if md_path is not None else ""
    if args.markdown == "-":
        print(to_markdown(report, images=False))
    if not args.pdf and md_path is None:
        return 0
    # The PDF and a Markdown file carry the stops' trend images: drawn with Qt, offscreen.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a report needs no display
    from PySide6.QtGui import QGuiApplication

    from hmi.ui.report_pdf import write_pdf
    from hmi.ui.report_snapshots import render_snapshots

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    images = render_snapshots(report, source.historian(), tag_infos(source))
    tell_problems()
    if md_path is not None:
        md_path.write_text(to_markdown(report, image_prefix=prefix), encoding="utf-8")
        for name, image in images.items():
            target = md_path.with_name(prefix + name)
            if not image.save(str(target)):
                print(f"linehmi report: could not write the image {target}", file=sys.stderr)
                return 1
    if args.pdf:
        try:
            pages = write_pdf(
                to_markdown(report), args.pdf, title=f"{report.line_name}: {title}", images=images
            )
        except OSError as exc:
            print(f"linehmi report: {args.pdf}: {exc}", file=sys.stderr)
            return 1
        print(f"{args.pdf}: {pages} pages", file=sys.stderr)
    del app
    return 0


def review_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi review", description="review journal files after the shift")
    p.add_argument("paths", nargs="+", help="journal file(s), a journal directory or a postgresql:// URL")
    p.add_argument("--seconds", type=float, help="close after this many seconds (scripts, tests)")
    p.add_argument("--screenshot", help="with --seconds: save the window to this PNG before closing")
    p.add_argument(
        "--users",
        type=Path,
        help="the line's users file (default: users.json next to the journals): a supervisor who logs in "
        "may write stop reasons to the journal (audited)",
    )
    _add_plant_options(p)
    args = p.parse_args(argv)
    try:
        source = open_record(args.paths, args)
    except ReviewError as exc:
        print(f"linehmi review: {exc}", file=sys.stderr)
        return 2
    if args.users is not None and not args.users.is_file():
        print(f"linehmi review: --users {args.users}: no such file", file=sys.stderr)
        return 2
    from hmi.core.review.journal_write import ReviewJournal  # the review's writes: not the report's import

    journal = (
        ReviewJournal.for_files([(f.path, f.t0, f.t1) for f in source.files], args.users)
        if isinstance(source, ReviewSource)
        else None
    )
    from hmi.ui.system_libs import check_before_window

    if message := check_before_window():
        print(f"linehmi review: {message}", file=sys.stderr)
        return 2
    from hmi.ui.review_window import run_review

    return run_review(source, seconds=args.seconds, screenshot=args.screenshot, journal=journal)
