"""`linehmi sim` / `python -m connectors.sim`: run the simulated line server alone.

    linehmi sim                                   demo line + the demo fault schedule, port 48400
    linehmi sim --no-faults --time-factor 60      a healthy line, one real second = one minute
    linehmi sim --fault filler:bearing_wear@30s/10m --fault capper:jam@1m/2m
    linehmi sim --port 0 --extra-tags 10000 --extra-rate 1 --extra-group 500:10 \\
                --write-bulk-config /tmp/bulk.toml     benchmark tags + a client config for them
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time

from connectors.sim.bulk import write_bulk_config
from connectors.sim.faults import (
    DEMO_SCHEDULE,
    SYNTAX,
    FaultSpec,
    FaultSpecError,
    load_schedule,
    parse_fault_spec,
)

log = logging.getLogger("connectors.sim")

FAULT_HELP = f"""\
fault spec: {SYNTAX}
  MACHINE   filler, capper, labeller, conveyor
  KIND      bearing_wear    DURATION = running time until the bearing fails (FaultCode 3)
            overheat        DURATION = time for the temperature to reach the trip (FaultCode 2);
                            TARGET bearing (default) or glue (labeller)
            jam             DURATION = how long until the jam is cleared (FaultCode 1)
            sensor_dropout  DURATION = how long TARGET (a signal, e.g. vibration) reads BadSensorFailure
            motor_trip      DURATION = how long until the motor protection is reset (FaultCode 5)
  START     wall-clock time after the server starts (default 0s)
  DURATION  simulated time (scaled by --time-factor); e.g. 30s, 10m, 2m30s, 1.5h
  repair=   bearing_wear/overheat: simulated time from the trip until maintenance has fixed it
            (defaults 30m / 10m; 'never' keeps the machine down)
"""


def _group(text: str) -> tuple[int, float]:
    count, sep, rate = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(count), float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected COUNT:RATE_HZ such as 500:10, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="linehmi sim",
        description="Simulated bottle-packaging line (filler, capper, labeller, conveyor) over OPC UA.",
        epilog=FAULT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=48400, help="TCP port; 0 picks a free one (default 48400)")
    p.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same line")
    p.add_argument(
        "--time-factor", type=float, default=1.0, help="simulated seconds per real second (default 1)"
    )
    p.add_argument("--tick-hz", type=float, default=10.0, help="model steps and value updates per second")
    p.add_argument("--config", help="line config whose tags are served (default: resources/demo_line.toml)")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC", help="inject a fault (repeatable)")
    p.add_argument("--schedule", help=f"fault schedule TOML (default when no --fault: {DEMO_SCHEDULE.name})")
    p.add_argument("--no-faults", action="store_true", help="no scheduled faults (random jams still happen)")
    p.add_argument("--no-random-jams", action="store_true", help="no random jams (only scheduled faults)")
    p.add_argument(
        "--bulk-sequence", action="store_true", help="bulk values count 1, 2, 3... per tag (loss measurement)"
    )
    p.add_argument("--extra-tags", type=int, default=0, help="bulk benchmark tags Bulk.T00001... (Double)")
    p.add_argument(
        "--extra-rate", type=float, default=1.0, help="update rate of the bulk tags, Hz (default 1)"
    )
    p.add_argument(
        "--extra-group",
        type=_group,
        action="append",
        default=[],
        metavar="COUNT:HZ",
        help="another group of bulk tags at its own rate (repeatable), e.g. 500:10",
    )
    p.add_argument(
        "--camera-hz", type=float, default=1.0, help="inspection camera frames per second (0 = off)"
    )
    p.add_argument(
        "--camera-defect-rate",
        type=float,
        default=0.05,
        help="base share of defective bottles, 0..1 (default 0.05)",
    )
    p.add_argument("--write-bulk-config", metavar="PATH", help="write a line config TOML for the bulk tags")
    p.add_argument("--no-history", action="store_true", help="no OPC UA HistoryRead for the line tags")
    p.add_argument("--history-retention", type=float, default=3600.0, metavar="SECONDS")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this many seconds")
    p.add_argument("--status-every", type=float, default=5.0, metavar="SECONDS", help="status line period")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def _faults(args: argparse.Namespace) -> list[FaultSpec]:
    faults: list[FaultSpec] = []
    if args.no_faults:
        if args.fault or args.schedule:
            raise FaultSpecError("--no-faults cannot be combined with --fault or --schedule")
        return faults
    if args.schedule:
        faults += load_schedule(args.schedule)
    faults += [parse_fault_spec(s) for s in args.fault]
    if not args.schedule and not args.fault:
        faults = load_schedule(DEMO_SCHEDULE)
    return faults


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO,
            format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
            datefmt="%H:%M:%S",
        )
    from connectors.sim.server import SimSettings, SimulatedLineServer, quiet_asyncua_loggers
    from hmi.core.config import ConfigError, load_config

    try:
        faults = _faults(args)
    except FaultSpecError as exc:
        print(f"linehmi sim: error: {exc}", file=sys.stderr)
        print(f"  expected {SYNTAX}  (see linehmi sim --help)", file=sys.stderr)
        return 2
    config = None
    if args.config:
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            print(f"linehmi sim: bad line config {exc}", file=sys.stderr)
            return 2
    settings = SimSettings(
        host=args.host,
        port=args.port,
        seed=args.seed,
        time_factor=args.time_factor,
        tick_hz=args.tick_hz,
        faults=faults,
        extra_tags=args.extra_tags,
        extra_rate_hz=args.extra_rate,
        history=not args.no_history,
        extra_groups=list(args.extra_group),
        history_retention_s=args.history_retention,
        random_jams=not args.no_random_jams,
        bulk_sequence=args.bulk_sequence,
        camera_hz=args.camera_hz,
        camera_defect_rate=args.camera_defect_rate,
    )
    try:
        settings.validate()
    except ValueError as exc:
        print(f"linehmi sim: error: {exc}", file=sys.stderr)
        return 2
    quiet_asyncua_loggers()

    async def run() -> int:
        server = SimulatedLineServer(settings, config)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # Handlers first: a signal during start-up must also end in a clean stop.
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        try:
            try:
                await server.start()
            except OSError as exc:
                print(
                    f"linehmi sim: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
                    file=sys.stderr,
                )
                return 1
            for f in faults:
                log.info("fault scheduled: %s", f)
            if args.write_bulk_config:
                path = write_bulk_config(
                    args.write_bulk_config,
                    server.endpoint,
                    args.extra_tags,
                    args.extra_rate,
                    args.extra_group,
                )
                log.info("bulk tag config written to %s", path)
            t_end = time.monotonic() + args.duration if args.duration else None
            last_n, last_t = server.updates, time.monotonic()
            while not stop.is_set():
                timeout = args.status_every
                if t_end is not None:
                    timeout = min(timeout, max(t_end - time.monotonic(), 0.0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout)
                now = time.monotonic()
                if now - last_t >= args.status_every * 0.99 or stop.is_set() or (t_end and now >= t_end):
                    rate = (server.updates - last_n) / max(now - last_t, 1e-9)
                    log.info("%s | %.0f updates/s", server.status_line(), rate)
                    last_n, last_t = server.updates, now
                if t_end is not None and now >= t_end:
                    break
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
            await server.stop()
        return 0

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:  # a second Ctrl-C while stopping, or no signal handlers on this platform
        return 130
