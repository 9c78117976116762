"""The ISA-18.2 alarm engine: sample batches in, alarm state transitions out.

Threading: the engine is meant to be driven from one thread (``process`` per
batch, ``tick`` a few times a second). Public methods take an internal lock,
so an operator action arriving from another thread is safe too; listeners are
called after the lock is released and get immutable ``AlarmRecord``s, so a UI
can push them onto a queue without copying.

Time: the engine's clock is the client's (``received_ts`` of the samples,
``clock()`` for actions and ticks), so on/off delays, shelve expiry and the
time to acknowledge never mix PLC and PC clocks. The PLC's source timestamp
travels in the journal data as ``value_ts``.

Evaluation (evaluation.py) is vectorised and hands the engine only the alarms
whose condition changed; the engine is the ISA-18.2 state machine on top:
delays, latching, shelving, suppression, out of service, first-out, the
journal, operator actions and listeners.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hmi.core.alarms.commands import AlarmCommand, AlarmRequest
from hmi.core.alarms.evaluation import Evaluator
from hmi.core.alarms.event_codec import (
    AlarmCondition,
    AlarmSnapshot,
    checkpoint_data,
    latest_snapshots,
    transition_data,
)
from hmi.core.alarms.event_codec import TransitionCause as TC
from hmi.core.alarms.limits import limit_problem
from hmi.core.alarms.model import (
    LEVEL_LABELS,
    AlarmDefinition,
    AlarmJournal,
    AlarmKind,
    AlarmRecord,
    AlarmState,
    AlarmSummary,
    Condition,
    Priority,
)
from hmi.core.alarms.shelving import ReentryThrottle
from hmi.core.audit import Auditor, Origin
from hmi.core.config import LineConfig
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.samples import SampleBatch
from hmi.core.signals import Signal
from hmi.core.users import Action, User

log = logging.getLogger(__name__)


DEFAULT_RESTORE_HORIZON_S = 7 * 86400.0


class UnknownAlarm(KeyError):
    def __str__(self) -> str:
        return f"no alarm with id {self.args[0]!r}"


class _CommandOrigin(threading.local):
    """Per thread: the origin of the command `execute` is running there (None: made here, now)."""

    origin: Origin | None = None


@dataclass(slots=True)
class _Rt(AlarmCondition):
    """Run-time state of one alarm (engine thread only): the condition every transition journals
    (`AlarmCondition`, one list of fields with `AlarmSnapshot`) plus the engine's own timers."""

    comment: str = ""
    pending_on: float | None = None
    # The value that will trigger it: the furthest past the limit while the on-delay runs. The
    # sample that ends the delay may sit inside the deadband, below the limit: quoting it read
    # "Filler vibration Hi: 4.47 mm/s (limit 4.50 mm/s)" (qa7 G22).
    pending_value: float | None = None
    pending_off: float | None = None
    reentry: bool = False  # back from shelved/suppressed/out of service: activation is rate-limited
    state: AlarmState = AlarmState.NORMAL
    changed_at: float = 0.0
    # The suppression timer (see `_set_suppressed`): since when its conditions say otherwise than
    # `suppressed` (they hold and it is not suppressed yet: on-delay; none holds and it still is:
    # release hold).
    suppress_change_since: float | None = None
    # Suppressed because the higher level of its tag stands (a Hi under its HiHi, a Lo under its
    # LoLo): one situation, one annunciated alarm (`AlarmEngine._follow_higher_level`).
    superseded: bool = False


def _masked_by_design(rt: _Rt) -> bool:
    """Suppression by design hides an alarm only once it is acknowledged: an alarm waiting for
    its acknowledgement keeps its process state on the operator's list while its suppression
    condition holds (ISA-18.2: suppression never erases the acknowledgement requirement).

    A Hi superseded by its own HiHi is hidden at once: the HiHi annunciated is the same
    situation, and the Hi keeps its acknowledgement requirement for when it comes back."""
    return rt.suppressed and (rt.acked or rt.superseded)


# The levels that take over the annunciation of the lower level of the same tag while they stand.
_HIGHER_LEVEL = {"hi": "hihi", "lo": "lolo"}


def higher_level_reason(higher: AlarmDefinition, *, stands: bool = True) -> str:
    """The reason a Hi (Lo) is suppressed while the HiHi (LoLo) of its tag stands (or, with
    stands=False, comes back)."""
    level = LEVEL_LABELS.get(higher.level, higher.name)
    return f"{level} of the same tag {'stands' if stands else 'no longer stands'}"


def _state_of(rt: _Rt) -> AlarmState:
    if rt.out_of_service:
        return AlarmState.OUT_OF_SERVICE
    if rt.shelved_until is not None:
        return AlarmState.SHELVED
    if _masked_by_design(rt):
        return AlarmState.SUPPRESSED
    if rt.active:
        return AlarmState.ACKED if rt.acked else AlarmState.UNACKED
    if rt.latched:
        return AlarmState.LATCHED
    if not rt.acked:
        return AlarmState.RTN_UNACKED
    return AlarmState.NORMAL


