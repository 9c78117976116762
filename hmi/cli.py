"""`linehmi` entry point.

    linehmi demo                       simulated line over OPC UA on loopback + the HMI window
    linehmi run --config FILE          the HMI against any OPC UA server
    linehmi run --config FILE --headless   logger service: connector + journal, no display
    linehmi sim [...]                  the simulated line server alone
    linehmi shift-replay               the demo shift through the alarm engine (fast) + its KPI report
    linehmi browse --endpoint URL [--toml F]   a server's address space as a tree (or a config skeleton)
    linehmi write TAG VALUE --config FILE --user NAME   one setpoint, role-checked, journaled, read back
    linehmi journal copy SRC DST|FOLDER                 a consistent copy of a journal file, also while it is written
    linehmi certs list|show|trust|reject|own --config FILE   server certificates and this station's own
    linehmi check-config FILE          validate a line config and exit
    linehmi alarms report --db FILE    ISA-18.2 alarm KPIs of a journal (see `linehmi alarms --help`)
    linehmi production summary --db FILE   a shift's OEE, stops and reasons (see `linehmi production --help`)
    linehmi users add NAME --role R    manage users and roles (see `linehmi users --help`)
    linehmi models train-fault|train-qc|prepare-assistant|list   the models (`linehmi models --help`)
    linehmi review PATH...             review journal files after the shift (read-only, no PLC)
    linehmi report --db FILE --pdf OUT the shift report (`linehmi report --help`)
    linehmi plant init|status|forward  the PostgreSQL plant historian (`linehmi plant --help`)
    linehmi ask "QUESTION" --db FILE   the assistant, offline, on a shift's journal

Qt is imported only when a window is opened, so the headless modes run on a
machine without a display or without the GUI extra installed.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from hmi.core.config import DEMO_CONFIG, LineConfig, load_config_or_exit

log = logging.getLogger("linehmi")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    from connectors.opcua_session import quieten_asyncua_logs

    quieten_asyncua_logs()


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free TCP port on 127.0.0.1")


def _load(path: str | Path) -> LineConfig:
    return load_config_or_exit(path)


def _bound_malloc(config: LineConfig) -> None:
    """Before the first thread starts: arenas are made per thread, so the bound must come first."""
    from hmi.core.malloc_bounds import MallocBounds, MallocTrimmer, apply_malloc_bounds

    mem = config.memory
    apply_malloc_bounds(MallocBounds(mem.malloc_arenas, mem.malloc_mmap_threshold_kb))
    # A daemon thread for the life of the process (run and demo end with it).
    MallocTrimmer(mem.malloc_trim_interval_s).start()


# --- run ------------------------------------------------------------------------------------


def _run_runtime(
    config: LineConfig, args: argparse.Namespace, endpoint: str | None = None, demo: bool = False
) -> int:
    from hmi.app.runtime import LineRuntime
    from hmi.core.users import User

    # A SIGTERM while starting (systemd, `kill`) must not kill the process half-way: it is noted here and
    # honoured as soon as the window or the logger loop runs, which then stop the runtime cleanly.
    stop_requested = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.set())
    runtime = LineRuntime(
        config,
        journal_dir=args.journal_dir,
        endpoint=endpoint,
        gui_feed=not args.headless,
        time_scale=getattr(args, "time_factor", 1.0),
    )
    # A name only: the window starts with viewer rights until someone logs in.
    user: User | str | None = args.user
    if demo:
        # The demo logs in its documented "operator" account so setpoints and
        # acknowledgements work at once (passwords: docs/alarms.md, `<name>-demo`).
        from hmi.core.users import UserStoreError

        try:
            added = runtime.users.ensure_demo_users()
        except UserStoreError as exc:  # users are optional: the demo runs with viewer rights
            log.error("demo users not created: %s", exc)
            added = []
        if added:
            log.info(
                "demo users created in %s: %s (password <name>-demo)", runtime.users.path, ", ".join(added)
            )
        user = runtime.users.get(args.user or "operator") or args.user
    try:
        runtime.start()
    except Exception as exc:
        print(f"linehmi: cannot start: {exc}", file=sys.stderr)
        return 1
    log.info("journal: %s", runtime.journal.path)
    if isinstance(user, User):
        runtime.auditor.record(user, "login", detail="automatic log-in of the demo")
    if args.headless:
        return _headless_loop(runtime, args.seconds, stop_requested)
    from hmi.ui.app import run_gui  # Qt only from here on

    touch = {"on": True, "off": False}.get(args.touch or "")  # None: auto / the config decides
    return run_gui(
        runtime,
        config,
        user=user,
        seconds=args.seconds,
        screenshot=args.screenshot,
        fullscreen=args.fullscreen or None,
        touch=touch,
        stop_requested=stop_requested,
    )


def _headless_loop(runtime, seconds: float | None, stop: threading.Event | None = None) -> int:  # type: ignore[no-untyped-def]
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    t_end = time.monotonic() + seconds if seconds else None
    last_n, last_t = 0, time.monotonic()
    try:
        while not stop.wait(0.25 if t_end else 10.0):
            if t_end and time.monotonic() >= t_end:
                break
            now = time.monotonic()
            if now - last_t >= 10.0:
                rate = (runtime.samples_in - last_n) / (now - last_t)
                st = runtime.journal.stats
                health = runtime.journal_health
                link = runtime.plant_link
                plant = f" | {link.status().text()}" if link is not None else ""
                (log.warning if health.abnormal else log.info)(
                    "%s | %.0f samples/s | journal %d samples committed | %s | %s%s",
                    runtime.state.value,
                    rate,
                    st.samples_committed,
                    health.line(),
                    runtime.journal.path.name,
                    plant,
                )
                last_n, last_t = runtime.samples_in, now
    finally:
        runtime.stop()
        log.info(
            "stopped; %d samples journaled to %s",
            runtime.journal.stats.samples_committed,
            runtime.journal.path,
        )
    return 0


def _window_cannot_start(args: argparse.Namespace) -> bool:
    """Before anything starts: say which system libraries the window lacks (Qt would only abort)."""
    if args.headless:
        return False
    from hmi.ui.system_libs import check_before_window  # no Qt import: it asks the dynamic linker

    message = check_before_window()
    if message:
        print(f"linehmi: {message}", file=sys.stderr)
    return bool(message)


def cmd_run(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if _window_cannot_start(args):
        return 2
    _bound_malloc(config)
    return _run_runtime(config, args, endpoint=args.endpoint)


# --- demo -------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from connectors.sim.server import SimSettings, SimulatedLineServer, load_schedule

    config = _load(args.config or DEMO_CONFIG)
    if _window_cannot_start(args):
        return 2
    _bound_malloc(config)
    port = _free_port(args.port)
    settings = SimSettings(
        port=port,
        seed=args.seed,
        time_factor=args.time_factor,
        faults=load_schedule(args.schedule) if args.schedule else load_schedule(),
    )
    from connectors.loop_thread import LoopThread

    sim_loop = LoopThread("linehmi-sim").start()
    sim = SimulatedLineServer(settings, config)
    try:
        sim_loop.run(sim.start(), timeout=30)
    except Exception as exc:
        print(f"linehmi: the simulated line did not start: {exc}", file=sys.stderr)
        sim_loop.stop()
        return 1
    log.info("simulated line serving %s", sim.endpoint)
    try:
        return _run_runtime(config, args, endpoint=sim.endpoint, demo=True)
    finally:
        try:
            sim_loop.run(sim.stop(), timeout=10)
        finally:
            sim_loop.stop()


# --- sim, browse, check-config -----------------------------------------------------------------


def cmd_sim(argv: list[str]) -> int:
    from connectors.sim.cli import main as sim_main

    return sim_main(argv)


def cmd_browse(args: argparse.Namespace) -> int:
    import asyncio

    from connectors.opcua_browse import browse_tree, one_shot_session, render_tree, toml_skeleton
    from hmi.certs_cli import pki_for

    cfg = _load(args.config) if args.config else None
    endpoint = args.endpoint or (cfg.server.endpoint if cfg else None)
    if not endpoint:
        print("linehmi browse: give --endpoint or --config", file=sys.stderr)
        return 2
    pki = pki_for(cfg, journal_dir=args.journal_dir) if cfg else None

    async def go() -> int:
        try:
            async with one_shot_session(endpoint, cfg, pki) as client:
                ns, nodes = await browse_tree(client, args.root, args.depth, args.limit)
        except Exception as exc:
            print(f"linehmi browse: cannot browse {endpoint}: {exc or type(exc).__name__}", file=sys.stderr)
            return 1
        if args.toml:
            Path(args.toml).write_text(toml_skeleton(endpoint, ns, nodes), encoding="utf-8")
            print(f"wrote {sum(n.node_class == 'Variable' for n in nodes)} variables to {args.toml}")
        else:
            print(render_tree(ns, nodes))
        return 0

    return asyncio.run(go())


def cmd_check_config(args: argparse.Namespace) -> int:
    from hmi.core.alarms.cli import print_alarm_check

    cfg = _load(args.file)
    print(f"{args.file}: OK — line {cfg.line.id!r}, {len(cfg.machines)} machines, {len(cfg.tags)} tags")
    rc = print_alarm_check(cfg, args.file)
    if args.journal:
        rc = max(rc, _print_grants(Path(args.journal)))
    return rc


def _print_grants(path: Path) -> int:
    """Configured vs granted sampling per tag, from the journal's tags table (docs/opcua.md)."""
    import sqlite3

    from hmi.core.journal_text import read_grants
    from hmi.core.readonly_db import connect_readonly

    if not path.is_file():
        print(f"{path}: no such journal file", file=sys.stderr)
        return 2
    try:
        conn = connect_readonly(path)
        try:
            rows = read_grants(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        print(f"{path}: cannot read the tags table: {exc}", file=sys.stderr)
        return 2
    granted = [r for r in rows if r.server_granted_at is not None]
    if not granted:
        print(f"{path}: no server grants recorded (written before LineHMI recorded them, or never connected)")
        return 0
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(max(r.server_granted_at or 0 for r in granted)))
    print(f"\nserver grants at the last subscribe ({when}), from {path}:")
    print(f"  {'tag':<32} {'configured':>10} {'granted':>10} {'queue':>6} {'publishing':>11}")
    slow = []
    for r in rows:
        if r.server_granted_at is None:
            print(
                f"  {r.name:<32} {r.sampling_ms or 0:>7g} ms {'-':>10} {'-':>6} {'-':>11}  (not subscribed)"
            )
            continue
        mark = "  SLOWER than configured" if r.slower() else ""
        if mark:
            slow.append(r.name)
        print(
            f"  {r.name:<32} {r.sampling_ms or 0:>7g} ms {r.server_sampling_ms or 0:>7g} ms"
            f" {r.server_queue_size or 0:>6} {r.server_publishing_ms or 0:>8g} ms{mark}"
        )
    if slow:
        print(
            f"WARNING: the server cannot deliver the configured rate of {len(slow)} tags ({', '.join(slow[:5])}"
            f"{' ...' if len(slow) > 5 else ''}): values between its samples are not seen"
        )
    return 0


