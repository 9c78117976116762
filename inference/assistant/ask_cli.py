"""`linehmi ask "QUESTION" --db PATH`: the assistant for offline review and scripts.

    linehmi ask "why did the capper stop at 10:42?" --db data/line1_2026-03-29.db
    linehmi ask "how long was the line down tonight?" --db data/           every journal file of a directory
    linehmi ask "draft my shift handover" --db a.db --db b.db --markdown handover.md
    linehmi ask "which alarms are unacknowledged?" --db x.db --json --no-model

"Now" is the end of the journal (a file reviewed the next day answers "last
hour" about the last recorded hour); `--now` overrides it.
Exit status: 0 answered, 2 bad arguments or unreadable journal.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hmi.core.config import DEMO_CONFIG, ConfigError, load_config
from hmi.core.journal_read import JournalError, journal_paths, readable_journals

if TYPE_CHECKING:  # the plant historian's modules are imported only when a URL is given
    from inference.assistant.plant_access import PlantJournal


def _parse_now(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        d = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ISO-8601 time or POSIX seconds, got {text!r}") from None
    if d.tzinfo is None:
        d = d.astimezone()
    return d.timestamp()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="linehmi ask", description="Ask the assistant about a journal (offline review)."
    )
    p.add_argument("question", help="the question, in quotes")
    p.add_argument(
        "--db",
        action="append",
        required=True,
        metavar="PATH",
        help="journal file or journal directory (its *.db files; repeat for several), or a plant historian"
        " URL postgresql://...?line=LINE",
    )
    p.add_argument("--line", help="plant historian: the line (or ?line=LINE in the URL)")
    p.add_argument(
        "--station", help="plant historian: the station whose record to read (default: the latest)"
    )
    p.add_argument(
        "--password-env", default="", help="plant historian: environment variable with the password"
    )
    p.add_argument("--password-file", default="", help="plant historian: file with the password (mode 0600)")
    p.add_argument(
        "--config",
        help="line config (default: the demo line when the journal is of it, else from the journal)",
    )
    p.add_argument(
        "--now", type=_parse_now, help="answer as if asked at this time (default: the end of the journal)"
    )
    p.add_argument(
        "--model",
        action="store_true",
        help="let the local language model pick the tool for questions the router does not understand"
        " (it never writes the answer; off by default)",
    )
    p.add_argument("--no-model", action="store_true", help="tools only (the default; kept for scripts)")
    p.add_argument("--model-dir", help="prepared model directory (default: ~/.cache/linehmi/assistant)")
    p.add_argument(
        "--json", action="store_true", help="print the answer, tool calls, results and sources as JSON"
    )
    p.add_argument(
        "--markdown", metavar="FILE", help="handover questions: also write the draft to this Markdown file"
    )
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def ask_cli_main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )
    from connectors.plant.forwarder import PlantError
    from inference.assistant.factory import build_assistant
    from inference.assistant.journal_access import JournalSource

    files = [Path(f) for f in args.db]
    plant: PlantJournal | None = None
    if not any(str(f).startswith(("postgresql://", "postgres://")) for f in args.db):
        # A journal directory is read as its files, as `linehmi review` and `report` read it (qa8 Q2:
        # "journal file DIR: not found" for an existing directory).
        files, missing = journal_paths(files)
        # The whole file is checked (not only the tables read whole, hmi.core.readonly_db): the
        # assistant's tools read samples and log a failed tool instead of raising, so a damaged page
        # met there would neither be named nor leave the file out.
        files, problems = readable_journals(files, whole=True)
        problems = missing + problems
        for problem in problems:  # named and left out; the answer comes from the others
            print(f"linehmi ask: note: {problem}: left out", file=sys.stderr)
        if not files:
            print(f"linehmi ask: no readable journal: {'; '.join(problems)}", file=sys.stderr)
            return 2
    try:
        if any(str(f).startswith(("postgresql://", "postgres://")) for f in args.db):
            plant = _open_plant(args)
            meta, _tags = plant.meta_and_tags()
        else:
            meta, _tags = JournalSource(files).meta_and_tags()
    except (JournalError, PlantError) as exc:
        print(f"linehmi ask: {exc}", file=sys.stderr)
        return 2
    if not meta:
        print(
            f"linehmi ask: none of {', '.join(map(str, files))} is a readable LineHMI journal",
            file=sys.stderr,
        )
        return 2
    config = None
    try:
        if args.config:
            config = load_config(args.config)
        elif plant is not None:
            config = plant.record.config  # the config the station ran with, as the forwarder stored it
        else:
            demo = load_config(DEMO_CONFIG)
            if meta.get("line_id") == demo.line.id:
                config = demo
    except ConfigError as exc:
        print(f"linehmi ask: bad line config {exc}", file=sys.stderr)
        return 2
    use_model = args.model and not args.no_model
    assistant = build_assistant(
        config=config,
        db_files=files if plant is None else (),
        journal=plant,
        now=args.now,
        use_model=use_model,
        model_dir=args.model_dir,
    )
    ans = assistant.answer(args.question, use_model=use_model)
    if args.markdown and ans.handover is not None:
        Path(args.markdown).write_text(ans.handover.to_markdown(), encoding="utf-8")
    if args.json:
        d = ans.to_dict()
        d["model"] = assistant.model_label
        print(json.dumps(d, indent=2, ensure_ascii=False, default=str))
        return 0
    print(ans.text)
    if ans.notes:
        print("\n" + " ".join(ans.notes))
    if ans.sources and ans.handover is None:
        print("\nSources:")
        for i, s in enumerate(ans.sources, 1):
            print(f"  [{i}] {s.plain()}")
    by = ans.answered_by if ans.answered_by != "tools" else "tools (deterministic)"
    line = f"\nAnswered by: {by}"
    if ans.model_error and use_model:
        line += f" — no language model: {ans.model_error}"
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(ask_cli_main())


def _open_plant(args: argparse.Namespace) -> PlantJournal:
    """The plant historian's record of a line (`--db postgresql://...?line=LINE`), read-only."""
    from connectors.plant.access import PlantTarget
    from connectors.plant.forwarder import PlantError
    from connectors.plant.record import PlantRecord
    from inference.assistant.plant_access import PlantJournal

    if len(args.db) != 1:
        raise PlantError("give either journal files or one plant historian URL, not both")
    target = PlantTarget.parse(args.db[0], args.line, args.station, args.password_env, args.password_file)
    return PlantJournal(PlantRecord(target))
