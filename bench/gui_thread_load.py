"""CPU of the live window's GUI thread with a given tab in front, this tree against an older commit.

    .venv/bin/python bench/gui_thread_load.py --baseline-rev a7f8031 --rounds 2

Each run starts the simulated line (`linehmi sim`) and the window (`linehmi run --touch on`) on an
Xvfb screen of 1280x800 (the line-side PC), lets it settle, brings the tab forward, and reads the GUI
thread's own CPU time (`/proc/PID/task/PID/stat`, utime + stime: the main thread is Qt's) over
`--seconds`. The trees alternate, so both see the same load; the load average is printed beside
each figure. What a pane behind another tab costs is what the Alarms tab in front shows: the line
side's default view, where nobody looks at the Production view or the live trend.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_cli import _exported, child_env

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu_s(pid: int) -> float:
    """utime + stime of the process's main thread (the GUI thread), in seconds."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_once(
    tree: Path, env: dict[str, str], display: str, tab: str, settle_s: float, seconds: float
) -> float:
    """GUI-thread CPU seconds per wall second with `tab` in front."""
    port = free_port()
    env = {**env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    with tempfile.TemporaryDirectory() as journal:
        sim = subprocess.Popen([sys.executable, "-m", "hmi.cli", "sim", "--port", str(port)], cwd=tree, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        hmi = None
        try:
            time.sleep(3)
            hmi = subprocess.Popen(
                [sys.executable, "-m", "hmi.cli", "run", "--config", str(tree / "resources/demo_line.toml"),
                 "--endpoint", f"opc.tcp://127.0.0.1:{port}/linehmi/", "--touch", "on",
                 "--journal-dir", journal, "--user", "operator"],
                cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(settle_s)
            if tab:  # the bottom tab bar: click the tab by its title (xdotool finds the window)
                _click_tab(display, tab)
            time.sleep(2)
            c0, w0 = thread_cpu_s(hmi.pid), time.perf_counter()
            time.sleep(seconds)
            return (thread_cpu_s(hmi.pid) - c0) / (time.perf_counter() - w0)
        finally:
            for p in (hmi, sim):
                if p is not None:
                    p.send_signal(signal.SIGTERM)
            for p in (hmi, sim):
                if p is not None:
                    try:
                        p.wait(15)
                    except subprocess.TimeoutExpired:
                        p.kill()


def _click_tab(display: str, tab: str) -> None:
    """The default layout at 1280x800 has the Alarms tab in front; other tabs are left as they are
    unless xdotool is there to click them (positions of the default layout's bottom tab bar)."""
    positions = {"Alarms": 37, "Tags": 110, "Events": 182, "Trend": 254, "Production": 339}
    if tab not in positions or shutil.which("xdotool") is None:
        return
    env = {**os.environ, "DISPLAY": display}
    subprocess.run(["xdotool", "mousemove", str(positions[tab]), "759", "click", "1"], env=env, check=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline-rev", required=True, help="the commit to compare with")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--tab", default="Alarms", help="the tab in front while measuring (default Alarms)")
    p.add_argument("--settle", type=float, default=25.0, help="seconds from start to the measurement")
    p.add_argument("--seconds", type=float, default=30.0, help="length of the measurement")
    p.add_argument("--display", default=":97")
    args = p.parse_args(argv)
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is needed (apt-get install xvfb)")
    xvfb = subprocess.Popen(["Xvfb", args.display, "-screen", "0", "1280x800x24"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    results: dict[str, list[tuple[float, float]]] = {}
    try:
        with tempfile.TemporaryDirectory() as base:
            trees = [
                (f"baseline {args.baseline_rev}", _exported(args.baseline_rev, Path(base) / "tree")),
                ("this tree", ROOT),
            ]
            envs = {
                label: child_env(tree, Path(base) / f"pycache{k}") for k, (label, tree) in enumerate(trees)
            }
            for _ in range(args.rounds):
                for label, tree in trees:
                    share = run_once(tree, envs[label], args.display, args.tab, args.settle, args.seconds)
                    load = os.getloadavg()[0]
                    results.setdefault(label, []).append((share, load))
                    print(f"{label} | {args.tab} in front | GUI thread {1000 * share:.0f} ms CPU per second "
                          f"| load {load:.1f}", flush=True)  # fmt: skip
    finally:
        xvfb.terminate()
    print()
    print(f"| tree | GUI-thread CPU per second, {args.tab} tab in front, median (each) | load |")
    print("|---|---|---|")
    for label, runs in results.items():
        shares = [1000 * r[0] for r in runs]
        print(f"| {label} | {statistics.median(shares):.0f} ms ({', '.join(f'{s:.0f}' for s in shares)}) | "
              f"{min(r[1] for r in runs):.1f}-{max(r[1] for r in runs):.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
