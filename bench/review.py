"""Review workspace on big files: open to a usable timeline, scrub the cursor, render the report.

    .venv/bin/python bench/review.py [--hours 24] [--days 1] [--tags 40] [--gui] [--painted] [--data DIR]

Writes synthetic daily journals with the real Journal (a machine state change every ~4 min per machine,
an alarm activation/ack/clear every ~3 min, `--tags` tags at 1 Hz), then measures in the same run:

- open: `ReviewSource.open` + `build_timeline` (what the window needs before it is usable);
- scrub: the alarm picture + machine states at a moving cursor (what each cursor move recomputes),
  against the baseline of replaying every alarm event of the files for each position (no time index);
- report: `build_report` + `to_markdown` for the whole period;
- with `--gui` (offscreen Qt): the workspace's "Shift report…" (the shift at the cursor, 8 h) with its
  stop trend images, CPU seconds, against the old path (the report reading and decoding the record's
  events again instead of taking the workspace's timeline), and the same as PDF;
- with `--cli-report`: `linehmi report --shift late` of the second day as a PDF, a fresh process as a user
  runs it, this tree against `--baseline-rev` (the CLI then read the whole record's events), alternating;
- with `--painted` (a real X server: DISPLAY=:N, Xvfb): bench/review_scrub.py, the workspace at
  1920x1080 scrubbed across the record, painted updates/s and CPU ms per update, this tree against
  `--baseline-rev` exported with `git archive`, alternating `--rounds` times (the same machine load
  for both); the median and every run are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hmi.core.alarms.event_codec import AlarmSnapshot, latest_snapshots, transition_data  # noqa: E402
from hmi.core.config import parse_config  # noqa: E402
from hmi.core.events import EventKind, JournalEvent, Severity  # noqa: E402
from hmi.core.journal import Journal  # noqa: E402
from hmi.core.live_values import LiveValues  # noqa: E402
from hmi.core.review.alarm_picture import AlarmPicture  # noqa: E402
from hmi.core.review.instant import InstantReader  # noqa: E402
from hmi.core.review.report import build_report, to_markdown  # noqa: E402
from hmi.core.review.source import ReviewSource  # noqa: E402
from hmi.core.review.timeline import build_timeline  # noqa: E402
from hmi.core.samples import SampleBatch  # noqa: E402

MACHINES = ("filler", "capper", "labeller", "conveyor")
STATES = ("Running", "Idle", "Faulted", "Running", "Stopped")


def config(n_tags: int):
    text = '[line]\nid = "bench"\nname = "Bench line"\n[server]\nendpoint = "opc.tcp://127.0.0.1:4840/"\n'
    for i, m in enumerate(MACHINES):
        # A faceplate per machine: its speed and up to three key tags (the tags k with k % 4 == i).
        mine = [f"t{k}" for k in range(i, n_tags, 4)]
        keys = ", ".join(f'"{t}"' for t in mine[1:4])
        text += f'[[machines]]\nid = "{m}"\nname = "{m.capitalize()}"\nspeed_tag = "{mine[0]}"\nkey_tags = [{keys}]\n'
    for k in range(n_tags):
        text += f'[[tags]]\nname = "t{k}"\nnode_id = "ns=2;s=t{k}"\nmachine = "{MACHINES[k % 4]}"\nrange = [0, 100]\n'
    return parse_config(text)


def write_day(directory: Path, t0: float, hours: float, n_tags: int, rng: np.random.Generator) -> None:
    cfg = config(n_tags)
    seconds = int(hours * 3600)
    with Journal(cfg, directory, clock=lambda: t0, synchronous="OFF", max_queued_samples=20_000_000) as j:
        for start in range(0, seconds, 600):
            t = t0 + start + np.arange(min(600, seconds - start), dtype=float)
            idx = np.repeat(np.arange(n_tags), len(t))
            ts = np.tile(t, n_tags)
            j.write_samples(
                SampleBatch.from_columns(
                    idx, ts, ts, ts + 0.05, rng.normal(50, 5, idx.size), np.zeros(idx.size)
                )
            )
        evs = []
        for m in MACHINES:
            for k, t in enumerate(np.arange(t0, t0 + seconds, 240.0) + rng.uniform(0, 60)):
                data = {"state": STATES[k % 5], "fault": "Jam" if k % 5 == 2 else ""}
                evs.append(JournalEvent(EventKind.MACHINE_STATE, f"{m}: -> {data['state']}", source=m, ts=float(t),
                                        data=data))  # fmt: skip
        for k, t in enumerate(np.arange(t0, t0 + seconds, 180.0)):
            name = f"t{k % n_tags}.hi"
            for dt_, action, active, acked in ((0, "activate", True, False), (30, "acknowledge", True, True),
                                               (90, "clear", False, True)):  # fmt: skip
                snap = AlarmSnapshot(alarm=name, name=f"T{k % n_tags} Hi", priority="high", priority_level=2,
                                     active=active, acked=acked, activated_at=float(t), trigger_value=80.0)  # fmt: skip
                who = "olga" if action == "acknowledge" else ""
                data = transition_data(snap, action=action, from_state="", to_state="",
                                       annunciated=action == "activate", value=80.0, value_ts=float(t + dt_),
                                       user=who)  # fmt: skip
                evs.append(JournalEvent(EventKind.ALARM, f"{name}: {action}", source=name, ts=float(t + dt_),
                                        severity=Severity.WARNING, data=data))  # fmt: skip
        j.flush(timeout=600.0)  # the samples first: on a loaded machine their commits take minutes
        evs.sort(key=lambda e: e.ts)
        for k in range(0, len(evs), 500):
            j.write_events(evs[k : k + 500], timeout=600.0)
        j.flush(timeout=600.0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hours", type=float, default=24.0)
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--tags", type=int, default=40)
    p.add_argument("--scrubs", type=int, default=300)
    p.add_argument(
        "--gui", action="store_true", help='also time the workspace\'s "Shift report…" (offscreen)'
    )
    p.add_argument("--painted", action="store_true",
                   help="also scrub the workspace on $DISPLAY (Xvfb), this tree against --baseline-rev")  # fmt: skip
    p.add_argument("--baseline-rev", default="4360824", help="the commit to compare the painted scrub with "
                   "(default: main before the per-frame cursor and cheaper repaints, 2026-12-06)")  # fmt: skip
    p.add_argument("--moves", type=int, default=150, help="cursor moves per painted scrub")
    p.add_argument("--rounds", type=int, default=3, help="painted scrubs of each tree, alternating")
    p.add_argument("--cli-report", action="store_true",
                   help="also time `linehmi report --shift late` (PDF) of the second day, this tree against "
                        "--baseline-rev, alternating --rounds times")  # fmt: skip
    p.add_argument(
        "--data", type=Path, help="keep the generated journals in this folder and reuse them next time"
    )
    args = p.parse_args(argv)
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) if args.data is None else args.data
        d.mkdir(parents=True, exist_ok=True)
        t0 = 1_765_000_000.0
        t = time.perf_counter()
        if not any(d.glob("*.db")):
            for day in range(args.days):
                write_day(d, t0 + day * 86_400, args.hours, args.tags, rng)
        size = sum(f.stat().st_size for f in d.glob("*.db")) / 1e6
        print(f"{args.days} journal(s) of {args.hours:g} h, {args.tags} tags at 1 Hz: {size:.0f} MB, written in "
              f"{time.perf_counter() - t:.0f} s; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip

        t = time.perf_counter()
        src = ReviewSource.open([d])
        tl = build_timeline(src)
        open_s = time.perf_counter() - t
        n_alarm = sum(1 for e in tl.events if e.kind == EventKind.ALARM)

        picture = AlarmPicture(tl.events)
        cursors = np.linspace(src.t0, src.t1, args.scrubs)
        ours, base = [], []
        for c in cursors:
            a = time.perf_counter()
            picture.at(float(c))
            for m, _ in tl.machines:
                tl.state_at(m, float(c))
            ours.append(time.perf_counter() - a)
        # The same moves with the faceplates' data: each faceplate tag's recorded value at the cursor
        # (Historian.values_at) into the faceplates' LiveValues, plus the gap test.
        cfg = src.config
        assert cfg is not None
        fp_tags = [t for m in cfg.machines for t in (m.state_tag, m.speed_tag, *m.key_tags) if t]
        reader, live = InstantReader(src.historian(), tl, fp_tags), LiveValues(cfg)
        with_fp = []
        for c in cursors:
            a = time.perf_counter()
            rows = picture.at(float(c))
            for m, _ in tl.machines:
                tl.state_at(m, float(c))
            live.apply(reader.at(float(c), rows).batch(live.index), recorded=True)
            with_fp.append(time.perf_counter() - a)
        for c in cursors[:: max(1, args.scrubs // 30)]:  # the naive way: ask the files at every move
            a = time.perf_counter()
            latest_snapshots(src.events(None, float(c), [EventKind.ALARM]))
            base.append(time.perf_counter() - a)

        t = time.perf_counter()
        md = to_markdown(build_report(src, src.t0, src.t1 + 1, "bench"))
        report_s = time.perf_counter() - t
        gui = gui_figures(src, Path(tmp)) if args.gui else None
        painted = painted_scrub(d, args.baseline_rev, args.moves, args.rounds) if args.painted else None
        day = dt.datetime.fromtimestamp(src.t0 + (86_400 if args.days > 1 else 0)).date().isoformat()
        cli = cli_report(d, day, args.baseline_rev, args.rounds, Path(tmp)) if args.cli_report else None

    rate = 1.0 / statistics.mean(ours)
    print()
    print("| what | figure | target |")
    print("|---|---|---|")
    print(f"| open to a usable timeline ({len(tl.events):,} events, {n_alarm:,} alarm events) | {open_s:.2f} s "
          f"| <= {2 if args.days == 1 else 5} s |")  # fmt: skip
    print(f"| scrub: alarm picture + machine states per cursor move | {statistics.mean(ours) * 1000:.1f} ms mean, "
          f"{max(ours) * 1000:.1f} ms max = {rate:,.0f} updates/s | >= 30 updates/s |")  # fmt: skip
    print(f"| the same + the faceplates' {len(fp_tags)} tags at the cursor | {statistics.mean(with_fp) * 1000:.1f} ms "
          f"mean = {1.0 / statistics.mean(with_fp):,.0f} updates/s | >= 30 updates/s |")  # fmt: skip
    print(f"| baseline: read the alarm events from the files at every move | {statistics.mean(base) * 1000:.1f} ms "
          f"mean ({statistics.mean(base) / statistics.mean(ours):.1f}x ours) | |")  # fmt: skip
    print(f"| report (build + Markdown, {len(md):,} chars) | {report_s:.2f} s | <= 10 s |")
    if gui is not None:
        ours_s, old_s, images_s, pdf_s, pages = gui
        rest = images_s + pdf_s
        print(
            f'| "Shift report…" at the cursor: the report on the workspace\'s timeline, CPU | {ours_s:.2f} s | |'
        )
        print(
            f"| baseline: the same report reading the record's events again (old path), CPU | {old_s:.2f} s | |"
        )
        print(f"| + 5 stop trend images, + PDF ({pages} pages), CPU | {images_s:.2f} s + {pdf_s:.2f} s | |")
        print(
            f'| "Shift report…" in all, CPU | {ours_s + rest:.2f} s (old path {old_s + rest:.2f} s) | <= 10 s |'
        )
    for label, runs in cli or []:
        walls = [w for w, _c, _l in runs]
        print(f"| `linehmi report --shift late --day {day}` (PDF), {label}, median of {len(runs)} | "
              f"{statistics.median(walls):.2f} s wall ({', '.join(f'{w:.2f}' for w in walls)}); "
              f"{statistics.median(c for _w, c, _l in runs):.2f} s CPU; load "
              f"{min(x for *_, x in runs):.1f}-{max(x for *_, x in runs):.1f} | <= 10 s |")  # fmt: skip
    for label, figs in painted or []:
        rates = [f["painted_per_s"] for f in figs]
        cpus = [f["cpu_ms_per_update"] for f in figs]
        loads = [f["load"] for f in figs]
        print(f"| painted scrub, {label}, median of {len(figs)} (each run) | "
              f"{statistics.median(rates):.1f} updates/s ({', '.join(f'{r:.1f}' for r in rates)}); "
              f"{statistics.median(cpus):.1f} ms CPU per update ({', '.join(f'{c:.1f}' for c in cpus)}); "
              f"load {min(loads):.1f}-{max(loads):.1f} | >= 30 updates/s |")  # fmt: skip
    return 0


def gui_figures(src: ReviewSource, tmp: Path) -> tuple[float, float, float, float, int]:
    """CPU s of "Shift report…" at the cursor, offscreen: (report on the workspace's timeline, the same
    report built from the files again (the old path), the stop trend images, the PDF, pages)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtWidgets import QApplication

    from hmi.core.review.record import shift_at, tag_infos
    from hmi.ui.report_pdf import write_pdf
    from hmi.ui.report_snapshots import render_snapshots
    from hmi.ui.review_window import ReviewWindow

    app = QApplication.instance() or QApplication([])
    window = ReviewWindow(src, compact=False)
    window.timeline_view.set_cursor(src.t0 + 12 * 3600)  # "Shift report…" reports the shift at the cursor
    t0, t1, title = shift_at(src, src.t0 + 12 * 3600)
    t, w = time.process_time(), time.perf_counter()
    build_report(src, t0, t1, title)  # the old path: the report read and decoded the record's events again
    old_s, old_wall = time.process_time() - t, time.perf_counter() - w
    t, w = time.process_time(), time.perf_counter()
    report = build_report(src, t0, t1, title, timeline=window.timeline)  # the workspace's "Shift report…"
    ours_s, ours_wall = time.process_time() - t, time.perf_counter() - w
    w = time.perf_counter()
    t = time.process_time()
    images = render_snapshots(report, src.historian(), tag_infos(src))
    images_s = time.process_time() - t
    t = time.process_time()
    pages = write_pdf(to_markdown(report), tmp / "report.pdf", title="bench", images=images)
    pdf_s = time.process_time() - t
    rest_wall = time.perf_counter() - w
    print(f"\"Shift report…\" wall (load {os.getloadavg()[0]:.0f}): {ours_wall + rest_wall:.2f} s, the old path "
          f"{old_wall + rest_wall:.2f} s")  # fmt: skip
    window.close()
    app.processEvents()
    return ours_s, old_s, images_s, pdf_s, pages


