"""Expected answers by independent SQL over a recorded journal's raw tables (the evaluation's truth).

Shared by the dev set (bench/assistant.py) and the held-out set (bench/assistant_heldout/questions.py);
never the assistant's own tools: states from the state tag's samples, counters by differences,
alarm states from the last transition per alarm, time-weighted means by sample-and-hold.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import assistant as dev  # bench/assistant.py: Db and the sample/stop helpers


def _good(status: int) -> bool:
    return (int(status) & 0xC0000000) == 0


class Truth:
    def __init__(self, db: Any) -> None:
        self.db = db

    def series(self, tag: str) -> list[tuple[float, float]]:
        return [(ts, float(v)) for ts, v, s in dev._samples(self.db, tag) if v is not None and _good(s)]

    def last_value(self, tag: str) -> float:
        return self.series(tag)[-1][1]

    def state_changes(self, m: str) -> list[tuple[float, int]]:
        out: list[tuple[float, int]] = []
        for ts, v in self.series(f"{m}.state"):
            if not out or out[-1][1] != int(v):
                out.append((ts, int(v)))
        return out

    def state_at(self, m: str, t: float) -> int:
        st = [v for ts, v in self.state_changes(m) if ts <= t]
        return st[-1] if st else -1

    def stops(self, m: str) -> list[tuple[float, int, str]]:
        return dev._stops(self.db, m)

    def downtime(self, m: str, a: float, b: float) -> float:
        ch = self.state_changes(m)
        down, started = 0.0, False
        for (ts, v), nxt in zip(ch, [*(x[0] for x in ch[1:]), b], strict=True):
            started = started or v == 2
            lo, hi = max(ts, a), min(nxt, b)
            if started and v in (0, 4) and hi > lo:
                down += hi - lo
        return down

    def down_to_running(self, m: str, end: float) -> float:
        """Seconds from each stop (Stopped or Faulted) to Running again, as the Production view counts a
        stop; the record's first seconds, before the machine first runs, are a stop too."""
        total, since = 0.0, None
        for ts, v in self.state_changes(m):
            if v in (0, 4) and since is None:
                since = ts
            elif v == 2 and since is not None:
                total, since = total + ts - since, None
        return total + (end - since if since is not None else 0.0)

    def tw_mean(self, tag: str, a: float, b: float) -> float:
        """Time-weighted mean of good samples over [a, b): each value held until the next sample."""
        rows = [(ts, v, s) for ts, v, s in dev._samples(self.db, tag) if ts < b]
        acc = w = 0.0
        for i, (ts, v, s) in enumerate(rows):
            nxt = rows[i + 1][0] if i + 1 < len(rows) else b
            lo, hi = max(ts, a), min(nxt, b)
            if hi <= lo or v is None or not _good(s):
                continue
            acc += float(v) * (hi - lo)
            w += hi - lo
        return acc / w

    def vmax(self, tag: str, a: float, b: float) -> float:
        return max(v for ts, v in self.series(tag) if a <= ts < b)

    def counter(self, tag: str, a: float, b: float) -> float:
        rows = self.series(tag)
        before = [v for ts, v in rows if ts < a]
        vals = ([before[-1]] if before else []) + [v for ts, v in rows if a <= ts < b]
        tot = 0.0
        for p, n in itertools.pairwise(vals):
            tot += n - p if n >= p else n
        return tot

    def last_alarms(self) -> dict[str, dict[str, Any]]:
        rows = self.db.q(
            "SELECT json_extract(data,'$.alarm'), data FROM events e WHERE kind='alarm' AND"
            " json_extract(data,'$.event')='transition' AND id=(SELECT max(id) FROM events e2 WHERE"
            " e2.kind='alarm' AND json_extract(e2.data,'$.alarm')=json_extract(e.data,'$.alarm'))"
        )
        return {a: json.loads(d) for a, d in rows}

    def unacked(self, d: dict[str, Any]) -> bool:
        return not d["acked"] and d["state"] not in ("normal", "shelved", "suppressed", "out_of_service")
