"""Read-only access to the journal files the assistant answers from.

Either explicit files (`linehmi ask --db A.db --db B.db`) or a journal
directory with daily files (the running app): then only the files a time
range can touch are opened (`files_for_range`). Every open is read-only
(`open_journal_readonly`), so asking a question never modifies a shift's record.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmi.core.journal_read import JournalError, TagSamples, open_journal_readonly
from hmi.core.journal_schema import files_for_range, journal_files


@dataclass(frozen=True, slots=True)
class Ev:
    """An event as the assistant sees it; `file` + `id` identify it (ids restart in each file)."""

    id: int
    file: str
    ts: float
    kind: str
    source: str
    user: str
    severity: int
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{Path(self.file).stem}#{self.id}"


class JournalSource:
    def __init__(
        self,
        paths: Sequence[Path | str] = (),
        directory: Path | str | None = None,
        line_id: str | None = None,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.directory = Path(directory) if directory is not None else None
        self.line_id = line_id
        if not self.paths and (self.directory is None or not line_id):
            raise ValueError("a JournalSource needs files, or a directory and a line id")
        for p in self.paths:
            if not p.is_file():
                raise JournalError(f"journal file {p}: not found", p)

    def files(self, t0: float | None = None, t1: float | None = None) -> list[Path]:
        if self.paths:
            return list(self.paths)
        assert self.directory is not None and self.line_id is not None
        return files_for_range(self.directory, self.line_id, t0, t1)

    def all_files(self) -> list[Path]:
        if self.paths:
            return list(self.paths)
        assert self.directory is not None and self.line_id is not None
        return [p for _d, p in journal_files(self.directory, self.line_id)]

    # --- reading --------------------------------------------------------------------------------
    def _each(self, files: Iterable[Path]) -> Iterable[tuple[Path, sqlite3.Connection]]:
        for p in files:
            try:
                r = open_journal_readonly(p)
            except JournalError:
                continue  # a file being rotated or a stray copy: answer from the others
            try:
                yield p, r.conn
            finally:
                r.close()

    def events(
        self,
        t0: float | None = None,
        t1: float | None = None,
        kinds: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[Ev]:
        where = "1"
        args: list[Any] = []
        if t0 is not None:
            where += " AND ts >= ?"
            args.append(float(t0))
        if t1 is not None:
            where += " AND ts < ?"
            args.append(float(t1))
        if kinds is not None:
            kl = [str(k) for k in kinds]
            where += f" AND kind IN ({','.join('?' * len(kl))})"
            args += kl
        if sources is not None:
            sl = list(sources)
            where += f" AND source IN ({','.join('?' * len(sl))})"
            args += sl
        order = "DESC" if newest_first else "ASC"
        sql = (
            "SELECT id, ts, kind, source, user, severity, message, data FROM events"
            f" WHERE {where} ORDER BY ts {order}, id {order}"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        out: list[Ev] = []
        for p, conn in self._each(self.files(t0, t1)):
            for rid, ts, kind, source, user, sev, msg, data in conn.execute(sql, args):
                try:
                    d = json.loads(data) if data else {}
                except ValueError:
                    d = {"raw": data}
                out.append(
                    Ev(
                        rid,
                        p.name,
                        float(ts),
                        kind,
                        source or "",
                        user or "",
                        int(sev or 0),
                        msg or "",
                        d if isinstance(d, dict) else {"value": d},
                    )
                )
        out.sort(key=lambda e: (e.ts, e.id), reverse=newest_first)
        return out[:limit] if limit is not None else out

    def samples(self, tags: Sequence[str], t0: float | None, t1: float | None) -> dict[str, TagSamples]:
        parts: dict[str, list[TagSamples]] = {t: [] for t in tags}
        for _p, conn in self._each(self.files(t0, t1)):
            ids = dict(conn.execute("SELECT name, id FROM tags"))
            sql = "SELECT source_ts, server_ts, received_ts, value, status FROM samples WHERE tag_id = ?"
            args_t: list[float] = []
            if t0 is not None:
                sql += " AND source_ts >= ?"
                args_t.append(float(t0))
            if t1 is not None:
                sql += " AND source_ts < ?"
                args_t.append(float(t1))
            sql += " ORDER BY source_ts, id"
            for t in tags:
                if t in ids:
                    parts[t].append(TagSamples.from_rows(t, conn.execute(sql, [ids[t], *args_t]).fetchall()))
        return {t: TagSamples.concat(t, parts[t]) for t in tags}

    def last_before(self, tag: str, t: float | None) -> tuple[float, float, int] | None:
        """(source_ts, value, status) of the newest sample of `tag` before `t` (None: ever)."""
        best: tuple[float, float, int] | None = None
        files = self.files(None, t) if t is not None else self.all_files()
        # Newest files first: the answer is almost always in the last one.
        for _p, conn in self._each(reversed(files)):
            row = conn.execute("SELECT id FROM tags WHERE name = ?", (tag,)).fetchone()
            if row is None:
                continue
            sql = "SELECT source_ts, value, status FROM samples WHERE tag_id = ?"
            args: list[Any] = [row[0]]
            if t is not None:
                sql += " AND source_ts < ?"
                args.append(float(t))
            r = conn.execute(sql + " ORDER BY source_ts DESC LIMIT 1", args).fetchone()
            if r is not None:
                v = float("nan") if r[1] is None else float(r[1])
                cand = (float(r[0]), v, int(r[2]) & 0xFFFFFFFF)
                if best is None or cand[0] > best[0]:
                    best = cand
                if best is not None and not self.paths:
                    break
        return best

    def span(self) -> tuple[float | None, float | None]:
        """First and last timestamp of anything recorded (samples and events)."""
        lo: float | None = None
        hi: float | None = None
        for _p, conn in self._each(self.all_files()):
            for sql in (
                "SELECT min(ts), max(ts) FROM events",
                "SELECT min(first_source_ts), max(last_source_ts) FROM commits",
            ):
                try:
                    a, b = conn.execute(sql).fetchone()
                except sqlite3.Error:
                    continue
                if a is not None and math.isfinite(a):
                    lo = a if lo is None else min(lo, a)
                if b is not None and math.isfinite(b):
                    hi = b if hi is None else max(hi, b)
        return lo, hi

    def meta_and_tags(self) -> tuple[dict[str, str], list[dict[str, Any]]]:
        files = self.all_files()
        for _p, conn in self._each(reversed(files)):
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            cur = conn.execute("SELECT * FROM tags ORDER BY id")
            cols = [d[0] for d in cur.description]
            return meta, [dict(zip(cols, r, strict=True)) for r in cur]
        return {}, []
