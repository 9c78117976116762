"""Alarm conditions from samples: is each alarm's condition true (with deadband hysteresis)?

This is the hot path; the state machine (engine.py) only sees the alarms whose
condition changed. Analog, discrete and quality alarms live in numpy arrays
sorted by tag: a batch touches only the alarms of the tags it carries, with one
vectorised comparison per round of samples (a round holds at most one sample
per tag, because hysteresis depends on the order of a tag's samples).
Rate-of-change alarms keep a short history each and run in Python (they are
few). Suppression conditions are evaluated when their tag updates.

A Bad or NaN sample holds an alarm's condition where it is (the quality alarm
of the tag reports the loss), and holds a suppression condition too.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from hmi.core.alarms.model import AlarmDefinition, AlarmKind, Condition
from hmi.core.quality import BAD
from hmi.core.samples import SampleBatch

# Comparison codes of the vectorised alarms.
_OP_GE, _OP_GT, _OP_LE, _OP_LT, _OP_EQ, _OP_NE, _OP_QUAL = range(7)
_OP_CODE = {">=": _OP_GE, ">": _OP_GT, "<=": _OP_LE, "<": _OP_LT, "==": _OP_EQ, "!=": _OP_NE}

# (alarm index, new condition, batch row, value)
AlarmChange = tuple[int, bool, int, float]
# (suppression condition index, new state, batch row)
ConditionChange = tuple[int, bool, int]


class Evaluator:
    def __init__(self, definitions: Sequence[AlarmDefinition], tag_index: dict[str, int]):
        self._defs = definitions
        n_tags = len(tag_index)
        self.n_tags = n_tags
        self.alarm_tag = np.array([tag_index[d.tag] for d in definitions], dtype=np.int64)

        vec = [i for i, d in enumerate(definitions) if d.kind != AlarmKind.ROC]
        vec.sort(key=lambda i: int(self.alarm_tag[i]))
        self._v_alarm = np.array(vec, dtype=np.int64)
        v_tag = self.alarm_tag[self._v_alarm] if vec else np.empty(0, dtype=np.int64)
        op = np.array(
            [
                _OP_QUAL if definitions[i].kind == AlarmKind.QUALITY else _OP_CODE[definitions[i].op]
                for i in vec
            ],
            dtype=np.int8,
        )
        self._v_op = op
        self._has_special = bool((op >= _OP_EQ).any())
        thr = np.array([definitions[i].limit for i in vec], dtype=np.float64)
        sign = np.where(
            np.isin(op, (_OP_GE, _OP_GT)), 1.0, np.where(np.isin(op, (_OP_LE, _OP_LT)), -1.0, 0.0)
        )
        db = np.array([definitions[i].deadband for i in vec], dtype=np.float64) * (sign != 0)
        # One gather per round: columns effective threshold, sign, deadband, threshold (==, !=, quality).
        self._v_par = np.zeros((len(vec), 4))
        self._v_par[:, 1] = sign
        self._v_par[:, 2] = db
        self._v_raw = np.zeros(len(vec), dtype=bool)
        self._v_pos = {int(a): p for p, a in enumerate(self._v_alarm)}
        for p, i in enumerate(vec):
            self._set_threshold(p, definitions[i].op, float(thr[p]))
        off = np.zeros(n_tags + 1, dtype=np.int64)
        if vec:
            np.cumsum(np.bincount(v_tag, minlength=n_tags), out=off[1:])
        self._v_off = off
        # Positions of each tag's alarms padded with -1: one gather instead of a CSR expansion.
        per_tag = np.diff(off)
        self._v_k = int(per_tag.max()) if vec else 0
        self._v_tag_pos: np.ndarray | None = None
        if 0 < self._v_k <= 8:
            tp = np.full((n_tags, self._v_k), -1, dtype=np.int64)
            for t_i in np.flatnonzero(per_tag):
                tp[t_i, : off[t_i + 1] - off[t_i]] = np.arange(off[t_i], off[t_i + 1])
            self._v_tag_pos = tp
        self._seen = np.full(n_tags, -1, dtype=np.int64)  # scratch for the duplicate-tag check

        self._roc_by_tag: dict[int, list[int]] = {}
        self._roc_hist: dict[int, deque[tuple[float, float]]] = {}
        self._roc_raw: dict[int, bool] = {}
        for i, d in enumerate(definitions):
            if d.kind == AlarmKind.ROC:
                self._roc_by_tag.setdefault(int(self.alarm_tag[i]), []).append(i)
                self._roc_hist[i] = deque()
                self._roc_raw[i] = False
        self._roc_tag_mask = np.zeros(n_tags, dtype=bool)
        self._roc_tag_mask[list(self._roc_by_tag)] = True

        self.conditions: list[Condition] = []
        self.condition_alarms: list[list[int]] = []
        self._cond_state: list[bool | None] = []  # None: not known yet (not suppressed)
        self._cond_by_tag: dict[int, list[int]] = {}
        index: dict[Condition, int] = {}
        self.alarm_conditions: list[list[int]] = [[] for _ in definitions]
        for i, d in enumerate(definitions):
            for c in d.suppress_when:
                if c.tag not in tag_index:
                    raise ValueError(f"alarm {d.id!r}: suppression tag {c.tag!r} is not a configured tag")
                k = index.get(c)
                if k is None:
                    k = index[c] = len(self.conditions)
                    self.conditions.append(c)
                    self.condition_alarms.append([])
                    self._cond_state.append(None)
                    self._cond_by_tag.setdefault(tag_index[c.tag], []).append(k)
                self.condition_alarms[k].append(i)
                self.alarm_conditions[i].append(k)
        self._cond_tag_mask = np.zeros(n_tags, dtype=bool)
        self._cond_tag_mask[list(self._cond_by_tag)] = True

    # --- state the engine sets -----------------------------------------------------------------

    def set_raw(self, i: int, raw: bool) -> None:
        """Set an alarm's condition (restore after a restart)."""
        p = self._v_pos.get(i)
        if p is not None:
            self._v_raw[p] = raw
        elif i in self._roc_raw:
            self._roc_raw[i] = raw

    def raw(self, i: int) -> bool:
        """Alarm i's condition as of the samples evaluated so far (the whole current round)."""
        p = self._v_pos.get(i)
        if p is not None:
            return bool(self._v_raw[p])
        return self._roc_raw.get(i, False)

    def set_limit(self, i: int, definition: AlarmDefinition) -> bool:
        """Take a changed limit; True if the alarm is vectorised (re-evaluate it with the latest value)."""
        p = self._v_pos.get(i)
        if p is None:
            return False
        self._set_threshold(p, definition.op, float(definition.limit))
        return True

    def _set_threshold(self, p: int, op: str, thr: float) -> None:
        # Strict comparisons folded into the threshold (v > thr <=> v >= the next float above thr),
        # so every order comparison is one test: sign * (v - thr) + deadband * in_alarm >= 0.
        eff = thr
        if op == ">":
            eff = float(np.nextafter(thr, np.inf))
        elif op == "<":
            eff = float(np.nextafter(thr, -np.inf))
        self._v_par[p, 0] = eff
        self._v_par[p, 3] = thr

    # --- evaluation ------------------------------------------------------------------------------

    def rounds(self, tag_idx: np.ndarray, rows: np.ndarray | None) -> list[np.ndarray | None]:
        """Row groups with at most one sample per tag, in arrival order; None means all rows."""
        tags = tag_idx if rows is None else tag_idx[rows]
        m = len(tags)
        if m <= 1:
            return [rows] if m else []
        # Duplicate check without sorting: write each row's number at its tag, read it back.
        seq = np.arange(m)
        self._seen[tags] = seq
        if (self._seen[tags] == seq).all():
            return [rows]
        order = np.argsort(tags, kind="stable")
        st = tags[order]
        first = np.empty(m, dtype=bool)
        first[0] = True
        np.not_equal(st[1:], st[:-1], out=first[1:])
        rank_sorted = seq - np.maximum.accumulate(np.where(first, seq, 0))
        rank = np.empty(m, dtype=np.int64)
        rank[order] = rank_sorted
        base = seq if rows is None else rows
        return [base[rank == k] for k in range(int(rank.max()) + 1)]

    def holding(self, i: int) -> list[Condition]:
        """The suppression conditions of alarm i that hold now."""
        return [self.conditions[k] for k in self.alarm_conditions[i] if self._cond_state[k]]

    def conditions_changed(self, batch: SampleBatch, rows: np.ndarray | None) -> list[ConditionChange]:
        if not self.conditions:
            return []
        if rows is None:
            rows = np.arange(len(batch))
        hit = self._cond_tag_mask[batch.tag_idx[rows]]
        if not hit.any():
            return []
        out: list[ConditionChange] = []
        for row in rows[hit].tolist():
            v = float(batch.value[row])
            if int(batch.status[row]) >= BAD or math.isnan(v):
                continue
            for k in self._cond_by_tag[int(batch.tag_idx[row])]:
                state = self.conditions[k].test(v)
                if state != self._cond_state[k]:
                    self._cond_state[k] = state
                    out.append((k, state, row))
        return out

    def alarms_changed(self, batch: SampleBatch, rows: np.ndarray | None) -> list[AlarmChange]:
        out = self._vector(batch, rows) if self._v_k else []
        if self._roc_by_tag:
            out += self._roc(batch, rows)
        return out

    def _vector(self, batch: SampleBatch, rows: np.ndarray | None) -> list[AlarmChange]:
        tags = batch.tag_idx if rows is None else batch.tag_idx[rows]
        if rows is None:
            rows = np.arange(len(tags))
        if self._v_tag_pos is not None:
            k = self._v_k
            pos = np.take(self._v_tag_pos, tags, axis=0).ravel()  # take: much faster than [] for rows
            r = np.repeat(rows, k) if k > 1 else rows
            have = pos >= 0
            if not have.all():
                pos = pos[have]
                if not len(pos):
                    return []
                r = r[have]
        else:  # a tag with many alarms (e.g. one per state of an enum): CSR expansion
            starts = self._v_off[tags]
            cnt = self._v_off[tags + 1] - starts
            total = int(cnt.sum())
            if not total:
                return []
            rep = np.repeat(np.arange(len(rows)), cnt)
            pos = starts[rep] + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            r = rows[rep]
        v = batch.value[r]
        st = batch.status[r]
        old = self._v_raw[pos]
        par = np.take(self._v_par, pos, axis=0)
        # Once in alarm the deadband is added: the alarm clears only beyond limit -/+ deadband.
        # NaN compares False, and is then held by `valid`.
        new = par[:, 1] * (v - par[:, 0]) + par[:, 2] * old >= 0
        valid = (st < BAD) & (v == v)
        if self._has_special:
            op = self._v_op[pos]
            if (op >= _OP_EQ).any():
                thr = par[:, 3]
                new = np.where(op == _OP_EQ, v == thr, new)
                new = np.where(op == _OP_NE, v != thr, new)
                is_q = op == _OP_QUAL
                new = np.where(is_q, (st >> np.uint32(30)) >= thr, new)
                valid |= is_q
        new = np.where(valid, new, old)
        changed = np.nonzero(new != old)[0]
        if not len(changed):
            return []
        cpos = pos[changed]
        self._v_raw[cpos] = new[changed]
        alarms = self._v_alarm[cpos].tolist()
        return list(zip(alarms, new[changed].tolist(), r[changed].tolist(), v[changed].tolist(), strict=True))

    def _roc(self, batch: SampleBatch, rows: np.ndarray | None) -> list[AlarmChange]:
        if rows is None:
            rows = np.arange(len(batch))
        hit = self._roc_tag_mask[batch.tag_idx[rows]]
        if not hit.any():
            return []
        out: list[AlarmChange] = []
        for row in rows[hit].tolist():
            v = float(batch.value[row])
            if int(batch.status[row]) >= BAD or math.isnan(v):
                continue
            ts = float(batch.source_ts[row])  # a rate is a process property: the PLC's time
            if math.isnan(ts):
                ts = float(batch.received_ts[row])
            for i in self._roc_by_tag[int(batch.tag_idx[row])]:
                d = self._defs[i]
                hist = self._roc_hist[i]
                if hist and ts <= hist[-1][0]:
                    continue  # out of order or duplicate timestamp: no rate from it
                hist.append((ts, v))
                start = ts - d.window_s
                # Keep the last sample at or before the window start: values are sent on change,
                # so it holds the value the tag had when the window started.
                while len(hist) >= 2 and hist[1][0] <= start:
                    hist.popleft()
                t0, v0 = hist[0]
                if len(hist) < 2 or ts - t0 <= 0:
                    continue
                rate = (v - v0) / d.window_s if t0 <= start else (v - v0) / (ts - t0)
                signed = rate if d.direction == "rise" else (-rate if d.direction == "fall" else abs(rate))
                was = self._roc_raw[i]
                raw = signed >= (d.limit - d.deadband if was else d.limit)
                if raw != was:
                    self._roc_raw[i] = raw
                    out.append((i, raw, row, v))
        return out
