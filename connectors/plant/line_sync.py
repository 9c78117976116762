"""One operator state per line, shared through the plant database (PostgreSQL LISTEN/NOTIFY).

Every alarm command and stop edit of the station goes through `LineStateSync`, on its own worker
thread (never the GUI or OPC UA loop):

- made here while the database is reachable: under the line's advisory lock, the station first applies
  what the other stations did (so it acts on the line's current state), then applies its own action
  through the same command path as ever (`AlarmEngine.execute`, `ProductionTracker.edit`: role check,
  audit row, state change), then inserts it into `line_actions`; the commit sends a NOTIFY. The lock
  makes the database order the order every station applies actions in, so two stations acknowledging at
  once get one outcome: the first acknowledges, the second records "already acknowledged by X at T";
- made here while the database is unreachable: applied at once all the same, kept in a local outbox
  (connectors/plant/outbox.py), and the status says "plant link offline - actions kept locally (N)";
- another station's action (woken by NOTIFY, or read after a reconnect, since notifications are not
  replayed): applied by the rules of hmi.core.line_state through the same command path, audited with
  the station and user that made it, and never inserted again (no echo);
- back online: the outbox is merged oldest first (flagged offline) under the lock, then everything the
  station missed is applied in database order; an own offline action that another station's action on
  the same alarm or stop now precedes is applied again after it, so every station ends in the state
  the database order gives.

A listener thread holds a second connection that only LISTENs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from connectors.plant.forwarder import ForwarderSettings
from connectors.plant.outbox import LineOutbox
from connectors.plant.schema import migrate
from hmi.core.alarms.commands import AlarmCommand, AlarmRequest
from hmi.core.alarms.model import AlarmRecord
from hmi.core.audit import Auditor, Origin
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.line_state import DEFAULT_SETTLE_S, LineAction, Note, StopAction, plan_alarm_action
from hmi.core.runtime_api import LineLinkStatus
from hmi.core.users import Action, PermissionDenied, User, allowed

log = logging.getLogger(__name__)

CHANNEL = "linehmi_line_actions"


class AlarmTarget(Protocol):
    """The alarm engine as the sync uses it (hmi.core.alarms.engine.AlarmEngine)."""

    def record(self, alarm_id: str) -> AlarmRecord:
        """Raises KeyError (UnknownAlarm) for an alarm this station does not have."""
        ...

    def execute(self, request: AlarmRequest, user: User | None) -> list[AlarmRecord]: ...


class StopTarget(Protocol):
    """Production's stop edits (hmi.core.production.tracker.ProductionTracker)."""

    def edit(
        self,
        user: User | None,
        action: str,
        machine: str,
        stop_start: float,
        *,
        origin: Origin | None = None,
        **kw: Any,
    ) -> object: ...


class _Offline(Exception):
    """The database could not be used for this step (the cause is chained)."""


@dataclass
class _Local:
    action: LineAction
    user: User | None
    future: concurrent.futures.Future[Any]


_PULL = "pull"
_LINK_LOST = "link lost"
_STOP = "stop"


def lock_key(line_id: str) -> int:
    """The advisory-lock key of a line (a stable 32-bit hash of its id)."""
    return zlib.crc32(f"linehmi-line:{line_id}".encode())


