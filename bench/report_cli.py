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


def child_env(tree: Path, pycache: Path) -> dict[str, str]:
    """The report's environment: bytecode in a cache of the tree's own (`pycache`), as an installed
    LineHMI has it. The same for both trees: a tree checked out here may hold `__pycache__` folders
    from earlier runs while the baseline, fresh from `git archive`, holds none, and with
    PYTHONDONTWRITEBYTECODE (set on the dev VM) the baseline compiled every source at every run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **env,
        "PYTHONPATH": str(tree),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPYCACHEPREFIX": str(pycache),
    }


def run_once(tree: Path, args: list[str], pdf: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, CPU s of the child, load average) of one `linehmi report ... --pdf` in `tree`."""
    cmd = [sys.executable, "-m", "hmi.cli", "report", *args, "--pdf", str(pdf)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - w
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} in {tree}: exit {done.returncode}: {done.stderr[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, os.getloadavg()[0]


def _exported(rev: str, into: Path) -> Path:
    into.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", action="append", required=True,
                   help='"NAME=ARGS": the report arguments (--db ... --shift ...) of one case')  # fmt: skip
    p.add_argument("--baseline-rev", required=True, help="the commit to compare with")
    p.add_argument("--tree-rev", help="compare this commit instead of the working tree (one change alone)")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    cases = [(c.split("=", 1)[0], shlex.split(c.split("=", 1)[1])) for c in args.case]
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as base:
        trees = [(f"baseline {args.baseline_rev}", _exported(args.baseline_rev, Path(base) / "tree"))]
        trees.append(
            (args.tree_rev, _exported(args.tree_rev, Path(base) / "ours"))
            if args.tree_rev
            else ("this tree", ROOT)
        )
        pdf = Path(base) / "bench.pdf"
        envs = {label: child_env(tree, Path(base) / f"pycache{k}") for k, (label, tree) in enumerate(trees)}
        for label, tree in trees:  # compiles each tree's bytecode once, untimed
            run_once(tree, cases[0][1], pdf, envs[label])
        for _ in range(args.rounds):
            for name, report_args in cases:
                for label, tree in trees:
                    fig = run_once(tree, report_args, pdf, envs[label])
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