# --- main -----------------------------------------------------------------------------------------


def _add_runtime_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--headless", action="store_true", help="no window: connector + journal only (logger service)"
    )
    p.add_argument(
        "--journal-dir", help="where the journal .db files go (default: the config's journal.directory)"
    )
    p.add_argument(
        "--user", help="user to start as (demo: a demo account; otherwise viewer rights until log-in)"
    )
    p.add_argument("--seconds", type=float, help="stop after this many seconds (for scripts and tests)")
    p.add_argument("--screenshot", help="with --seconds: save the window to this PNG just before stopping")
    p.add_argument(
        "--fullscreen", action="store_true", help="full screen (F11 toggles; [display] kiosk keeps it so)"
    )
    p.add_argument(
        "--touch",
        choices=("auto", "on", "off"),
        help="touch profile: big targets, drag to scroll, number pads (default: the config's [display] touch)",
    )
    p.add_argument("-v", "--verbose", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linehmi", description="LineHMI: HMI for production-line supervisors"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="simulated line on loopback OPC UA + the HMI connected to it")
    p.add_argument("--config", help="line config (default: the demo line)")
    p.add_argument(
        "--port", type=int, default=48400, help="preferred port for the simulator (a free one otherwise)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--time-factor", type=float, default=1.0, help="simulated seconds per real second")
    p.add_argument("--schedule", help="fault schedule TOML (default: resources/demo_sim.toml)")
    _add_runtime_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="connect to an OPC UA server described by a line config")
    p.add_argument("--config", required=True)
    p.add_argument("--endpoint", help="override server.endpoint from the config")
    _add_runtime_options(p)
    p.set_defaults(func=cmd_run)

    sub.add_parser("sim", help="run the simulated line server (see `linehmi sim --help`)", add_help=False)
    sub.add_parser(
        "shift-replay",
        help="replay the demo shift through the alarm engine and print its KPI report (`--help`)",
        add_help=False,
    )
    sub.add_parser(
        "write",
        help="write one tag value, role-checked and journaled (`linehmi write --help`)",
        add_help=False,
    )
    sub.add_parser(
        "journal",
        help="journal file tools: `journal copy SRC DST`, a consistent copy while LineHMI writes",
        add_help=False,
    )
    sub.add_parser(
        "certs",
        help="the OPC UA PKI folder: list, trust, reject (see `linehmi certs --help`)",
        add_help=False,
    )
    sub.add_parser("alarms", help="alarm KPI report and checks (see `linehmi alarms --help`)", add_help=False)
    sub.add_parser(
        "review", help="open journal files for review after the shift (no PLC, no config)", add_help=False
    )
    sub.add_parser(
        "export",
        help="raw samples of journal files as CSV, text tags and compacted files included (`linehmi export --help`)",
        add_help=False,
    )
    sub.add_parser(
        "report", help="shift report of a journal as PDF/Markdown (`linehmi report --help`)", add_help=False
    )
    sub.add_parser(
        "plant",
        help="PostgreSQL plant historian: init, status, forward (see `linehmi plant --help`)",
        add_help=False,
    )
    sub.add_parser("users", help="manage users and roles (see `linehmi users --help`)", add_help=False)
    sub.add_parser(
        "production",
        help="a shift's OEE, stops and reasons from a journal (`linehmi production --help`)",
        add_help=False,
    )
    sub.add_parser(
        "models", help="train, list and check the ONNX models (see `linehmi models --help`)", add_help=False
    )
    sub.add_parser(
        "ask",
        help='ask the assistant about a shift\'s journal, offline (`linehmi ask "QUESTION" --db FILE`)',
        add_help=False,
    )

    p = sub.add_parser("browse", help="print a server's address space as a tree, or a config skeleton")
    p.add_argument("--endpoint", help="server to browse (default: the config's)")
    p.add_argument("--config", help="line config: browse with its security settings and PKI")
    p.add_argument("--journal-dir", help="as given to `linehmi run` (where the default PKI folder is)")
    p.add_argument("--root", help="node id of the subtree to start from (default: Objects)")
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--limit", type=int, default=5000, help="stop after this many nodes")
    p.add_argument("--toml", help="write a [[tags]] skeleton with nsu= node ids to this file")
    p.set_defaults(func=cmd_browse)

    p = sub.add_parser("check-config", help="validate a line config")
    p.add_argument("file")
    p.add_argument(
        "--journal",
        help="a journal file of this line: also show what the server granted per tag (sampling, queue,"
        " publishing) against the configured rate",
    )
    p.set_defaults(func=cmd_check_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sim":
        return cmd_sim(argv[1:])
    if argv and argv[0] == "write":
        from hmi.write_cli import write_cli_main

        return write_cli_main(argv[1:])
    if argv and argv[0] == "journal":
        from hmi.journal_cli import journal_cli_main

        return journal_cli_main(argv[1:])
    if argv and argv[0] == "export":
        from hmi.export_cli import export_cli_main

        return export_cli_main(argv[1:])
    if argv and argv[0] == "certs":
        from hmi.certs_cli import certs_cli_main

        return certs_cli_main(argv[1:])
    if argv and argv[0] == "alarms":
        from hmi.core.alarms.cli import alarms_cli_main

        return alarms_cli_main(argv[1:])
    if argv and argv[0] == "shift-replay":
        from connectors.sim.shift_replay import main as shift_replay_main

        return shift_replay_main(argv[1:])
    if argv and argv[0] == "ask":
        from inference.assistant.ask_cli import ask_cli_main

        return ask_cli_main(argv[1:])
    if argv and argv[0] == "models":
        from inference.models_cli import models_cli_main

        return models_cli_main(argv[1:])
    if argv and argv[0] == "production":
        from hmi.core.production.cli import production_cli_main

        return production_cli_main(argv[1:])
    if argv and argv[0] == "users":
        from hmi.core.users import users_cli_main

        return users_cli_main(argv[1:])
    if argv and argv[0] in ("review", "report"):
        from hmi.review_cli import report_main, review_main

        return (review_main if argv[0] == "review" else report_main)(argv[1:])
    if argv and argv[0] == "plant":
        from connectors.plant.cli import plant_cli_main

        return plant_cli_main(argv[1:])
    args = build_parser().parse_args(argv)
    _setup_logging(getattr(args, "verbose", False))
    if getattr(args, "screenshot", None) and not getattr(args, "seconds", None):
        print("linehmi: --screenshot needs --seconds", file=sys.stderr)
        return 2
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
