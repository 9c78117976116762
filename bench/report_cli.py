"""`linehmi report --pdf` as a user runs it (a fresh process, its imports included) on journals you
name, this tree against an older commit, alternating: wall, the child's CPU and the load beside each.

    .venv/bin/python bench/report_cli.py --baseline-rev b3e0dcd --rounds 3 \
        --case "demo shift=--db /tmp/run1.db" \
        --case "week, late shift of day 7=--db /tmp/week --shift late --day 2025-12-12"

`bench/review.py --cli-report` does the same on the journals it generates; this one takes any journal
(a real demo recording, a week of daily files). The baseline tree is exported with `git archive`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(tree: Path, args: list[str], pdf: Path) -> tuple[float, float, float]:
    """(wall s, CPU s of the child, load average) of one `linehmi report ... --pdf` in `tree`."""
    cmd = [sys.executable, "-m", "hmi.cli", "report", *args, "--pdf", str(pdf)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tree), "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    wall = time.perf_counter() - w
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} in {tree}: exit {done.returncode}: {done.stderr[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, os.getloadavg()[0]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", action="append", required=True,
                   help='"NAME=ARGS": the report arguments (--db ... --shift ...) of one case')  # fmt: skip
    p.add_argument("--baseline-rev", required=True, help="the commit to compare with")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    cases = [(c.split("=", 1)[0], shlex.split(c.split("=", 1)[1])) for c in args.case]
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as base:
        archive = subprocess.run(
            ["git", "archive", args.baseline_rev], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", base], input=archive.stdout, check=True)
        trees = [(f"baseline {args.baseline_rev}", Path(base)), ("this tree", ROOT)]
        pdf = Path(base) / "bench.pdf"
        for _ in range(args.rounds):
            for name, report_args in cases:
                for label, tree in trees:
                    fig = run_once(tree, report_args, pdf)
                    results.setdefault((name, label), []).append(fig)
                    print(f"{name} | {label} | {fig[0]:.2f} s wall | {fig[1]:.2f} s CPU | load {fig[2]:.1f}",
                          flush=True)  # fmt: skip
    print()
    print("| report | tree | wall, median (each) | CPU, median | load | target |")
    print("|---|---|---|---|---|---|")
    for (name, label), runs in results.items():
        walls = [r[0] for r in runs]
        print(f"| {name} | {label} | {statistics.median(walls):.2f} s ({', '.join(f'{w:.2f}' for w in walls)}) | "
              f"{statistics.median(r[1] for r in runs):.2f} s | {min(r[2] for r in runs):.1f}-"
              f"{max(r[2] for r in runs):.1f} | <= 10 s |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
