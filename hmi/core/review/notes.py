"""The reviewer's own notes: notes on an instant, bookmarks and stop reasons, kept in a file next to each
journal (`<journal>.review.json`), never in the journal itself.

The journal is evidence: a review opens it read-only and nothing here touches it. A note belongs to the
journal file whose period holds its time (else the nearest one), so reopening the file alone or its
whole directory shows the same notes. A stop reason noted here is the reviewer's proposal; it reaches the
production figures only through the audited production path (`hmi.core.production`, supervisor role),
which the live application applies.

A notes file that cannot be read is named and left as it is: new notes are then refused for it (not
written over it), so nobody's earlier notes are lost to a parse error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from hmi.core.users import User

FORMAT = "linehmi-review-notes"
VERSION = 1
SUFFIX = ".review.json"


class NoteKind(StrEnum):
    NOTE = "note"  # a remark on an instant
    BOOKMARK = "bookmark"  # an instant to come back to
    STOP_REASON = "stop_reason"  # the reviewer's reason for a machine's stop


class NotesError(Exception):
    """A notes file could not be read or written; str() names the file and what was expected."""


@dataclass(frozen=True)
class ReviewNote:
    kind: NoteKind
    t: float  # the instant (a stop reason: the stop's start)
    text: str
    author: str = ""
    machine: str = ""  # stop reasons: the machine that stopped
    reason: str = ""  # stop reasons: a code of the line's reason tree, or free text
    created: float = 0.0
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def title(self) -> str:
        when = dt.datetime.fromtimestamp(self.t).strftime("%H:%M:%S")
        if self.kind == NoteKind.STOP_REASON:
            head = f"{when} stop reason {self.machine}: {self.reason}"
            return head + (f" ({self.text})" if self.text else "")
        return f"{when} {self.kind.value}: {self.text}"

    @classmethod
    def from_data(cls, d: Any, where: str) -> ReviewNote:
        if not isinstance(d, dict):
            raise NotesError(f"{where}: a note must be an object, got {type(d).__name__}")
        try:
            kind = NoteKind(str(d.get("kind")))
        except ValueError:
            raise NotesError(
                f"{where}: kind {d.get('kind')!r} is not one of {[k.value for k in NoteKind]}"
            ) from None
        t = d.get("t")
        if not isinstance(t, int | float) or isinstance(t, bool) or t != t:
            raise NotesError(f"{where}: 't' must be a time in seconds, got {t!r}")
        texts = {k: d.get(k, "") for k in ("text", "author", "machine", "reason", "id")}
        for k, v in texts.items():
            if not isinstance(v, str):
                raise NotesError(f"{where}: {k!r} must be text, got {v!r}")
        created = d.get("created", 0.0)
        if not isinstance(created, int | float) or isinstance(created, bool):
            raise NotesError(f"{where}: 'created' must be a time in seconds, got {created!r}")
        return cls(
            kind,
            float(t),
            texts["text"],
            texts["author"],
            texts["machine"],
            texts["reason"],
            float(created),
            texts["id"] or uuid.uuid4().hex[:12],
        )


def note_author(reviewer: User | None, pc_account: str) -> str:
    """Who wrote a note, as the notes table and file say it: the reviewer logged in with the line's
    users file, name and role; with nobody logged in, that and the PC account the review ran under,
    never the PC account alone as if it were a user of the line (qa7 G40: "by: root" for a note a
    supervisor wrote)."""
    if reviewer is not None:
        return f"{reviewer.name} ({reviewer.role.label})"
    return f"not logged in (PC account {pc_account})" if pc_account else "not logged in"


def notes_path(journal: Path) -> Path:
    return journal.with_name(journal.name + SUFFIX)


@dataclass(frozen=True)
class JournalSpan:
    path: Path
    t0: float
    t1: float


class ReviewNotes:
    """The notes of one review: read from the notes files of its journals, saved on every change."""

    def __init__(self, spans: Sequence[JournalSpan], line_id: str, clock: Callable[[], float] = time.time):
        if not spans:
            raise ValueError("a review has at least one journal file")
        self.spans = sorted(spans, key=lambda s: s.t0)
        self.line_id = line_id
        self._clock = clock
        self._notes: dict[Path, list[ReviewNote]] = {}
        self.problems: list[str] = []
        self._unreadable: set[Path] = set()
        for span in self.spans:
            try:
                self._notes[span.path] = self._read(span.path)
            except NotesError as exc:
                self.problems.append(str(exc))
                self._unreadable.add(span.path)
                self._notes[span.path] = []

    # --- reading -------------------------------------------------------------------------------
    def _read(self, journal: Path) -> list[ReviewNote]:
        path = notes_path(journal)
        if not path.exists():
            return []
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise NotesError(f"review notes {path}: unreadable ({exc}); left as it is") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise NotesError(
                f"review notes {path}: not a LineHMI review notes file (format {FORMAT!r}); left as it is"
            )
        if doc.get("line_id") not in (None, self.line_id):
            raise NotesError(
                f"review notes {path}: notes of line {doc.get('line_id')!r}, not {self.line_id!r}; left as it is"
            )
        notes = doc.get("notes", [])
        if not isinstance(notes, list):
            raise NotesError(f"review notes {path}: 'notes' must be a list; left as it is")
        return [ReviewNote.from_data(d, f"review notes {path}, note {k + 1}") for k, d in enumerate(notes)]

    def all(self) -> list[ReviewNote]:
        return sorted((n for ns in self._notes.values() for n in ns), key=lambda n: (n.t, n.created))

    # --- writing ---------------------------------------------------------------------------------
    def journal_for(self, t: float) -> Path:
        """The journal file whose period holds t, else the nearest one."""
        inside = [s for s in self.spans if s.t0 <= t <= s.t1]
        if inside:
            return inside[-1].path
        return min(self.spans, key=lambda s: min(abs(t - s.t0), abs(t - s.t1))).path

    def add(
        self,
        kind: NoteKind,
        t: float,
        text: str,
        *,
        author: str = "",
        machine: str = "",
        reason: str = "",
    ) -> ReviewNote:
        text = text.strip()
        if kind == NoteKind.STOP_REASON:
            if not machine or not reason.strip():
                raise ValueError("a stop reason needs the machine and the reason")
        elif not text:
            raise ValueError(f"a {kind.value} needs a text")
        note = ReviewNote(kind, float(t), text, author, machine, reason.strip(), self._clock())
        journal = self.journal_for(note.t)
        self._save(journal, [*self._notes[journal], note])
        return note

    def remove(self, note_id: str) -> None:
        for journal, notes in self._notes.items():
            kept = [n for n in notes if n.id != note_id]
            if len(kept) != len(notes):
                self._save(journal, kept)
                return
        raise KeyError(f"no note with id {note_id!r}")

    def _save(self, journal: Path, notes: list[ReviewNote]) -> None:
        path = notes_path(journal)
        if journal in self._unreadable:
            raise NotesError(
                f"review notes {path}: could not be read when the review opened; not written over"
            )
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "line_id": self.line_id,
            "journal": journal.name,
            "notes": [{**asdict(n), "kind": n.kind.value} for n in sorted(notes, key=lambda n: n.t)],
        }
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise NotesError(
                f"review notes {path}: cannot be written ({exc.strerror or exc}); the journal's folder "
                "must be writable for notes (the journal itself is never written)"
            ) from None
        self._notes[journal] = notes