class LineStateSync:
    def __init__(
        self,
        settings: ForwarderSettings,
        alarms: AlarmTarget,
        auditor: Auditor,
        *,
        production: StopTarget | None = None,
        on_event: Callable[[JournalEvent], Any] | None = None,
        state_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        settle_s: float = DEFAULT_SETTLE_S,
        retry_s: float = 2.0,
        first_read_horizon_s: float = 7 * 86400.0,
    ) -> None:
        self.settings = settings
        self._alarms = alarms
        self._production = production
        self._auditor = auditor
        self._on_event = on_event
        self._clock = clock
        self.settle_s = settle_s
        self.retry_s = retry_s
        self.first_read_horizon_s = first_read_horizon_s
        name = f"{settings.line_id}_{settings.station_id}.plant_link.sqlite3"
        self.outbox = LineOutbox(Path(state_dir) / name if state_dir is not None else None)
        self._jobs: queue.Queue[_Local | str] = queue.Queue()
        self._conn: Any = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._status = LineLinkStatus(online=None, pending=self.outbox.count())
        self._down_since: float | None = None
        self._next_try = 0.0
        self._waiting: list[LineAction] = []  # acknowledgements of alarms not active here yet
        self._reassert: dict[int, LineAction] = {}  # own merged offline actions, by seq (merge only)
        self.applied_remote = 0

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> LineStateSync:
        for target, name in ((self._work, "worker"), (self._listen, "listener")):
            t = threading.Thread(target=target, name=f"linehmi-line-state-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._jobs.put(_STOP)
        for t in self._threads:
            t.join(timeout)
        self._threads = []
        self._close_worker_conn()
        self.outbox.close()

    def status(self) -> LineLinkStatus:
        with self._lock:
            return self._status

    # --- what the runtime sends (any thread; answered on the worker) ------------------------------
    def submit_alarm(
        self, request: AlarmRequest, user: User | None
    ) -> concurrent.futures.Future[list[AlarmRecord]]:
        action = LineAction.made(self.settings.station_id, user, alarm=request, now=self._clock())
        return self._submit(action, user)

    def submit_stop(
        self, user: User | None, action: str, machine: str, stop_start: float, **kw: Any
    ) -> concurrent.futures.Future[object]:
        stop = StopAction(action, machine, float(stop_start), dict(kw))
        return self._submit(
            LineAction.made(self.settings.station_id, user, stop=stop, now=self._clock()), user
        )

    def _submit(self, action: LineAction, user: User | None) -> concurrent.futures.Future[Any]:
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if self._stop.is_set():
            fut.set_exception(RuntimeError("the station is stopping"))
        else:
            self._jobs.put(_Local(action, user, fut))
        return fut

    # --- the worker thread -----------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                jobs = [self._jobs.get(timeout=0.25 if self._waiting else 1.0)]
            except queue.Empty:
                jobs = []
            while True:  # whatever else waits goes with it: the clicks of a burst share one transaction
                try:
                    jobs.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            local = [j for j in jobs if isinstance(j, _Local)]
            if _LINK_LOST in jobs:
                self._went_offline(_Offline("the connection to the plant database was lost"))
            if self._conn is None and (_PULL in jobs or self._clock() >= self._next_try):
                try:
                    self._connect_and_merge()
                except _Offline as exc:
                    self._went_offline(exc)
                except Exception:
                    log.exception("line state: unexpected error while merging")
            try:
                if local:
                    self._local(local)
                elif _PULL in jobs and self._conn is not None:
                    self._locked(lambda conn: None)
                if self._waiting:
                    self._retry_waiting()
            except _Offline as exc:
                self._went_offline(exc)
            except Exception:  # a bug must not end the line's shared state: log it, keep serving
                log.exception("line state: unexpected error")
            if _STOP in jobs:
                break

    def _db(self) -> Any:
        if self._conn is None:
            raise _Offline("the plant database is not connected")
        return self._conn

    def _locked(self, body: Callable[[Any], Any]) -> Any:
        """Under the line's lock: apply what the others did since last time, then `body(conn)`."""
        import psycopg

        conn = self._db()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(self.settings.line_id),))
                self._pull(conn)
                return body(conn)
        except psycopg.Error as exc:
            raise _Offline(str(exc)) from exc

    def _local(self, jobs: list[_Local]) -> None:
        """Actions made here: applied at once, shared under the line's lock (or kept, offline)."""
        shared: list[_Local] = []
        for job in jobs:
            if allowed(job.user, self._permission(job.action)):
                shared.append(job)
                continue
            try:  # refused by the command path, which audits the refusal: nothing to share
                job.future.set_result(self._refused(job.action, job.user))
            except Exception as exc:
                job.future.set_exception(exc)
        results: dict[int, Any] = {}
        failed: dict[int, BaseException] = {}

        def body(conn: Any) -> None:
            last = None
            for k, job in enumerate(shared):
                try:
                    results[k] = self._apply(job.action, job.user, here=True)
                except Exception as exc:  # refused by the command path (audited there): not shared
                    failed[k] = exc
                    continue
                last = self._insert(conn, job.action)
            if last is not None:
                self._set_last(last)

        try:
            if shared:
                self._locked(body)
        except _Offline as exc:
            self._went_offline(exc)
            for k, job in enumerate(shared):
                if k in failed:
                    continue
                if k not in results:
                    try:
                        results[k] = self._apply(job.action, job.user, here=True)
                    except Exception as err:
                        failed[k] = err
                        continue
                self._keep(job.action)
        for k, job in enumerate(shared):
            if k in failed:
                job.future.set_exception(failed[k])
            else:
                job.future.set_result(results[k])

    def _keep(self, action: LineAction) -> None:
        """Applied here while the database is unreachable: kept for the merge, and said so."""
        self.outbox.add(action)
        self._set_status(pending=self.outbox.count())
        self._emit(
            f"{action.user or 'nobody'}: {action.describe()} kept on this station while the plant "
            "link is offline; merged into the line's state when it is back",
            Severity.WARNING,
            {"plant_link": "kept", "action_id": action.action_id},
        )

    def _refused(self, a: LineAction, user: User | None) -> Any:
        if a.alarm is not None:
            return self._alarms.execute(a.alarm, user)
        assert a.stop is not None
        if self._production is None:
            raise ValueError("this line has no [production] table in its config")
        return self._production.edit(user, a.stop.action, a.stop.machine, a.stop.stop_start, **a.stop.kw)

    def _insert(self, conn: Any, a: LineAction, offline: bool = False) -> int:
        # On a repeated merge the row is already there: the no-op update returns its seq all the same.
        row = conn.execute(
            'INSERT INTO line_actions (line_id, station_id, action_id, made_at, "user", role, kind, payload,'
            " offline) VALUES (%s, %s, %s, to_timestamp(%s), %s, %s, %s, %s::jsonb, %s)"
            " ON CONFLICT (station_id, action_id) DO UPDATE SET offline = line_actions.offline RETURNING seq",
            (
                self.settings.line_id,
                a.station,
                a.action_id,
                a.made_at,
                a.user,
                int(a.role),
                a.kind.value,
                json.dumps(a.payload()),
                offline,
            ),
        ).fetchone()
        return int(row[0])

    # --- applying actions --------------------------------------------------------------------------
    @staticmethod
    def _permission(a: LineAction) -> Action:
        if a.alarm is not None:
            return a.alarm.command.action
        assert a.stop is not None
        return Action(a.stop.action)  # a stop edit's action is its permission (production.stops)

    def _apply(self, a: LineAction, user: User | None, *, here: bool, quiet: bool = False) -> Any:
        """Apply an action through the command path. `here`: made on this station now (exceptions go to
        the operator); otherwise refusals become audited notes. `quiet`: no notes (first read-back)."""
        if a.alarm is not None:
            records = {}
            for aid in a.alarm.ids:
                try:
                    records[aid] = self._alarms.record(aid)
                except KeyError:
                    pass  # an alarm this station lacks: the plan says so
            plan = plan_alarm_action(a, records, self._clock(), settle_s=self.settle_s, here=here)
            if plan.waiting:
                self._waiting.append(
                    LineAction(a.action_id, a.station, a.made_at, a.user, a.role,
                               AlarmRequest(a.alarm.command, plan.waiting, a.alarm.text, origin=a.origin),
                               None, a.seq, a.offline)
                )  # fmt: skip
            if not quiet:
                self._notes(a, user, plan.notes, here)
            if plan.request is None:
                return []
            try:
                return self._alarms.execute(plan.request, user)
            except (ValueError, KeyError, PermissionDenied) as exc:
                if here:  # the operator's own action: the refusal is theirs to read
                    raise
                if not quiet:
                    self._notes(
                        a, user, [Note(i, a.alarm.command.action, str(exc)) for i in plan.request.ids], here
                    )
                return []
        assert a.stop is not None
        if self._production is None:
            if here:
                raise ValueError("this line has no [production] table in its config")
            if not quiet:
                self._notes(
                    a, user, [Note(f"{a.stop.machine} stop", self._permission(a), "no production here")], here
                )
            return None
        s = a.stop
        try:
            origin = None if here else a.origin
            return self._production.edit(user, s.action, s.machine, s.stop_start, origin=origin, **s.kw)
        except (ValueError, KeyError, PermissionDenied) as exc:
            if here:
                raise
            if not quiet:
                self._notes(a, user, [Note(f"{s.machine} stop", self._permission(a), str(exc))], here)
            return None

    def _notes(self, a: LineAction, user: User | None, notes: Sequence[Note], here: bool) -> None:
        where = (
            ""
            if here
            else f" (made on {a.station} at {time.strftime('%H:%M:%S', time.localtime(a.made_at))})"
        )
        for n in notes:
            self._auditor.record(
                user,
                n.action,
                target=n.target,
                result="not applied",
                detail=f"{n.why}{where}",
                data={**a.origin.audit_data(), "action_id": a.action_id},
            )

    def _pull(self, conn: Any) -> None:
        """Apply, in database order, what the other stations did since the last action applied here."""
        last = self.outbox.last_seq
        first_read = last is None
        # A station that never read the line's state takes the actions of the last days (shelves, out of
        # service, limits still in force), quietly: old acknowledgements of cleared alarms are no news.
        since = self._clock() - self.first_read_horizon_s if first_read else 0.0
        rows = conn.execute(
            'SELECT seq, station_id, action_id, extract(epoch FROM made_at)::float8, "user", role, kind,'
            " payload, offline FROM line_actions WHERE line_id = %s AND seq > %s AND made_at >= to_timestamp(%s)"
            " ORDER BY seq",
            (self.settings.line_id, last or 0, since),
        ).fetchall()
        touched: set[str] = set()
        done = None
        try:
            for seq, station, action_id, made_at, user, role, kind, payload, offline in rows:
                done = int(seq)
                try:
                    a = LineAction.from_payload(
                        kind, payload, action_id=action_id, station=station, made_at=float(made_at),
                        user=user, role=role, seq=int(seq), offline=bool(offline),
                    )  # fmt: skip
                except (ValueError, KeyError, TypeError) as exc:
                    log.warning(
                        "line state: action %s from %s not understood (%s); skipped", seq, station, exc
                    )
                    continue
                if station == self.settings.station_id:
                    # Applied here when it was made: never again (no echo), unless it was made offline
                    # and another station's action on the same alarm or stop now comes before it.
                    # (An acknowledgement never needs it: it cannot be undone by another action.)
                    own = self._reassert.get(int(seq))
                    if own is not None and a.targets() & touched and not _is_ack(a):
                        self._apply(a, a.as_user(), here=False)
                else:
                    self._apply(a, a.as_user(), here=False, quiet=first_read)
                    if not _is_ack(a):  # an acknowledgement undoes nothing an own action did
                        touched |= a.targets()
                    self.applied_remote += 1
        finally:
            if done is not None:  # one write for the whole pull (a burst is hundreds of rows)
                self._set_last(done)
        if first_read:  # older actions than the horizon are behind this station now
            top = conn.execute(
                "SELECT coalesce(max(seq), 0) FROM line_actions WHERE line_id = %s", (self.settings.line_id,)
            ).fetchone()[0]
            self._set_last(int(top))

    def _retry_waiting(self) -> None:
        # Within the settle time the plan puts what is still not active here back in the list; after
        # it, the plan records it as not active here.
        waiting, self._waiting = self._waiting, []
        for a in waiting:
            self._apply(a, a.as_user(), here=False)

    def _set_last(self, seq: int) -> None:
        self.outbox.set_last_seq(seq)

    # --- connection, outage and merge -----------------------------------------------------------------
    def _open(self) -> Any:
        import psycopg

        # TCP keepalives: a pulled cable is noticed in about 10 s even while nothing is sent.
        return psycopg.connect(
            self.settings.url,
            password=self.settings.password,
            autocommit=True,
            connect_timeout=5,
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=2,
        )

    def _connect_and_merge(self) -> None:
        import psycopg

        self._next_try = self._clock() + self.retry_s
        try:
            conn = self._open()
            migrate(conn)
        except (psycopg.Error, OSError) as exc:
            raise _Offline(str(exc)) from exc
        self._conn = conn
        pending = self.outbox.pending()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(self.settings.line_id),))
                self._reassert = {self._insert(conn, a, offline=True): a for a in pending}
                self._pull(conn)
        except psycopg.Error as exc:
            raise _Offline(str(exc)) from exc
        finally:
            self._reassert = {}
        self.outbox.remove([a.action_id for a in pending])
        was_down = self._down_since
        self._down_since = None
        if was_down is not None:
            if pending:
                oldest = time.strftime("%H:%M:%S", time.localtime(pending[0].made_at))
                merged = f"{len(pending)} actions made here meanwhile merged, oldest first (from {oldest})"
            else:
                merged = "no actions made here meanwhile"
            self._emit(
                f"Plant link back after {self._clock() - was_down:.0f} s: {merged}; the line's state re-read",
                Severity.INFO,
                {
                    "plant_link": "online",
                    "merged": len(pending),
                    "outage_s": round(self._clock() - was_down, 1),
                },
            )
        # After the event, as going offline does: whoever sees the link back finds it journaled.
        self._set_status(online=True, pending=self.outbox.count(), problem="")

    def _went_offline(self, exc: BaseException) -> None:
        self._close_worker_conn()
        problem = _short(exc)
        first = self._down_since is None
        if first:
            self._down_since = self._clock()
            log.warning("plant link offline: %s", problem)
            self._emit(
                f"Plant link offline ({problem}): alarm and stop actions made here are kept on this "
                "station and merged into the line's state when the link is back",
                Severity.WARNING,
                {"plant_link": "offline", "problem": problem},
            )
        # After the event: whoever sees the link offline finds the journal saying so (a reader of the
        # status between the two found no event: test_plant_line_state under load).
        self._set_status(online=False, pending=self.outbox.count(), problem=problem)

    def _set_status(self, **kw: Any) -> None:
        from dataclasses import replace

        with self._lock:
            self._status = replace(self._status, **kw)

    def _emit(self, message: str, severity: Severity, data: dict[str, Any]) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(
                JournalEvent(EventKind.SYSTEM, message, source="plant_link", severity=severity, data=data)
            )
        except Exception as exc:
            log.warning("line state: could not journal %r: %s", message, exc)

    def _close_worker_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to say
                conn.close()

    # --- the listener thread ------------------------------------------------------------------
    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                conn = self._open()
            except (psycopg.Error, OSError):
                self._stop.wait(self.retry_s)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                self._jobs.put(_PULL)  # re-read after every (re)connect: notifications are not replayed
                while not self._stop.is_set():
                    for n in conn.notifies(timeout=1.0):
                        if n.payload == self.settings.line_id:
                            self._jobs.put(_PULL)
            except (psycopg.Error, OSError):
                if not self._stop.is_set():
                    self._jobs.put(_LINK_LOST)
            finally:
                with contextlib.suppress(Exception):
                    conn.close()
            self._stop.wait(self.retry_s)


def _is_ack(a: LineAction) -> bool:
    return a.alarm is not None and a.alarm.command is AlarmCommand.ACKNOWLEDGE


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
