"""Resident memory of the headless demo over a long run: does it level off?

    .venv/bin/python bench/rss_plateau.py [--minutes 30] [--time-factor 5] [--every 10] [--out rss.csv]

Starts `linehmi demo --headless` (simulator, connector, journal, alarms, models:
the whole logger in one process) as a child, samples its RSS every --every
seconds from /proc, and prints the figures the plateau question needs: RSS at
start-up, the growth over the first and the last half of the run (the last
half is the baseline the first is compared with), and the slope of a
least-squares line over the last half in MB per hour. A run that has levelled
off shows a last-half growth near zero whatever the first half did.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--time-factor", type=float, default=5.0)
    ap.add_argument("--every", type=float, default=10.0, help="seconds between RSS samples")
    ap.add_argument(
        "--page-cache-mb",
        type=float,
        default=None,
        help="journal.page_cache_mb for the run (default: the config's)",
    )
    ap.add_argument("--port", type=int, default=48960, help="preferred simulator port (others may use 48400)")
    ap.add_argument("--out", type=Path, default=None, help="CSV of (elapsed_s, rss_mb)")
    ap.add_argument(
        "--log",
        type=Path,
        default=None,
        help="the demo's log (stderr); default: demo.log next to --out, else in the temporary folder",
    )
    args = ap.parse_args()
    seconds = args.minutes * 60.0
    with tempfile.TemporaryDirectory(prefix="rss-") as tmp:
        extra: list[str] = []
        if args.page_cache_mb is not None:
            from hmi.core.config import DEMO_CONFIG

            cfg = Path(tmp) / "line.toml"
            text = DEMO_CONFIG.read_text(encoding="utf-8")
            cfg.write_text(
                text.replace("[journal]\n", f"[journal]\npage_cache_mb = {args.page_cache_mb:g}\n", 1)
            )
            extra = ["--config", str(cfg)]
        cmd = [
            sys.executable,
            "-m",
            "hmi.cli",
            "demo",
            "--headless",
            "--time-factor",
            str(args.time_factor),
            "--seconds",
            str(seconds),
            "--journal-dir",
            tmp,
            "--port",
            str(args.port),
            *extra,
        ]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        # The demo logs a status line every 10 s: into a file, never a pipe nobody reads while the run
        # goes (a full pipe blocks the demo's logging, and with it the demo, after about an hour).
        log_path = args.log or (
            args.out.with_name("demo.log") if args.out is not None else Path(tmp) / "demo.log"
        )
        log_file = open(log_path, "wb")  # noqa: SIM115 - closed below, after the child has exited
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
        t0 = time.monotonic()
        rows: list[tuple[float, float]] = []
        try:
            while proc.poll() is None:
                mb = rss_mb(proc.pid)
                if mb is not None:
                    rows.append((time.monotonic() - t0, mb))
                    if args.out is not None:
                        with open(args.out, "a", encoding="ascii") as f:
                            f.write(f"{rows[-1][0]:.1f},{mb:.1f}\n")
                time.sleep(args.every)
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)
        log_file.close()
        err = log_path.read_text(encoding="utf-8", errors="replace")
        db_bytes = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    if len(rows) < 4:
        print(f"too few samples ({len(rows)}); demo exited with {proc.returncode}:\n{err[-2000:]}")
        return 1
    rows = [r for r in rows if r[0] >= 60.0] or rows  # the first minute is start-up, not growth
    t = np.array([r[0] for r in rows])
    m = np.array([r[1] for r in rows])
    half = t[-1] / 2.0
    first, last = m[t <= half], m[t >= half]
    slope = float(np.polyfit(t[t >= half] / 3600.0, last, 1)[0]) if len(last) > 2 else float("nan")
    print(
        f"headless demo, time factor {args.time_factor:g}, {t[-1] / 60:.1f} min, RSS every {args.every:g} s"
    )
    print("| figure | MB |\n|---|---|")
    print(f"| RSS after 1 min | {m[0]:.1f} |")
    print(f"| RSS max | {m.max():.1f} |")
    for minute in range(30, int(t[-1] // 60) + 1, 30):
        at = m[min(int(np.searchsorted(t, minute * 60.0)), len(m) - 1)]  # the first sample at or after it
        print(f"| RSS at {minute} min | {at:.1f} |")
    print(f"| RSS at end | {m[-1]:.1f} |")
    print(f"| growth over first half (baseline) | {first[-1] - first[0]:+.1f} |")
    print(f"| growth over last half | {last[-1] - last[0]:+.1f} |")
    print(f"| last-half slope (MB/h, least squares) | {slope:+.1f} |")
    print(f"journal folder at end: {db_bytes / 1e6:.1f} MB; demo exit code {proc.returncode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
