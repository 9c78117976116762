"""Trend benchmarks: live redraw, history load, journal write rate with rollups.

    .venv/bin/python bench/trends.py [--seconds 6] [--only live,history,write] [--dir /tmp]

Offscreen (QT_QPA_PLATFORM=offscreen). Every figure is printed next to a
baseline measured in the same run, because these machines are noisy.

1. Live: 100 pens at 10 Hz with a 1-hour window (3.6 million samples in view).
   Data arrive in real time; frames are drawn as fast as they can be
   (redraws/s) and then paced at 25 Hz (GUI thread CPU). Baseline: naive
   pyqtgraph, `setData` of the full arrays of every pen each frame, no
   downsampling; and, for context, pyqtgraph's own peak downsampling with
   clipToView (the setting LineHMI's trends start from).
2. History: 20 pens x 8 h at 1 Hz (576,000 samples) and 20 pens x 24 h
   (1,728,000), from the journal file to drawn: `set_range`, worker read,
   curves built, one paint. With the rollup table (what the journal writer
   would maintain) and without it (SQL GROUP BY on the (tag_id, source_ts)
   index). The file is in the OS page cache (just written), as a shift
   reviewed on the machine that recorded it is. With the load, the GUI
   thread's longest stall (the longest gap between two ticks of a 20 ms
   timer while the worker reads; target: under 0.5 s, once a unit test's
   bound, tests/ui/test_trend.py now checks where the read runs instead),
   against the same window idle for as long (baseline, same run).
3. Journal write rate: 50,000-sample transactions (100,000 samples/s at the
   default 500 ms commit interval) of 500 interleaved tags, with the schema's
   index (the journal as it is), and with the rollups added in the same
   transaction (`hmi.core.rollup.update_rollups`), interleaved rounds, medians.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from hmi.core.config import LineConfig, parse_config
from hmi.core.historian import Historian
from hmi.core.historian_synth import SynthSpec, write_synthetic_journal
from hmi.core.journal_schema import SAMPLE_INSERT_SQL, create_schema, sample_rows
from hmi.core.live_buffer import LiveBuffers
from hmi.core.rollup import create_rollup_schema, update_rollups
from hmi.core.samples import SampleBatch


def line_config(n: int, line_id: str = "bench") -> LineConfig:
    parts = [
        f'[line]\nid = "{line_id}"\nname = "Bench line"\n[server]\nendpoint = "opc.tcp://127.0.0.1:4840/"\n'
    ]
    units = ["degC", "bar", "A", "mm/s", "rpm", "%"]
    for i in range(n):
        u = units[i % len(units)]
        hi = [150, 10, 40, 20, 3000, 100][i % len(units)]
        parts.append(
            f'[[tags]]\nname = "t{i:03d}"\nnode_id = "ns=2;s=T{i:03d}"\nunit = "{u}"\n'
            f"range = [0, {hi}]\nnormal = [{hi * 0.2:g}, {hi * 0.7:g}]\n"
            f"alarms = {{ hi = {hi * 0.8:g}, hihi = {hi * 0.9:g} }}\n"
        )
    return parse_config("\n".join(parts), "bench.toml")


def stream(
    n_tags: int, t0: float, t1: float, hz: float, rng: np.random.Generator, walk: np.ndarray
) -> SampleBatch:
    """Samples of every tag at `hz` in [t0, t1): random walk inside 20-70 % of each range."""
    ts = np.arange(np.ceil(t0 * hz), np.ceil(t1 * hz)) / hz
    if len(ts) == 0:
        return SampleBatch.empty()
    steps = rng.normal(0, 0.002, (len(ts), n_tags))
    vals = np.clip(walk + np.cumsum(steps, axis=0), 0.2, 0.7)
    walk[:] = vals[-1]
    noise = rng.normal(0, 0.003, vals.shape)
    scale = np.array([[150, 10, 40, 20, 3000, 100][i % 6] for i in range(n_tags)], dtype=float)
    v = ((vals + noise) * scale).reshape(-1)
    tt = np.repeat(ts, n_tags)
    idx = np.tile(np.arange(n_tags), len(ts))
    return SampleBatch.from_columns(idx, tt, tt, tt + 0.01, v, np.zeros(len(v), dtype=np.uint32))


# --- 1. live -----------------------------------------------------------------------------------------


def bench_live(seconds: float) -> list[tuple[str, float, float, float]]:
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from hmi.ui.theme import apply_theme
    from widgets.trend import TrendWidget

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    n, hz, window = 100, 10.0, 3600.0
    cfg = line_config(n)
    rng = np.random.default_rng(1)
    walk = rng.uniform(0.3, 0.6, n)
    start = time.time()
    sim = [start]  # the clock the widget and the data see

    def clock() -> float:
        return sim[0]

    live = LiveBuffers.from_config(cfg, retention_s=window + 120, clock=clock)
    live.started_at = start - window - 60
    # one hour of history in the buffers, fed in 1-minute batches
    t = start - window
    while t < start:
        live.apply(stream(n, t, min(t + 60, start), hz, rng, walk))
        t += 60
    results = []

    def feed(last: list[float]) -> None:
        now = clock()
        if now > last[0]:
            live.apply(stream(n, last[0], now, hz, rng, walk))
            last[0] = now

    # --- this widget
    w = TrendWidget(cfg, live, None, span_s=window, clock=clock, refresh_ms=10_000)
    w.resize(1600, 900)
    w.show()
    for i in range(n):
        w.add_pen(f"t{i:03d}")
    app.processEvents()
    w.refresh(force=True)
    app.processEvents()
    curves = [w.curves(t)["solid"] for t in w.pens()]
    last = [start]

    def run(paced_hz: float | None, dur: float) -> tuple[float, float, int]:
        """Flat out: every frame carries one new sample of every pen (the clock moves 0.1 s per
        frame, so the view also scrolls as data come: one full repaint per 2.25 s of data).
        Paced: real time, frames at `paced_hz`, data at 10 Hz."""
        frames = 0
        paints0 = sum(c.paints for c in curves)
        t_end = time.perf_counter() + dur
        c0, w0 = time.thread_time(), time.perf_counter()
        next_t = w0
        sim_w0 = sim[0]
        while time.perf_counter() < t_end:
            if paced_hz:
                delay = next_t - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                next_t += 1.0 / paced_hz
                sim[0] = sim_w0 + (time.perf_counter() - w0)
            else:
                sim[0] += 1.0 / hz
            feed(last)
            w.refresh()
            app.processEvents()
            frames += 1
        wall = time.perf_counter() - w0
        cpu = time.thread_time() - c0
        return frames / wall, cpu / wall * 100, sum(c.paints for c in curves) - paints0

    run(None, 1.0)  # warm up
    fps, cpu, paints = run(None, seconds)
    _, cpu25, _ = run(25.0, seconds)
    results.append(("TrendWidget (this)", fps, cpu, cpu25))
    print(f"  trend widget: {fps:.1f} redraws/s flat out ({paints} curve paints), {cpu25:.0f}% CPU at 25 Hz")
    # a full repaint every frame (scrolling / panning): the worst case
    vb = w.canvas.master
    frames = 0
    t_end = time.perf_counter() + seconds / 2
    w0 = time.perf_counter()
    while time.perf_counter() < t_end:
        x0, x1 = vb.viewRange()[0]
        w.canvas.set_x_range(x0 + 0.37, x1 + 0.37)
        app.processEvents()
        frames += 1
    full = frames / (time.perf_counter() - w0)
    results.append(("TrendWidget, full repaint every frame (pan)", full, float("nan"), float("nan")))
    print(f"  trend widget full repaints: {full:.1f}/s")
    w.shutdown()
    w.close()
    w.deleteLater()
    app.processEvents()

    # --- baselines: plain pyqtgraph
    for name, down in (
        ("naive pyqtgraph (setData full arrays)", False),
        ("pyqtgraph peak downsampling + clipToView", True),
    ):
        pw = pg.PlotWidget()
        pw.resize(1600, 900)
        pw.show()
        items = []
        for i in range(n):
            it = pw.plot(pen=pg.mkPen(i % 255, width=1))
            if down:
                it.setDownsampling(auto=True, method="peak")
                it.setClipToView(True)
            items.append(it)
        app.processEvents()

        def frame(items: list = items, pw: pg.PlotWidget = pw) -> None:
            feed(last)
            now = clock()
            for i, it in enumerate(items):
                p = live.ring(i).points(now - window)
                it.setData(p.ts, p.value)
            pw.setXRange(now - window, now, padding=0)
            app.processEvents()

        def run_base(paced_hz: float | None, dur: float) -> tuple[float, float]:
            frames = 0
            t_end = time.perf_counter() + dur
            c0, w0 = time.thread_time(), time.perf_counter()
            next_t = w0
            sim_w0 = sim[0]
            while time.perf_counter() < t_end or frames < 3:
                if paced_hz:
                    delay = next_t - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    next_t += 1.0 / paced_hz
                    sim[0] = sim_w0 + (time.perf_counter() - w0)
                else:
                    sim[0] += 1.0 / hz
                frame()
                frames += 1
            wall = time.perf_counter() - w0
            return frames / wall, (time.thread_time() - c0) / wall * 100

        frame()
        fps_b, cpu_b = run_base(None, seconds)
        _, cpu25_b = run_base(25.0, min(seconds, 3.0))
        results.append((name, fps_b, cpu_b, cpu25_b))
        print(f"  {name}: {fps_b:.1f} redraws/s, {cpu25_b:.0f}% CPU when asked for 25 Hz")
        pw.close()
        pw.deleteLater()
        app.processEvents()
    return results


# --- 2. history ---------------------------------------------------------------------------------------


def _tick_meter() -> tuple[list[float], Any]:
    """A 20 ms timer on the GUI thread noting when it fired (started), and the timer."""
    from PySide6.QtCore import QTimer

    ticks = [time.perf_counter()]
    meter = QTimer()
    meter.setInterval(20)
    meter.timeout.connect(lambda: ticks.append(time.perf_counter()))
    meter.start()
    return ticks, meter


def _max_gap(ticks: list[float]) -> float:
    """The longest time between two ticks, up to now (the last gap counts while it is still open)."""
    stamps = [*ticks, time.perf_counter()]
    return max(b - a for a, b in itertools.pairwise(stamps))


def bench_history(directory: Path) -> list[tuple[str, float, float, int, float, float]]:
    from PySide6.QtWidgets import QApplication

    from hmi.ui.theme import apply_theme
    from widgets.trend import TrendWidget

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    cfg = line_config(20)
    tags = [t.name for t in cfg.tags]
    t_end = float(int(time.time()) // 3600 * 3600)
    out = []
    for hours in (8, 24):
        t0 = t_end - hours * 3600
        files = {}
        for rollups in (True, False):
            p = directory / f"hist_{hours}h_{'rollup' if rollups else 'plain'}.db"
            info = write_synthetic_journal(p, cfg, SynthSpec(t0, t_end, hz=1.0, tags=tags, rollups=rollups))
            files[rollups] = (p, int(info["samples"]))
        for rollups in (True, False):
            path, n_samples = files[rollups]
            times = []
            for _ in range(3):
                # the widget opens on a day without data; set_range then reads the shift cold
                w = TrendWidget(
                    cfg,
                    None,
                    Historian.for_files([path]),
                    span_s=hours * 3600,
                    clock=lambda: t_end + 10 * 86400,
                )
                w.resize(1600, 900)
                w.show()
                app.processEvents()
                for t in tags:
                    w.add_pen(t)
                app.processEvents()
                w.wait_idle(30)
                loaded = []
                w.history_loaded.connect(loaded.append)
                painted0 = sum(w.curves(t)["solid"].paints for t in w.pens())
                ticks, meter = _tick_meter()
                start = time.perf_counter()
                w.set_range(t0 + 1.0, t_end - 1.0)  # a fresh range: nothing cached
                while not loaded and time.perf_counter() - start < 60:
                    app.processEvents()
                    time.sleep(0.001)
                meter.stop()
                load_stall = _max_gap(ticks)
                load_s = time.perf_counter() - start
                # drawn = every pen's curve painted after the data arrived (offscreen backing store)
                after = {t: w.curves(t)["solid"].paints for t in w.pens()}
                while time.perf_counter() - start < 60 and any(
                    w.curves(t)["solid"].paints == after[t] for t in w.pens()
                ):
                    app.processEvents()
                elapsed = time.perf_counter() - start
                painted = sum(w.curves(t)["solid"].paints for t in w.pens()) - painted0
                assert loaded and painted >= len(tags), (
                    f"history was not drawn ({len(loaded)} loads, {painted} paints)"
                )
                # Baseline: the same window, drawn and idle, for as long as the load took.
                ticks, meter = _tick_meter()
                quiet_until = time.perf_counter() + load_s
                while time.perf_counter() < quiet_until:
                    app.processEvents()
                    time.sleep(0.001)
                meter.stop()
                quiet_stall = _max_gap(ticks)
                times.append(
                    (elapsed, loaded[0].elapsed_s, loaded[0].pens[tags[0]].source, load_stall, quiet_stall)
                )
                w.shutdown()
                w.close()
                w.deleteLater()
                app.processEvents()
            best = min(times)
            how = "rollups" if rollups else "no rollups (SQL GROUP BY)"
            label = f"20 pens x {hours} h @ 1 Hz ({n_samples:,} samples), {how}"
            stall = max(t[3] for t in times)
            quiet = max(t[4] for t in times)
            out.append((label, best[0] * 1000, best[1] * 1000, n_samples, stall * 1000, quiet * 1000))
            print(
                f"  {label}: {best[0] * 1000:.0f} ms to drawn (read {best[1] * 1000:.0f} ms, {best[2]});"
                f" GUI max stall during the load {stall * 1000:.0f} ms, idle {quiet * 1000:.0f} ms"
            )
    return out


# --- 3. journal write rate -------------------------------------------------------------------------------


def bench_write(
    directory: Path, n: int = 1_000_000, n_tags: int = 500, per_commit: int = 50_000
) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(0)
    t0 = 1_780_000_000.0
    src = t0 + np.arange(n) / 100_000.0
    b = SampleBatch.from_columns(
        np.arange(n) % n_tags,
        src,
        src + 0.002,
        src + 0.005,
        rng.normal(50.0, 5.0, n),
        np.where(rng.random(n) < 0.01, 0x808A0000, 0),
    )
    ids = (b.tag_idx + 1).astype(np.int64)

    def run(rollups: bool) -> tuple[float, float]:
        path = directory / f"write_{'rollup' if rollups else 'plain'}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA cache_size=-32000")
        create_schema(conn)
        if rollups:
            create_rollup_schema(conn)
        roll_s = 0.0
        start = time.perf_counter()
        for a in range(0, n, per_commit):
            part = b.take(slice(a, a + per_commit))
            pid = ids[a : a + per_commit]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(SAMPLE_INSERT_SQL, sample_rows(pid, part))
            if rollups:
                r0 = time.perf_counter()
                update_rollups(conn, pid, part)
                roll_s += time.perf_counter() - r0
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
        size = (
            path.stat().st_size + Path(f"{path}-wal").stat().st_size
            if Path(f"{path}-wal").exists()
            else path.stat().st_size
        )
        return n / elapsed, roll_s / elapsed * 100 if rollups else size / n

    rates: dict[bool, list[float]] = {False: [], True: []}
    share: list[float] = []
    for _ in range(3):
        for rollups in (False, True):
            rate, extra = run(rollups)
            rates[rollups].append(rate)
            if rollups:
                share.append(extra)
    base = statistics.median(rates[False])
    roll = statistics.median(rates[True])
    print(
        f"  journal as is (index): {base:,.0f} samples/s; with rollups: {roll:,.0f} samples/s "
        f"(ratio {roll / base:.2f}; rollup work {statistics.median(share):.0f}% of the time)"
    )
    return [
        ("index (journal as is, baseline)", base, 1.0),
        ("index + rollups 10/60/600 s", roll, roll / base),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--only", default="live,history,write")
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    which = set(args.only.split(","))
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        d = Path(tmp)
        if "live" in which:
            print("Live: 100 pens x 10 Hz, 1-hour window, 1600x900 offscreen")
            res = bench_live(args.seconds)
            base = res[2][1]
            print("\n| live | redraws/s | ratio to naive | GUI CPU flat out | GUI CPU at 25 Hz |")
            print("|---|---:|---:|---:|---:|")
            for name, fps, cpu, cpu25 in res:
                c1 = f"{cpu:.0f}%" if cpu == cpu else "—"
                c2 = f"{cpu25:.0f}%" if cpu25 == cpu25 else "—"
                print(f"| {name} | {fps:.1f} | {fps / base:.1f} | {c1} | {c2} |")
            print()
        if "history" in which:
            print("History: journal file -> drawn (warm OS cache), best of 3")
            res_h = bench_history(d)
            print("\n| history | to drawn | of which read | samples | GUI max stall (load / idle) |")
            print("|---|---:|---:|---:|---:|")
            for name, ms, read_ms, ns, stall_ms, idle_ms in res_h:
                print(
                    f"| {name} | {ms:.0f} ms | {read_ms:.0f} ms | {ns:,} | {stall_ms:.0f} / {idle_ms:.0f} ms |"
                )
            print()
        if "write" in which:
            print("Journal write rate (SQL level, 50,000 samples per transaction, synchronous=FULL)")
            res_w = bench_write(d)
            print("\n| journal write | samples/s | ratio |")
            print("|---|---:|---:|")
            for name, rate, ratio in res_w:
                print(f"| {name} | {rate:,.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