def _baseline_tree(baseline_rev: str, into: str) -> Path:
    archive = subprocess.run(["git", "archive", baseline_rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return Path(into)


def cli_report(
    journals: Path, day: str, baseline_rev: str, rounds: int, tmp: Path
) -> list[tuple[str, list[tuple[float, float, float]]]]:
    """`linehmi report --db DIR --shift late --day DAY --pdf` as a user runs it (a fresh process, its
    imports included), this tree and `baseline_rev` alternating: (wall s, CPU s of the child, load)."""
    from report_cli import child_env, run_once  # bench/ is this script's folder

    with tempfile.TemporaryDirectory() as base, tempfile.TemporaryDirectory() as caches:
        trees = ((f"baseline {baseline_rev}", _baseline_tree(baseline_rev, base)), ("this tree", ROOT))
        # Each tree's bytecode in a cache of its own, compiled by an untimed first run: the same for
        # both (this tree's __pycache__ folders from earlier runs once made it look faster).
        envs = {label: child_env(tree, Path(caches) / str(k)) for k, (label, tree) in enumerate(trees)}
        args = ["--db", str(journals), "--shift", "late", "--day", day]
        for label, tree in trees:
            run_once(tree, args, tmp / "cli.pdf", envs[label])
        out: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in trees}
        for _ in range(rounds):
            for label, tree in trees:
                wall, cpu, load = run_once(tree, args, tmp / "cli.pdf", envs[label])
                out[label].append((wall, cpu, load))
                print(f"linehmi report, {label}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
    return list(out.items())


def painted_scrub(
    journals: Path, baseline_rev: str, moves: int, rounds: int
) -> list[tuple[str, list[dict[str, float]]]]:
    """bench/review_scrub.py on a real X server ($DISPLAY) for this tree and for `baseline_rev`
    (exported with `git archive`), alternating `rounds` times: the same machine load for both."""
    script = Path(__file__).with_name("review_scrub.py")
    with tempfile.TemporaryDirectory() as base:
        trees = ((f"baseline {baseline_rev}", _baseline_tree(baseline_rev, base)), ("this tree", ROOT))
        out: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
        for _ in range(rounds):
            for label, tree in trees:
                run = subprocess.run(
                    [sys.executable, str(script), str(journals), "--tree", str(tree), "--moves", str(moves)],
                    capture_output=True, text=True, check=True, env={**os.environ, "QT_QPA_PLATFORM": "xcb"},
                )  # fmt: skip
                fig = json.loads(run.stdout.strip().splitlines()[-1])
                print(f"painted scrub, {label}: {fig}", flush=True)
                out[label].append(fig)
    return list(out.items())


if __name__ == "__main__":
    raise SystemExit(main())