class AlarmEngine:
    """ISA-18.2 alarm states for a line's alarm definitions.

    Parameters (besides config, definitions, journal, clock):

    - ``first_out_lookback_s`` (default: the config's ``[alarm_settings]``, 60 s): when a
      trip alarm (``trip = true``) of a machine activates, the first alarm of that machine
      that activated within this time before it is its first-out (``first_out=True``); the
      trip alarm and the others of that stretch name it in ``first_out_of``, and the trip
      alarm's message says which it was. Alarms of the machine activating within the same
      time after the trip follow it too. A trip with nothing before it is its own first-out.
    - ``reentry_burst`` / ``reentry_rate_per_s``: alarms coming back from
      shelved, suppressed or out of service that are still in alarm are
      re-annunciated through a token bucket (most important first), so a batch
      of shelves expiring together cannot flood the operator (see shelving.py).
    - ``max_shelve_s``: the longest shelve a supervisor may set.
    """

    def __init__(
        self,
        config: LineConfig,
        definitions: Sequence[AlarmDefinition],
        journal: AlarmJournal,
        clock: Callable[[], float] = time.time,
        *,
        first_out_lookback_s: float | None = None,
        reentry_burst: int = 3,
        reentry_rate_per_s: float = 0.5,
        max_shelve_s: float = 12 * 3600.0,
    ) -> None:
        self.config = config
        self._journal = journal
        self._clock = clock
        self._auditor = Auditor(journal, clock)
        self.first_out_lookback_s = float(
            config.alarm_settings.first_out_lookback_s
            if first_out_lookback_s is None
            else first_out_lookback_s
        )
        self.max_shelve_s = float(max_shelve_s)
        self.alarms_changed = Signal()  # emits list[AlarmRecord] after every change
        self.journal_errors = 0
        self._lock = threading.RLock()

        tag_index = config.tag_index()
        self._defs: list[AlarmDefinition] = list(definitions)
        self._tag_machine = {t.name: t.machine for t in config.tags}
        self._ids: dict[str, int] = {}
        for i, d in enumerate(self._defs):
            if d.id in self._ids:
                raise ValueError(f"alarm id {d.id!r} is defined twice")
            if d.tag not in tag_index:
                raise ValueError(f"alarm {d.id!r}: tag {d.tag!r} is not a configured tag")
            self._ids[d.id] = i
        n_tags = len(config.tags)
        self._n_tags = n_tags
        self._eval = Evaluator(self._defs, tag_index)
        self._alarm_tag = self._eval.alarm_tag
        self._tag_value = np.full(n_tags, np.nan)
        self._tag_value_ts = np.full(n_tags, np.nan)
        self._tag_status = np.zeros(n_tags, dtype=np.uint32)
        self._rt = [_Rt() for _ in self._defs]
        # machine -> annunciated activations (time, alarm) within the look-back, oldest first
        self._recent: dict[str, deque[tuple[float, int]]] = {}
        self._trip_group: dict[str, tuple[float, int]] = {}  # machine -> (trip time, its first-out)
        self._timers: set[int] = set()
        settings = config.alarm_settings
        self._suppress_delay = [
            float(settings.suppress_delay_s if d.suppress_delay_s is None else d.suppress_delay_s)
            for d in self._defs
        ]
        self._suppress_release = [
            float(settings.suppress_release_s if d.suppress_release_s is None else d.suppress_release_s)
            for d in self._defs
        ]
        self._suppress_timers: set[int] = set()
        # Hi -> HiHi and Lo -> LoLo of one tag (analog alarms); `_lower`: the other way round.
        self._higher: dict[int, int] = {}
        by_level = {(d.tag, d.level): i for i, d in enumerate(self._defs) if d.kind == AlarmKind.ANALOG}
        for (tag, level), i in by_level.items():
            j = by_level.get((tag, _HIGHER_LEVEL.get(level, "")))
            if j is not None:
                self._higher[i] = j
        self._lower = {j: i for i, j in self._higher.items()}
        self._shelf_heap: list[tuple[float, int]] = []
        self._throttle = ReentryThrottle(reentry_burst, reentry_rate_per_s)
        self._outbox: list[JournalEvent] = []
        self._changed: dict[int, None] = {}
        # The station and time the command being executed was made at, when not here and now (set by
        # `execute` for its own thread): its audit row and its transitions name them.
        self._here = _CommandOrigin()

    # --- queries -----------------------------------------------------------------------------

    def on_change(self, callback: Callable[[list[AlarmRecord]], Any]) -> Callable[[], None]:
        """Call ``callback(changed_records)`` after every change (on the thread that made it:
        keep it cheap, e.g. put the list on a queue). Returns a function that unsubscribes."""
        self.alarms_changed.connect(callback)
        return lambda: self.alarms_changed.disconnect(callback)

    @property
    def definitions(self) -> list[AlarmDefinition]:
        return list(self._defs)

    def definition(self, alarm_id: str) -> AlarmDefinition:
        return self._defs[self._index(alarm_id)]

    def record(self, alarm_id: str) -> AlarmRecord:
        with self._lock:
            return self._record(self._index(alarm_id))

    def records(self, include_normal: bool = False) -> list[AlarmRecord]:
        """The alarm list: most important first, then newest first."""
        with self._lock:
            out = [
                self._record(i)
                for i, rt in enumerate(self._rt)
                if include_normal or rt.state != AlarmState.NORMAL
            ]
        out.sort(key=lambda r: (r.priority, -(r.activated_at or r.changed_at or 0.0)))
        return out

    def summary(self) -> AlarmSummary:
        active = dict.fromkeys(Priority, 0)
        unacked = dict.fromkeys(Priority, 0)
        counts = dict.fromkeys(AlarmState, 0)
        with self._lock:
            for d, rt in zip(self._defs, self._rt, strict=True):
                counts[rt.state] += 1
                if rt.state in (AlarmState.UNACKED, AlarmState.ACKED):
                    active[d.priority] += 1
                if rt.state == AlarmState.UNACKED:
                    unacked[d.priority] += 1
        return AlarmSummary(
            active=active,
            unacked=unacked,
            rtn_unacked=counts[AlarmState.RTN_UNACKED],
            latched=counts[AlarmState.LATCHED],
            shelved=counts[AlarmState.SHELVED],
            suppressed=counts[AlarmState.SUPPRESSED],
            out_of_service=counts[AlarmState.OUT_OF_SERVICE],
        )

    # --- data --------------------------------------------------------------------------------

    def process(self, batch: SampleBatch) -> list[AlarmRecord]:
        """Evaluate a batch of samples; returns (and emits) the records that changed."""
        n = len(batch)
        if n == 0 or not self._defs:
            return []
        with self._lock:
            tag_idx = batch.tag_idx
            t = batch.received_ts
            if int(tag_idx.min()) < 0 or int(tag_idx.max()) >= self._n_tags:
                ok = (tag_idx >= 0) & (tag_idx < self._n_tags)
                log.warning("alarm engine: %d samples with unknown tag indexes ignored", int((~ok).sum()))
                rows_ok = np.flatnonzero(ok)
            else:
                rows_ok = None
            t_max = float(t.max())
            if t_max != t_max:  # NaN somewhere: no receive time, use the engine's clock
                t = np.where(np.isnan(t), self._clock(), t)
                t_max = float(t.max())
            for rows in self._eval.rounds(tag_idx, rows_ok):
                tags = tag_idx if rows is None else tag_idx[rows]
                if self._suppress_timers:  # holds that ended before this round's samples
                    t_round = float(t.min() if rows is None else t[rows].min())
                    self._run_suppress_timers(t_round, before=True)
                # Suppression first: a sample that stops the filler suppresses the capper alarms
                # that the same round of samples would raise.
                for k, _on, row in self._eval.conditions_changed(batch, rows):
                    for i in self._eval.condition_alarms[k]:
                        self._set_suppressed(i, float(t[row]))
                changes = self._eval.alarms_changed(batch, rows)
                if self._lower and len(changes) > 1:
                    # A HiHi raised by the same sample as its Hi comes first and takes its place.
                    changes.sort(key=lambda c: c[0] not in self._lower)
                for i, raw, row, v in changes:
                    self._on_raw(i, raw, float(t[row]), v)
                if rows is None:
                    self._tag_value[tags] = batch.value
                    self._tag_value_ts[tags] = batch.source_ts
                    self._tag_status[tags] = batch.status
                else:
                    self._tag_value[tags] = batch.value[rows]
                    self._tag_value_ts[tags] = batch.source_ts[rows]
                    self._tag_status[tags] = batch.status[rows]
                self._follow_pending()
            self._run_suppress_timers(t_max)
            self._run_timers(t_max)
            changed = self._flush()
        self._emit(changed)
        return changed

    def tick(self, now: float | None = None) -> list[AlarmRecord]:
        """Timers: on/off delays, shelve expiry, rate-limited re-annunciation. Call it every ~0.5-1 s."""
        with self._lock:
            now = self._clock() if now is None else float(now)
            while self._shelf_heap and self._shelf_heap[0][0] <= now:
                until, i = heapq.heappop(self._shelf_heap)
                rt = self._rt[i]
                if rt.shelved_until != until:
                    continue  # re-shelved or unshelved since
                rt.shelved_until = None
                self._return(i, now, TC.SHELVE_EXPIRED, reason="shelve time expired")
            self._run_suppress_timers(now)
            self._run_timers(now)
            changed = self._flush()
        self._emit(changed)
        return changed

    # --- the state machine ---------------------------------------------------------------------

    def _on_raw(self, i: int, raw: bool, t: float, v: float) -> None:
        rt = self._rt[i]
        rt.in_alarm = raw
        if rt.out_of_service or rt.shelved_until is not None or _masked_by_design(rt):
            return  # tracked quietly; looked at again when the alarm comes back
        if raw and rt.suppressed and not rt.active:
            # Suppressed but still on the list for its acknowledgement: it may return to normal
            # there, but it is not annunciated again while its suppression holds (its release
            # re-enters it if the condition is still there).
            return
        d = self._defs[i]
        if raw:
            rt.pending_off = None
            if rt.active:
                return
            if d.on_delay_s > 0 or rt.reentry:
                if rt.pending_on is None:
                    rt.pending_on = t
                    rt.pending_value = v
                self._timers.add(i)
            else:
                self._activate(i, t, v)
        else:
            rt.pending_on = None
            rt.pending_value = None
            rt.reentry = False
            if not rt.active:
                return
            if d.off_delay_s > 0:
                if rt.pending_off is None:
                    rt.pending_off = t
                self._timers.add(i)
            else:
                self._clear(i, t, v)

    def _follow_pending(self) -> None:
        """Keep each pending alarm's trigger value at the furthest its tag went past the limit."""
        for i in self._timers:
            rt = self._rt[i]
            if rt.pending_on is None:
                continue
            v = self._value(i)
            d = self._defs[i]
            if rt.pending_value is None or not math.isfinite(rt.pending_value):
                rt.pending_value = v
            elif d.kind == AlarmKind.ANALOG and math.isfinite(v):
                further = max if d.op in (">=", ">") else min
                rt.pending_value = further(rt.pending_value, v)

    def _pending_trigger(self, i: int) -> float:
        rt = self._rt[i]
        if self._defs[i].kind == AlarmKind.ANALOG and rt.pending_value is not None:
            return rt.pending_value
        return self._value(i)

    def _run_timers(self, now: float) -> None:
        if not self._timers:
            return
        due: list[int] = []
        reentry: list[int] = []
        # Higher levels first: a HiHi due with its Hi supersedes it before the Hi is annunciated.
        for i in sorted(self._timers, key=lambda i: (i not in self._lower, i)):
            rt = self._rt[i]
            d = self._defs[i]
            if rt.pending_on is not None:
                if now - rt.pending_on >= d.on_delay_s - 1e-9:
                    (reentry if rt.reentry else due).append(i)
            elif rt.pending_off is not None:
                if now - rt.pending_off >= d.off_delay_s - 1e-9:
                    self._timers.discard(i)
                    self._clear(i, now, self._value(i))
            else:
                self._timers.discard(i)
        for i in due:
            self._timers.discard(i)
            if self._rt[i].pending_on is None:
                continue  # superseded by its higher level due in the same pass
            self._activate(
                i, now, self._value(i), since=self._rt[i].pending_on, trigger=self._pending_trigger(i)
            )
        if reentry:
            allowed = self._throttle.available(now)
            reentry.sort(key=lambda i: (self._defs[i].priority, self._rt[i].pending_on or 0.0, i))
            for i in [i for i in reentry if self._rt[i].pending_on is not None][:allowed]:
                self._throttle.take()
                self._timers.discard(i)
                self._activate(
                    i,
                    now,
                    self._value(i),
                    since=self._rt[i].pending_on,
                    reentry=True,
                    trigger=self._pending_trigger(i),
                )

    def _value(self, i: int) -> float:
        return float(self._tag_value[self._alarm_tag[i]])

    def _activate(
        self,
        i: int,
        t: float,
        v: float,
        *,
        since: float | None = None,
        reentry: bool = False,
        trigger: float | None = None,
    ) -> None:
        """`v`: the value now (journaled with the activation); `trigger`: the value the message
        quotes (after an on-delay, the furthest past the limit during it; default `v`)."""
        rt = self._rt[i]
        d = self._defs[i]
        prev = rt.state
        rt.active = True
        rt.acked = False
        rt.latched = d.latching
        rt.activated_at = t
        rt.cleared_at = None
        rt.acked_at = None
        rt.acked_by = ""
        rt.comment = ""
        rt.count += 1
        rt.trigger_value = v if trigger is None else trigger
        rt.pending_on = None
        rt.pending_value = None
        rt.pending_off = None
        rt.reentry = False
        rt.first_out, rt.first_out_of = False, ""
        rt.message = d.format_message(rt.trigger_value)
        # Re-annunciation after a shelve/suppression is not part of a process cascade: no first-out.
        if d.machine and not reentry and not d.advisory:
            self._first_out(i, t)
        extra: dict[str, Any] = {"reentry": reentry}
        if since is not None and since != t:
            extra["condition_since"] = since
        self._transition(i, prev, t, TC.ACTIVATE, annunciated=True, value=v, extra=extra)

    def _first_out(self, i: int, t: float) -> None:
        """First-out per machine trip (see the class doc); called from `_activate`."""
        d = self._defs[i]
        rt = self._rt[i]
        lookback = self.first_out_lookback_s
        recent = self._recent.setdefault(d.machine, deque())
        while recent and t - recent[0][0] > lookback:
            recent.popleft()
        if d.trip:
            before = [(ta, j) for ta, j in recent if j != i]
            first = before[0][1] if before else i
            self._trip_group[d.machine] = (t, first)
            rt.first_out_of = self._defs[first].id
            if first == i:
                rt.first_out = True
            else:
                lead = self._rt[first]
                if not lead.first_out:
                    lead.first_out = True
                    self._changed[first] = None
                for _ta, j in before:
                    if j != first and not self._rt[j].first_out_of:
                        self._rt[j].first_out_of = self._defs[first].id
                        self._changed[j] = None
                ago = t - (self._rt[first].activated_at or t)
                rt.message = self._with_first_out(d, rt.message, first, ago)
        else:
            group = self._trip_group.get(d.machine)
            if group is not None and 0 <= t - group[0] <= lookback:
                rt.first_out_of = self._defs[group[1]].id
        recent.append((t, i))

    def _with_first_out(self, d: AlarmDefinition, message: str, first: int, ago: float) -> str:
        lead = self._defs[first]
        value = self._rt[first].trigger_value
        what = lead.name if value is None or math.isnan(value) else f"{lead.name} {lead.value_text(value)}"
        cause = f"first-out: {what}, {ago:.0f} s before"
        if d.action and message.endswith(" — " + d.action):
            return f"{message.removesuffix(' — ' + d.action)} ({cause}) — {d.action}"
        return f"{message} ({cause})"

    def _clear(self, i: int, t: float, v: float) -> None:
        rt = self._rt[i]
        prev = rt.state
        rt.active = False
        rt.cleared_at = t
        rt.pending_off = None
        self._transition(i, prev, t, TC.CLEAR, value=v)
        if not rt.suppressed and self._eval.holding(i):
            # A trip's cause, kept through its trip's suppression while it stood (see
            # `_trip_cause`), falls under that suppression once it clears.
            self._set_suppressed(i, t)

    def _set_suppressed(self, i: int, t: float) -> None:
        """Follow the alarm's suppression conditions (called when one of them changes, and by
        the suppression timers).

        Suppressed once any condition has held `suppress_delay_s`; released once none has held
        for `suppress_release_s` without a break: a condition that flickers on a noisy value
        makes one suppression, not a suppress/unsuppress pair per flicker (qa7 G9). A timer that
        came due before `t` takes effect at its due time first.

        Two alarms are not hidden when their condition starts: one still waiting for its
        acknowledgement stays on the list until it is acknowledged (`_masked_by_design`), and
        the cause of its own machine's trip (`_trip_cause`) is not suppressed by that trip
        while it stands (a consequence suppresses consequences, never the first-out)."""
        self._settle_suppression(i, t, before=True)
        rt = self._rt[i]
        if rt.superseded:  # its higher level's clearing looks at the conditions again
            rt.suppress_change_since = None
            return
        holding = self._eval.holding(i)
        want = bool(holding)
        if want == rt.suppressed:
            rt.suppress_change_since = None  # back as it is before its timer ran out: no change
            return
        if rt.suppress_change_since is None:
            rt.suppress_change_since = t
        if t - rt.suppress_change_since < self._suppress_wait(i, want) - 1e-9:
            self._suppress_timers.add(i)
            return
        rt.suppress_change_since = None
        if want:
            self._suppress(i, t, holding)
        else:
            self._unsuppress(i, t)

    def _suppress_wait(self, i: int, suppress: bool) -> float:
        return self._suppress_delay[i] if suppress else self._suppress_release[i]

    def _settle_suppression(self, i: int, t: float, *, before: bool = False) -> None:
        """Apply the suppression timer of alarm i if it came due by t (`before`: strictly before
        t, where a condition changes at t) at its due time: the conditions have not changed
        since it started, or it would have been cancelled."""
        rt = self._rt[i]
        since = rt.suppress_change_since
        if since is None or rt.superseded:
            return
        want = not rt.suppressed
        due = since + self._suppress_wait(i, want)
        if not (due < t - 1e-9 if before else due <= t + 1e-9):
            return
        rt.suppress_change_since = None
        holding = self._eval.holding(i)
        if want and holding:
            self._suppress(i, due, holding)
        elif not want and not holding:
            self._unsuppress(i, due)

    def _run_suppress_timers(self, now: float, *, before: bool = False) -> None:
        for i in sorted(self._suppress_timers):
            self._settle_suppression(i, now, before=before)
            if self._rt[i].suppress_change_since is None:
                self._suppress_timers.discard(i)

    def _suppress(self, i: int, t: float, holding: Sequence[Condition]) -> None:
        rt = self._rt[i]
        if self._trip_cause(i, t, holding):
            return
        prev = rt.state
        rt.suppressed = True
        reason = rt.suppress_reason = " or ".join(str(c) for c in holding)
        if rt.acked:
            self._mask(i)
        else:
            reason += "; stays on the list until acknowledged"
            # Not annunciated again meanwhile (`_on_raw`): a pending activation is dropped.
            rt.pending_on = None
            rt.pending_value = None
            rt.reentry = False
        self._transition(i, prev, t, TC.SUPPRESS, reason=f"suppressed by design: {reason}")

    def _unsuppress(self, i: int, t: float) -> None:
        rt = self._rt[i]
        was_masked = _masked_by_design(rt)
        rt.suppressed = False
        rt.suppress_reason = ""
        reason = " or ".join(str(c) for c in self._defs[i].suppress_when)
        hold = self._suppress_release[i]
        if hold > 0:
            reason += f" for {hold:g} s"
        self._return(i, t, TC.UNSUPPRESS, reason=f"no longer {reason}", remask=was_masked)

    def _follow_higher_level(self, i: int, t: float, v: float) -> None:
        """Alarm i (a Hi or Lo) follows the HiHi or LoLo of its tag (ISA-18.2 state-based
        suppression by design, one alarm per situation): suppressed, off the operator's list at
        once, while that one is annunciated (active); back when it is not: re-annunciated after
        its on-delay if its own limit is still passed, unless its own suppression conditions hold.
        The journal's transitions say why; first-out keeps naming whichever came first.

        Coming back is a process change, as if its limit were passed now (`v`: the value that
        cleared the higher level): not a re-entry after a shelve, so no re-entry throttle, and
        the same transitions however the samples were batched."""
        rt = self._rt[i]
        stands = self._rt[self._higher[i]].active
        if stands == rt.superseded:
            return
        why = higher_level_reason(self._defs[self._higher[i]])
        prev = rt.state
        if stands:
            rt.superseded = rt.suppressed = True
            rt.suppress_change_since = None
            self._suppress_timers.discard(i)
            rt.suppress_reason = why
            self._mask(i)
            self._transition(i, prev, t, TC.SUPPRESS, reason=f"suppressed by design: {why}")
            return
        holding = self._eval.holding(i)
        if holding:  # still suppressed, now by its own conditions
            rt.superseded = False
            rt.suppress_reason = " or ".join(str(c) for c in holding)
            self._transition(i, prev, t, TC.SUPPRESS, reason=f"suppressed by design: {rt.suppress_reason}")
            return
        rt.suppressed = rt.superseded = False
        rt.suppress_reason = ""
        self._transition(
            i, prev, t, TC.UNSUPPRESS, reason=higher_level_reason(self._defs[self._higher[i]], stands=False)
        )
        # Its own condition as of this round's samples (its own change in this round may come next).
        if self._eval.raw(i):
            self._on_raw(i, True, t, v)

    def _trip_cause(self, i: int, t: float, holding: Sequence[Condition]) -> bool:
        """Alarm i stands as the cause of a trip that its holding conditions describe: a
        condition on a tag of the alarm's own machine (its state going Faulted) holds while
        the alarm is annunciated and is the first alarm of that machine within the first-out
        look-back (or already named as a trip's first-out)."""
        d = self._defs[i]
        rt = self._rt[i]
        if not d.machine or not rt.active or d.advisory:
            return False
        if not any(self._tag_machine.get(c.tag) == d.machine for c in holding):
            return False
        if rt.first_out:
            return True
        recent = [j for ta, j in self._recent.get(d.machine, ()) if t - ta <= self.first_out_lookback_s]
        standing = [j for j in recent if self._rt[j].active]
        return bool(standing) and standing[0] == i

    def _mask(self, i: int) -> None:
        """Shelving, suppression and out of service take the alarm off the operator's list.

        The acknowledgement requirement stays: an alarm masked before anyone acknowledged it
        comes back as returned-to-normal unacknowledged (or re-annunciated) when unmasked."""
        rt = self._rt[i]
        rt.active = False
        rt.latched = False
        rt.pending_on = None
        rt.pending_value = None
        rt.pending_off = None
        rt.reentry = False
        rt.first_out, rt.first_out_of = False, ""
        self._timers.discard(i)

    def _return(
        self,
        i: int,
        t: float,
        action: str,
        *,
        user: str = "",
        reason: str = "",
        comment: str = "",
        remask: bool = True,
    ) -> None:
        """Back from shelved/suppressed/out of service: quietly normal (or returned-to-normal
        unacknowledged when it never was acknowledged), then re-evaluated.

        If the condition is still there the alarm is re-annunciated after its on-delay
        (counted from now), through the re-entry token bucket. ``remask=False``: the alarm
        was never hidden (a suppression that waited for an acknowledgement): it keeps its state.
        """
        rt = self._rt[i]
        prev = rt.state
        hidden = rt.out_of_service or rt.shelved_until is not None or rt.suppressed
        if remask and not hidden:
            self._mask(i)
        # In alarm and not annunciated (masked, or kept on the list for its acknowledgement
        # while not re-annunciated): annunciated again after its on-delay.
        if not hidden and rt.in_alarm and not rt.active and rt.pending_on is None:
            rt.reentry = True
            rt.pending_on = t
            rt.pending_value = self._value(i)
            self._timers.add(i)
        self._transition(i, prev, t, action, user=user, reason=reason, comment=comment)

    def _transition(
        self,
        i: int,
        prev: AlarmState,
        t: float,
        action: str,
        *,
        user: str = "",
        comment: str = "",
        reason: str = "",
        annunciated: bool = False,
        value: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        rt = self._rt[i]
        d = self._defs[i]
        new = _state_of(rt)
        if new != rt.state or rt.state_since is None:
            rt.state_since = t  # entered this state now (a transition within one state keeps it)
        rt.state = new
        rt.changed_at = t
        if new == AlarmState.NORMAL:
            rt.first_out, rt.first_out_of = False, ""
        v = self._value(i) if value is None else value
        origin = self._here.origin
        if origin is not None and user:  # an operator's transition made on another station
            extra = {**(extra or {}), "station": origin.station}
        data = transition_data(
            self._snapshot(i),
            action=action,
            from_state=prev.value,
            to_state=new.value,
            annunciated=annunciated and not d.advisory,
            value=v,
            value_ts=float(self._tag_value_ts[self._alarm_tag[i]]),
            user=user,
            comment=comment,
            reason=reason,
            extra=extra,
        )
        if action == TC.ACTIVATE:
            msg = f"{rt.message} [{d.priority.label}]"
            sev = Severity.ERROR if d.priority <= Priority.HIGH else Severity.WARNING
        else:
            msg = f"{d.name}: {action.replace('_', ' ')} ({prev.label} -> {new.label})"
            if user:
                msg += f" by {user}"
            if reason or comment:
                msg += f": {reason or comment}"
            sev = Severity.INFO
        self._outbox.append(
            JournalEvent(EventKind.ALARM, msg, source=d.id, user=user, severity=sev, data=data, ts=t)
        )
        self._changed[i] = None
        lower = self._lower.get(i)
        if lower is not None:
            self._follow_higher_level(lower, t, v)

    def _snapshot(self, i: int) -> AlarmSnapshot:
        """Everything needed to rebuild the alarm's state: every journaled transition carries it."""
        d = self._defs[i]
        rt = self._rt[i]
        return AlarmSnapshot(
            alarm=d.id,
            name=d.name,
            tag=d.tag,
            machine=d.machine,
            kind=d.kind.value,
            level=d.level,
            priority=d.priority.name.lower(),
            priority_level=int(d.priority),
            advisory=d.advisory,
            limit=d.limit,
            state=rt.state.value,
            **rt.condition(),
        )

    def _record(self, i: int) -> AlarmRecord:
        d = self._defs[i]
        rt = self._rt[i]
        current = self._value(i)
        return AlarmRecord(
            id=d.id,
            name=d.name,
            machine=d.machine,
            tag=d.tag,
            kind=d.kind,
            priority=d.priority,
            state=rt.state,
            active=rt.active,
            acked=rt.acked,
            in_alarm=rt.in_alarm,
            latched=rt.latched,
            shelved_until=rt.shelved_until,
            shelved_by=rt.shelved_by,
            shelve_reason=rt.shelve_reason,
            suppressed=rt.suppressed,
            out_of_service=rt.out_of_service,
            first_out=rt.first_out,
            first_out_of=rt.first_out_of,
            value=current,
            limit=d.limit,
            activated_at=rt.activated_at,
            cleared_at=rt.cleared_at,
            acked_at=rt.acked_at,
            acked_by=rt.acked_by,
            message=rt.message or d.describe(),
            trigger_value=math.nan if rt.trigger_value is None else rt.trigger_value,
            headline=d.headline(rt.trigger_value if rt.count else None),
            trip=d.trip,
            level=d.level,
            count=rt.count,
            # Suppressed: why, first (the Suppressed view's Comment column; an ack comment is journaled).
            comment=(rt.suppress_reason if rt.state == AlarmState.SUPPRESSED else "")
            or rt.comment
            or rt.shelve_reason
            or rt.oos_reason,
            changed_at=rt.changed_at,
            state_since=rt.state_since,
        )

    # --- journal and listeners -------------------------------------------------------------------

    def _flush(self) -> list[AlarmRecord]:
        events, self._outbox = self._outbox, []
        changed, self._changed = list(self._changed), {}
        if events:
            self._write(events)
        return [self._record(i) for i in changed]

    def _write(self, events: list[JournalEvent]) -> None:
        # Transitions report what happened: a journal that can keep them until the disk takes
        # them (Journal.post_events) gets them that way, so a full disk delays them, never loses them.
        post_many = getattr(self._journal, "post_events", None)
        write_many = getattr(self._journal, "write_events", None)
        try:
            if post_many is not None:
                post_many(events)
            elif write_many is not None:
                write_many(events)
            else:
                for ev in events:
                    self._journal.write_event(ev)
        except Exception:
            # The alarm states stay right on screen even if the disk is full; the error is counted.
            self.journal_errors += 1
            log.exception("alarm engine: could not journal %d alarm events", len(events))

    def _emit(self, changed: list[AlarmRecord]) -> None:
        if changed:
            self.alarms_changed.emit(changed)

    # --- operator actions --------------------------------------------------------------------------

    def _index(self, alarm_id: str) -> int:
        try:
            return self._ids[alarm_id]
        except KeyError:
            raise UnknownAlarm(alarm_id) from None

    def _act(
        self,
        user: User | None,
        action: Action,
        ids: Sequence[str],
        body: Callable[[list[int], float], None],
        *,
        detail: str = "",
        data: dict[str, Any] | None = None,
        validate: Callable[[list[int]], None] | None = None,
    ) -> list[AlarmRecord]:
        """Role check -> validation -> audit row committed -> state change -> listeners.

        Every refusal is audited before it is raised, with who, what and why: the role (by
        `Auditor.check`), an unknown alarm and an input the validation refuses (a missing
        reason, an inverted limit: qa7 G33 found a refused limit change without its row)."""
        with self._lock:
            target = ", ".join(ids)
            audit: dict[str, Any] = {"alarms": list(ids), **(data or {})}
            try:
                idx = [self._index(a) for a in ids]
            except UnknownAlarm as exc:
                self._refused(user, action, target, str(exc), audit)
                raise
            self._auditor.check(user, action, target)
            if validate is not None:
                try:
                    validate(idx)
                except ValueError as exc:
                    self._refused(user, action, target, str(exc), audit)
                    raise
            now = self._clock()
            origin = self._here.origin
            if origin is not None:
                audit.update(origin.audit_data())
                made = time.strftime("%H:%M:%S", time.localtime(origin.made_at))
                detail = f"{detail} (made on {origin.station} at {made})".strip()
            self._auditor.record(user, action, target=target, detail=detail, data=audit)
            body(idx, now)
            self._run_timers(now)
            changed = self._flush()
        self._emit(changed)
        return changed

    def _refused(
        self, user: User | None, action: Action, target: str, why: str, data: dict[str, Any]
    ) -> None:
        """The audit row of a refused attempt (the caller raises the refusal afterwards)."""
        origin = self._here.origin
        extra = origin.audit_data() if origin is not None else {}
        self._auditor.record(
            user, action, target=target, result="refused", detail=why, data={**data, **extra}
        )

    def execute(self, request: AlarmRequest, user: User | None) -> list[AlarmRecord]:
        """Run one operator command (the runtime calls this on its actions thread).

        Raises PermissionDenied (refusal already audited), ValueError with a message
        for the operator, or UnknownAlarm. A per-alarm command over several alarms
        runs alarm by alarm and stops at the first refusal: send `request.per_alarm()`
        one by one for an outcome per alarm."""
        self._here.origin = request.origin
        try:
            return self._execute(request, user)
        finally:
            self._here.origin = None

    def _execute(self, r: AlarmRequest, user: User | None) -> list[AlarmRecord]:
        changed: list[AlarmRecord] = []
        match r.command:
            case AlarmCommand.ACKNOWLEDGE:
                return self.acknowledge(r.ids, user, r.text)
            case AlarmCommand.RESET:
                return self.reset(r.ids, user, r.text)
            case AlarmCommand.SHELVE:
                assert r.duration_s is not None  # AlarmRequest checks it
                for i in r.ids:
                    changed += self.shelve(i, user, r.duration_s, r.text)
            case AlarmCommand.UNSHELVE:
                for i in r.ids:
                    changed += self.unshelve(i, user, r.text)
            case AlarmCommand.OUT_OF_SERVICE:
                for i in r.ids:
                    changed += self.set_out_of_service(i, user, r.text)
            case AlarmCommand.RETURN_TO_SERVICE:
                for i in r.ids:
                    changed += self.return_to_service(i, user, r.text)
            case AlarmCommand.SET_LIMIT:
                assert r.limit is not None  # AlarmRequest checks it
                for i in r.ids:
                    changed += self.set_limit(i, user, r.limit, r.text)
            case _:
                raise ValueError(f"{r.command.name} is not an engine operation")
        return changed

    def acknowledge(
        self, ids: str | Iterable[str], user: User | None, comment: str = ""
    ) -> list[AlarmRecord]:
        """Acknowledge alarms (operator or higher). Already-acknowledged ones are left alone."""
        id_list = [ids] if isinstance(ids, str) else list(ids)
        name = user.name if user else ""

        def body(idx: list[int], now: float) -> None:
            for i in idx:
                rt = self._rt[i]
                if rt.acked:
                    continue
                prev = rt.state
                rt.acked = True
                rt.acked_at = now
                rt.acked_by = name
                rt.comment = comment
                if rt.suppressed and not (rt.out_of_service or rt.shelved_until is not None):
                    self._mask(i)  # its suppression by design waited for this acknowledgement
                self._transition(i, prev, now, TC.ACKNOWLEDGE, user=name, comment=comment)

        return self._act(user, AlarmCommand.ACKNOWLEDGE.action, id_list, body, detail=comment)

    def reset(self, ids: str | Iterable[str], user: User | None, comment: str = "") -> list[AlarmRecord]:
        """Reset latched alarms whose condition has cleared (acknowledges them too)."""
        id_list = [ids] if isinstance(ids, str) else list(ids)
        name = user.name if user else ""

        def body(idx: list[int], now: float) -> None:
            for i in idx:
                rt = self._rt[i]
                if rt.state != AlarmState.LATCHED:
                    continue
                prev = rt.state
                rt.latched = False
                if not rt.acked:
                    rt.acked, rt.acked_at, rt.acked_by = True, now, name
                rt.comment = comment
                self._transition(i, prev, now, TC.RESET, user=name, comment=comment)

        return self._act(user, AlarmCommand.RESET.action, id_list, body, detail=comment)

    def shelve(self, alarm_id: str, user: User | None, duration_s: float, reason: str) -> list[AlarmRecord]:
        """Shelve an alarm for a time (supervisor or higher); a reason is mandatory."""
        name = user.name if user else ""
        reason = (reason or "").strip()

        def validate(idx: list[int]) -> None:
            if not reason:
                raise ValueError("shelving needs a reason")
            if not (isinstance(duration_s, int | float) and 0 < duration_s <= self.max_shelve_s):
                raise ValueError(f"shelve duration must be between 0 and {self.max_shelve_s / 3600:g} h")
            if self._rt[idx[0]].out_of_service:
                raise ValueError(f"{alarm_id} is out of service; return it to service first")

        def body(idx: list[int], now: float) -> None:
            i = idx[0]
            rt = self._rt[i]
            prev = rt.state
            until = now + float(duration_s)
            rt.shelved_until, rt.shelved_by, rt.shelve_reason = until, name, reason
            self._mask(i)
            heapq.heappush(self._shelf_heap, (until, i))
            self._transition(
                i, prev, now, TC.SHELVE, user=name, reason=reason, extra={"duration_s": duration_s}
            )

        return self._act(
            user,
            AlarmCommand.SHELVE.action,
            [alarm_id],
            body,
            detail=reason,
            data={"duration_s": duration_s},
            validate=validate,
        )

    def unshelve(self, alarm_id: str, user: User | None, comment: str = "") -> list[AlarmRecord]:
        name = user.name if user else ""

        def body(idx: list[int], now: float) -> None:
            i = idx[0]
            rt = self._rt[i]
            if rt.shelved_until is None:
                return
            rt.shelved_until = None
            rt.shelved_by = rt.shelve_reason = ""
            self._return(i, now, TC.UNSHELVE, user=name, comment=comment)

        return self._act(user, AlarmCommand.UNSHELVE.action, [alarm_id], body, detail=comment)

    def set_out_of_service(self, alarm_id: str, user: User | None, reason: str) -> list[AlarmRecord]:
        """Take an alarm out of service (maintenance); supervisor or higher, reason mandatory."""
        name = user.name if user else ""
        reason = (reason or "").strip()

        def validate(idx: list[int]) -> None:
            if not reason:
                raise ValueError("taking an alarm out of service needs a reason")

        def body(idx: list[int], now: float) -> None:
            i = idx[0]
            rt = self._rt[i]
            if rt.out_of_service:
                return
            prev = rt.state
            rt.out_of_service, rt.oos_by, rt.oos_reason = True, name, reason
            rt.shelved_until = None
            rt.shelved_by = rt.shelve_reason = ""
            self._mask(i)
            self._transition(i, prev, now, TC.OUT_OF_SERVICE, user=name, reason=reason)

        return self._act(
            user, AlarmCommand.OUT_OF_SERVICE.action, [alarm_id], body, detail=reason, validate=validate
        )

    def return_to_service(self, alarm_id: str, user: User | None, reason: str = "") -> list[AlarmRecord]:
        name = user.name if user else ""

        def body(idx: list[int], now: float) -> None:
            i = idx[0]
            rt = self._rt[i]
            if not rt.out_of_service:
                return
            rt.out_of_service, rt.oos_by, rt.oos_reason = False, "", ""
            self._return(i, now, TC.RETURN_TO_SERVICE, user=name, reason=reason)

        return self._act(user, AlarmCommand.RETURN_TO_SERVICE.action, [alarm_id], body, detail=reason)

    def set_limit(self, alarm_id: str, user: User | None, limit: float, reason: str) -> list[AlarmRecord]:
        """Change an analog or rate-of-change alarm's limit at run time (engineer or higher).

        The change is audited with the old and new values and lasts until the
        next start: the line config stays the source of truth, so a permanent
        change is made there. The alarm is re-evaluated at once with the tag's
        latest value.
        """
        name = user.name if user else ""
        reason = (reason or "").strip()

        def validate(idx: list[int]) -> None:
            if not reason:
                raise ValueError("changing a limit needs a reason")
            why = limit_problem(self._defs, alarm_id, limit)
            if why:
                raise ValueError(why)

        def body(idx: list[int], now: float) -> None:
            i = idx[0]
            d = self._defs[i]
            old = d.limit
            self._defs[i] = dataclasses.replace(d, limit=float(limit))
            vectorised = self._eval.set_limit(i, self._defs[i])
            self._transition(
                i,
                self._rt[i].state,
                now,
                TC.LIMIT_CHANGED,
                user=name,
                reason=reason,
                extra={"old_limit": old, "new_limit": float(limit)},
            )
            if vectorised:  # re-evaluate now with the latest value (a flat value sends no update)
                tag = int(self._alarm_tag[i])
                one = SampleBatch.from_columns(
                    [tag],
                    [self._tag_value_ts[tag]],
                    [math.nan],
                    [now],
                    [self._tag_value[tag]],
                    [self._tag_status[tag]],
                )
                for j, raw, _row, v in self._eval.alarms_changed(one, None):
                    self._on_raw(j, raw, now, v)

        return self._act(
            user,
            AlarmCommand.SET_LIMIT.action,
            [alarm_id],
            body,
            detail=reason,
            data={"old_limit": self._defs[self._index(alarm_id)].limit, "new_limit": limit},
            validate=validate,
        )

    # --- restart -----------------------------------------------------------------------------------

    def restore(
        self,
        journal: AlarmJournal | None = None,
        *,
        since: float | None = None,
        horizon_s: float = DEFAULT_RESTORE_HORIZON_S,
    ) -> int:
        """Rebuild alarm states from the journal's alarm events (call once, before the first batch).

        Every transition event carries a full snapshot of its alarm, so the last
        one per alarm is its state; a checkpoint event resets the picture to its
        list. Shelves keep their expiry (an expired one is unshelved at the next
        tick); alarms that were active stay active, unacknowledged ones stay
        unacknowledged, until fresh data says otherwise. Returns how many alarms
        came back in a state other than normal.
        """
        j = journal if journal is not None else self._journal
        with self._lock:
            now = self._clock()
            t0 = since if since is not None else now - horizon_s
            snaps = latest_snapshots(j.read_events(t0, None, [EventKind.ALARM]))
            restored = unknown = 0
            for aid, (data, ts) in snaps.items():
                i = self._ids.get(aid)
                if i is None:
                    unknown += 1
                    continue
                s = AlarmSnapshot.from_data(data)
                rt = self._rt[i]
                for name, value in s.condition().items():
                    setattr(rt, name, value)
                # Journals older than frozen messages: rebuilt from the trigger value.
                if not rt.message and rt.activated_at is not None:
                    rt.message = self._defs[i].format_message(rt.trigger_value)
                rt.state = _state_of(rt)
                rt.changed_at = float(ts)
                if rt.state_since is None or s.state != rt.state.value:
                    rt.state_since = float(ts)  # an older journal, or a state that differs on restart
                self._eval.set_raw(i, rt.in_alarm)
                if rt.shelved_until is not None:
                    heapq.heappush(self._shelf_heap, (rt.shelved_until, i))
                if rt.state != AlarmState.NORMAL:
                    restored += 1
                    self._changed[i] = None
            for lo, hi in self._higher.items():  # a Hi its standing HiHi hid stays hidden
                lower = self._rt[lo]
                if (
                    lower.suppressed
                    and self._rt[hi].active
                    and lower.suppress_reason == higher_level_reason(self._defs[hi])
                ):
                    lower.superseded = True
                    lower.state = _state_of(lower)
            if unknown:
                log.warning("alarm restore: %d alarms in the journal are no longer configured", unknown)
            self._outbox.append(self._checkpoint_event(now, f"alarm states restored: {restored} not normal"))
            changed = self._flush()
        self._emit(changed)
        return restored

    def checkpoint(self) -> int:
        """Journal the states of all alarms that are not normal (call after a journal file rotation,
        so a restart can restore from the newest file alone). Returns the event id."""
        with self._lock:
            ev = self._checkpoint_event(self._clock(), "alarm states checkpoint")
            return self._journal.write_event(ev)

    def _checkpoint_event(self, now: float, text: str) -> JournalEvent:
        snaps = [self._snapshot(i) for i, rt in enumerate(self._rt) if rt.state != AlarmState.NORMAL]
        return JournalEvent(
            EventKind.ALARM,
            f"{text} ({len(snaps)})",
            source="alarms",
            data=checkpoint_data(snaps),
            ts=now,
        )
