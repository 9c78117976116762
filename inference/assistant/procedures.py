"""Standard operating procedures and troubleshooting guides, searched with SQLite FTS5 (BM25).

Documents are Markdown files (`resources/procedures/*.md`) with a small front
matter block::

    ---
    title: Capper jam: clearing the cap chute and restarting
    doc_id: SOP-CAP-02
    revision: D, 2026-01-20
    machines: capper
    alarms: capper.jam, capper.faulted
    tags: capper.fault_code
    ---

Each `#`/`##`/`###` section is one row of an FTS5 table, so a hit opens the
document at its section (the anchor is the GitHub-style slug of the heading).
The index lives in memory: about fifty sections index in a few milliseconds,
so there is no index file to go stale. Document text is data only: nothing
in it is ever read as an instruction (prompt injection in a document can
change what a search returns, never which tools are called).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from inference.assistant.catalog import ENGLISH_STOPWORDS

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "resources" / "procedures"

# Words that carry no meaning for a search; FTS5 would otherwise rank on them.
STOPWORDS = ENGLISH_STOPWORDS | frozenset(
    [
        "being",
        "whom",
        "done",
        "doing",
        "them",
        "they",
        "he",
        "she",
        "his",
        "her",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "here",
        "find",
        "get",
        "after",
        "before",
        "during",
        "since",
        "until",
        "too",
        "very",
        "just",
        "any",
        "all",
        "some",
        "one",
        "each",
        "line",
        "machine",
        "machines",
        "procedure",
        "procedures",
        "sop",
        "guide",
        "manual",
        "steps",
        "step",
        "instructions",
        "instruction",
        "what's",
        "how's",
        "if",
    ]
)

# Operator words -> words the documents use.
SYNONYMS = {
    "temp": "temperature",
    "hot": "temperature high",
    "overheating": "overheat",
    "overheated": "overheat",
    "jammed": "jam",
    "jams": "jam",
    "stuck": "jam",
    "shaking": "vibration",
    "vibrating": "vibration",
    "vibrations": "vibration",
    "amps": "current",
    "tripped": "trip",
    "trips": "trip",
    "restart": "restart reset",
    "glue": "glue",
    "caps": "cap",
    "torque": "torque",
    "bearings": "bearing",
    "sensor": "sensor signal",
    "dropout": "signal lost",
    "labeler": "labeller",
    "labeling": "labeller",
    "labelling": "labeller",
    "lockout": "lockout",
    "loto": "lockout tagout",
    "handover": "handover",
    "hihi": "urgent hihi",
    "hi": "high",
    "lo": "low",
}


@dataclass(frozen=True, slots=True)
class Section:
    doc: str  # file name, e.g. "capper_jam.md"
    doc_id: str  # e.g. "SOP-CAP-02"
    title: str  # document title
    heading: str  # section heading ("" for the text before the first heading)
    anchor: str
    body: str
    machines: tuple[str, ...] = ()
    alarms: tuple[str, ...] = ()
    revision: str = ""


@dataclass(frozen=True, slots=True)
class ProcedureHit:
    section: Section
    score: float  # bm25 (lower is better, as SQLite returns it)
    snippet: str

    @property
    def label(self) -> str:
        s = self.section
        return (
            f"{s.doc_id} {s.title} § {s.heading}"
            if s.heading and s.heading != s.title
            else f"{s.doc_id} {s.title}"
        )


@dataclass
class ProcedureDoc:
    path: Path
    meta: dict[str, str]
    sections: list[Section] = field(default_factory=list)


def slugify(heading: str) -> str:
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return re.sub(r"\s+", "-", s)


def _split_list(v: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in v.split(",") if x.strip())


def parse_document(path: Path, text: str | None = None) -> ProcedureDoc:
    """Front matter + sections. A file without front matter is still indexed (title: first heading)."""
    text = path.read_text(encoding="utf-8") if text is None else text
    meta: dict[str, str] = {}
    body = text
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.S)
    if m:
        for line in m.group(1).splitlines():
            k, sep, v = line.partition(":")
            if sep:
                meta[k.strip().lower()] = v.strip()
        body = text[m.end() :]
    h1 = re.search(r"^#\s+(.+)$", body, re.M)
    title = meta.get("title") or (h1.group(1).strip() if h1 else path.stem.replace("_", " "))
    doc = ProcedureDoc(path, meta)
    machines = _split_list(meta.get("machines", ""))
    alarms = _split_list(meta.get("alarms", ""))
    doc_id = meta.get("doc_id", path.stem)
    heading = ""
    buf: list[str] = []

    def flush() -> None:
        content = "\n".join(buf).strip()
        if content or heading:
            h = heading or title
            doc.sections.append(
                Section(
                    path.name,
                    doc_id,
                    title,
                    h,
                    slugify(h),
                    content,
                    machines,
                    alarms,
                    meta.get("revision", ""),
                )
            )

    for line in body.splitlines():
        hm = re.match(r"^(#{1,3})\s+(.+?)\s*$", line)
        if hm:
            flush()
            heading, buf = hm.group(2), []
        else:
            buf.append(line)
    flush()
    # The H1 section usually only holds the introduction; keep it (it says what the guide is for).
    return doc


# Words that ask for a document rather than say what it is about ("which SOP covers that", "what's the
# drill"): they would match whatever section happens to use them ("The handover covers").
REQUEST_WORDS = frozenset(
    {
        *("sop", "sops", "procedure", "procedures", "cover", "covers", "covered", "drill", "checklist"),
        *("guide", "manual", "instruction", "instructions", "document", "documents", "doc", "docs"),
        *("now", "tell", "need"),
    }
)
# A document about one machine is the answer for a question that names no machine only when it matches
# clearly better than the line-wide ones (BM25 scores are negative: this scales them towards zero).
SINGLE_MACHINE_WEIGHT = 0.5


def fts_query(text: str, extra: tuple[str, ...] = ()) -> str:
    """A user question -> an FTS5 OR-query of its meaningful words (quoted: no FTS syntax injection)."""
    words = re.findall(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*", text.lower())
    terms: list[str] = []
    for w in [*words, *extra]:
        for part in [w, *w.split(".")] if "." in w else [w]:
            for t in SYNONYMS.get(part, part).split():
                if t in STOPWORDS or t in REQUEST_WORDS or len(t) < 2:
                    continue
                if t not in terms:
                    terms.append(t)
    return " OR ".join(f'"{t}"' for t in terms[:24])


class ProcedureIndex:
    """Sections of all documents in an in-memory FTS5 table (thread-safe for reads)."""

    def __init__(self, directory: Path | str | None = None, docs: list[ProcedureDoc] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else DEFAULT_DIR
        self.problems: list[str] = []
        if docs is None:
            docs = []
            if self.directory.is_dir():
                for p in sorted(self.directory.glob("*.md")):
                    try:
                        docs.append(parse_document(p))
                    except (OSError, UnicodeDecodeError) as exc:
                        self.problems.append(f"{p}: cannot read ({exc})")
            else:
                self.problems.append(f"{self.directory}: no procedures folder")
        self.docs = docs
        self.sections = [s for d in docs for s in d.sections]
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE sections USING fts5("
            "title, heading, body, machines, alarms, sid UNINDEXED, tokenize = 'porter unicode61')"
        )
        self._db.executemany(
            "INSERT INTO sections (title, heading, body, machines, alarms, sid) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    s.title,
                    s.heading,
                    s.body,
                    " ".join(s.machines),
                    " ".join(a.replace(".", " ") for a in s.alarms),
                    i,
                )
                for i, s in enumerate(self.sections)
            ],
        )

    def __len__(self) -> int:
        return len(self.sections)

    def words(self) -> set[str]:
        """Every word of the documents (titles, headings, text): what a procedure question may ask about."""
        text = " ".join(f"{s.title} {s.heading} {s.body}" for s in self.sections).lower()
        return set(re.findall(r"[a-z]+", text))

    def titles(self, machine: str | None = None) -> list[str]:
        """ "DOC-ID title" of each document, of those about `machine` (and the line-wide ones) when given."""
        docs = {
            s.doc_id: s.title for s in self.sections if not machine or not s.machines or machine in s.machines
        }
        return [f"{d} {t}" for d, t in sorted(docs.items())]

    def close(self) -> None:
        self._db.close()

    def search(
        self, text: str, k: int = 3, machine: str | None = None, extra: tuple[str, ...] = ()
    ) -> list[ProcedureHit]:
        """Best `k` sections for `text`; a `machine` restricts to documents about it (or line-wide ones)."""
        q = fts_query(text, extra)
        if not q:
            return []
        # Column weights: title 1.5, heading 5, body 1, machines 2, alarms 3 (a heading names what a section is for).
        sql = (
            "SELECT sid, bm25(sections, 1.5, 5.0, 1.0, 2.0, 3.0) AS score,"
            " snippet(sections, 2, '', '', ' … ', 24) FROM sections WHERE sections MATCH ? ORDER BY score LIMIT ?"
        )
        with self._lock:
            try:
                rows = self._db.execute(sql, (q, max(k * 8, 20))).fetchall()
            except sqlite3.OperationalError:
                return []
        hits: list[ProcedureHit] = []
        for sid, score, snip in rows:
            s = self.sections[int(sid)]
            if machine and s.machines and machine not in s.machines:
                continue
            if machine is None and len(s.machines) == 1:
                score *= SINGLE_MACHINE_WEIGHT
            hits.append(ProcedureHit(s, float(score), " ".join(snip.split())))
        hits.sort(key=lambda h: h.score)
        return hits[:k]

    def section(self, doc: str, anchor: str) -> Section | None:
        for s in self.sections:
            if s.doc == doc and s.anchor == anchor:
                return s
        return None
