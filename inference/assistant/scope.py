"""What the plant data holds, and the words of a question that name nothing in it.

A question is answered only when its subject resolves to something the data holds. A list of
off-data subjects (suppliers, prices, the weather) is never complete: "what's the maintenance
budget", "is the canteen open" and "who designed the labeller" name subjects nobody listed, and the
intents' everyday words ("running", "what is", "line") then routed them to machine answers. So the
check goes the other way: every content word of the question must be explained by

- the line's own vocabulary: machine ids, names and aliases, tag names, labels, descriptions and state
  labels, alarm names, the production reason tree, the users' roles (`Catalog`, `ProductionSetup`);
- a phrase the router's own intent patterns matched in this question (their vocabulary, never their
  wildcards: `\\bis the \\w+ running` explains "is the ... running", not what stands in the `\\w+`);
- for a procedure question, the words of the procedure documents (those are the answer's data);
- words that carry no subject: grammar, question frames, time and quantity words, words for the data
  itself (`CONVERSATION_WORDS`, `language.GRAMMAR`).

What is left names something the data does not hold, and the router declines naming it. Misspellings
close to a known word (`difflib`, 0.85) are not left over; identifiers with a dot (tag names, user ids)
are the router's own business (it names an unknown one).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hmi.core.alarms import kpi
from hmi.core.alarms.event_codec import AlarmSnapshot
from hmi.core.users import Role
from inference.assistant.catalog import FUNCTION_WORDS, MACHINE_ALIASES, TAG_SYNONYMS, Catalog
from inference.assistant.language import GRAMMAR


def _split(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Words that name no subject of their own: they frame, qualify or time a question about whatever
# else it names. General English, not this line's (the line's words come from its data).
CONVERSATION_WORDS = _split(
    """
    i me my mine we us our ours you your yours he him his she her they them their theirs it its itself
    this that these those some any all each every both either neither none no nor much many more most
    less least few several other others another same such own anything something nothing everything
    anyone someone somebody anybody nobody everyone everybody one ones whatever whichever
    be am is are was were been being have has had having do does did done doing will would shall
    should can could may might must ought get gets got getting gotten go goes went gone going come comes
    came coming make makes made making see sees saw seen seeing look looks looked looking know knows
    knew known tell tells told give gives gave given show shows showed shown find finds found need needs
    needed want wants wanted like think thinks thought seem seems seemed happen happens happened
    happening keep keeps kept let lets take takes took taken put say says said mean means meant
    explain describe remind help use uses used using list count counts counted check checked report draft
    write prepare create generate compose detect detected spot spotted notice noticed catch caught flag
    flagged miss missed register registered
    summarise summarize compare compared become became stay stayed leave left reach reached
    not also too just only even still already yet again ever never always often sometimes usually
    really actually exactly roughly approximately about around almost nearly quite very rather so then
    there here right soon currently recently lately please thanks thank okay ok hi hello hey quickly
    briefly anyway else instead overall altogether together wise entire complete full
    of in on at to for from by with without into onto over under above below between through during
    before after since until till while within across behind near up down out off and or but if
    because than as whether though although per via against along toward towards beside besides
    what whats which who whom whose when where why how
    thing things stuff problem problems issue issues trouble situation picture overview summary update
    info information detail details number numbers amount total totals figure figures question answer
    moment way kind kinds sort sorts type types class classes category categories part point side level
    levels case example whole rest lot lots bit fraction percentage percent proportion ratio share rate
    rates sum
    second seconds sec secs minute minutes min mins hour hours hr hrs day days week weeks month months
    year years morning afternoon evening night tonight today yesterday time times period periods window
    earlier later recent last first next previous past ago start started end ended beginning half
    quarter early late latest
    good bad better worse best worst high higher highest low lower lowest big bigger biggest small
    smaller smallest long longer longest short shorter shortest new old normal usual fine wrong right
    main important average mean max maximum min minimum top
    zero two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty
    hundred thousand once twice
    data recorded record records journal log logged history trend trends chart plant line lines machine
    machines signal signals tag tags value values sensor sensors event events reading readings
    measurement measurements measured unit units limit limits band setting settings
    hmi system systems screen screens display app application software panel view
    """
)

# Words that make a question about the line even with no machine or tag in it (the language model
# may then choose a tool for it; pure nonsense never reaches the model).
DOMAIN_WORDS = _split(
    """
    alarm alarms stop stops stopped reject rejects defect defects shift line machine machines fault faults
    risk procedure quality production bottle bottles jam jams trip maintenance kpi event events operator
    handover downtime worry worried problem problems issue issues wrong trouble concern attention failure
    fail broken health status running plant output
    """
)

_WORD = re.compile(r"[a-zäöüß][a-zäöüß'’\-]*(?:\.[a-z0-9_]+)*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_CJK_GRAMMAR = sorted((g for g in GRAMMAR if _CJK_RUN.fullmatch(g)), key=len, reverse=True)
_SUFFIXES = ("ations", "ation", "ions", "ion", "ments", "ment", "ing", "ed", "es", "s", "er", "ly")
# What may follow a pattern's stem inside one word (`\bdefect` in "defective"); anything else
# ("inspect" + "aaa") is another word that only begins like a plant word.
_ENDINGS = _split("s es ed ing ion ions ive or ors er ers ly al ment ments")


def stem(word: str) -> str:
    """A crude English stem that makes "stopped"/"stop", "labels"/"labeller", "causes"/"cause" meet."""
    w = word.lower().replace("’", "'")
    w = w.removesuffix("'s").strip("'-")
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    w = w.removesuffix("e") if len(w) > 3 else w
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


def _record_words() -> set[str]:
    """The field names of the records the tools answer from (alarm rows, the alarm KPI report): what
    they hold is data ("annunciated", "chattering", "stale", "shelved")."""
    classes = [
        AlarmSnapshot,
        kpi.KpiReport,
        kpi.AlarmCount,
        kpi.ChatteringAlarm,
        kpi.StaleAlarm,
        kpi.StandingAlarm,
    ]
    return {w for c in classes for f in dataclasses.fields(c) for w in f.name.split("_") if w.isalpha()}


def _stems(words: Iterable[str]) -> set[str]:
    return {stem(w) for w in words if w}


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-zäöüß]+", text.lower()) if w]


# A wildcard inside an intent pattern stands for the question's own words (a machine, a subject):
# what it matches is not explained by the pattern.
_ESCAPE = re.compile(r"\\[a-zA-Z]")  # \b, \w, \s in a pattern's source are no words
_WILDCARD = re.compile(r"\.\*\??|\\w\+|\[[^\]]*\]\+")


def _pattern_words(patterns: Iterable[re.Pattern[str]]) -> set[str]:
    """The literal words of intent patterns ("camera", "breakdown"), as typed."""
    return {w for p in patterns for w in re.findall(r"[a-z]{3,}", _ESCAPE.sub(" ", p.pattern))}


def _slotted(rx: re.Pattern[str]) -> re.Pattern[str]:
    n = 0

    def slot(m: re.Match[str]) -> str:
        nonlocal n
        n += 1
        return f"(?P<_slot{n}>{m.group(0)})"

    return re.compile(_WILDCARD.sub(slot, rx.pattern), rx.flags)


@dataclass(frozen=True, slots=True)
class OffData:
    """The words of a question that name nothing the plant data holds."""

    words: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.words)

    def text(self) -> str:
        quoted = ", ".join(f"\u201c{w}\u201d" for w in self.words[:3])
        return f"it records nothing about {quoted}"

    def localized(self) -> dict[str, str]:
        return {
            "de": "sie enthalten nichts über " + ", ".join(f"\u201e{w}\u201c" for w in self.words[:3]),
            "zh": "数据中没有关于" + "、".join(f"\u201c{w}\u201d" for w in self.words[:3]) + "的记录",
        }


class Scope:
    """The plant data's vocabulary for one line, and the check of a question against it."""

    def __init__(
        self,
        catalog: Catalog,
        patterns: Sequence[re.Pattern[str]],
        *,
        data_words: Iterable[str] = (),
        procedure_words: Iterable[str] = (),
        intent_words: Iterable[str] = (),
    ) -> None:
        """`patterns`: the router's intent patterns; `intent_words`: its other words for the data (the
        frames of a value question); `data_words`: data beyond the catalog (the reason tree)."""
        words: set[str] = set(CONVERSATION_WORDS) | FUNCTION_WORDS | DOMAIN_WORDS | set(data_words)
        words |= set(intent_words)
        for m in catalog.machines.values():
            words |= {m.id, *_words(m.name)}
            for alias in MACHINE_ALIASES.get(m.id, ()):
                words |= set(_words(alias))
        for t in catalog.tags.values():
            words |= t.words | set(_words(t.label)) | set(_words(t.unit))
            for label in t.states.values():
                words |= set(_words(label))
        for a in catalog.alarms.values():
            words |= set(_words(a.name)) | set(_words(a.id)) | set(_words(a.priority))
        words |= set(TAG_SYNONYMS) | {r.label for r in Role}  # users act in a role; the journal names it
        words |= _record_words()
        # Who or what may own something in a question ("the filler's speed", "the operator's comment",
        # "today's rejects"), as typed: a possessor outside it ("the cleaner's fault") is a subject the
        # data lacks even when its stem is a plant word ("cleaning" is a stop reason, a cleaner is a person).
        self._owners = frozenset(words) | GRAMMAR | _pattern_words(patterns)
        self._data = _stems(words)
        self._data_list = sorted(self._data)
        self._procedures = _stems(procedure_words)
        self._patterns = [_slotted(p) for p in patterns]
        # The intent patterns' own words, wherever they stand in the question: "breakdown" is intent
        # vocabulary even when the pattern's phrase around it ("next breakdown") is not what was asked.
        self._data |= _stems(_pattern_words(patterns))

    def _covered(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the question the intent patterns matched, wildcards left out."""
        spans: list[tuple[int, int]] = []
        for rx in self._patterns:
            for m in rx.finditer(text):
                if m.end() == m.start():
                    continue
                a = m.start()
                holes = sorted(
                    (m.start(g), m.end(g)) for g in m.groupdict() if g.startswith("_slot") and m.start(g) >= 0
                )
                for lo, hi in holes:
                    if lo > a:
                        spans.append((a, lo))
                    a = max(a, hi)
                if m.end() > a:
                    spans.append((a, m.end()))
        return spans

    def known(self, word: str, *, procedure: bool = False) -> bool:
        """Is `word` grammar or a word of the plant data (a procedure question: of the documents too)?"""
        s = stem(word)
        if word in GRAMMAR or s in self._data or (procedure and s in self._procedures):
            return True
        if len(word) >= 6:  # a misspelt plant word ("temprature") is not an unknown subject
            pool = self._data_list + (sorted(self._procedures) if procedure else [])
            return bool(difflib.get_close_matches(s, pool, n=1, cutoff=0.85))
        return False

    def explained(self, word: str) -> bool:
        """Every part of a (hyphenated) word is known, as `off_data` reads it."""
        parts = [p for p in re.split(r"[-'’]", word.lower()) if p]
        return all(self.known(p) or len(p) < 3 for p in parts)

    def off_data(
        self, text: str, *, procedure: bool = False, named: Iterable[tuple[int, int]] = ()
    ) -> OffData:
        """The words of `text` (the question in English words, its time phrase taken out) that nothing
        explains. `named`: spans the router resolved to machines, tags or alarms (misspellings too)."""
        low = text.lower()
        spans = self._covered(low) + list(named)
        out: list[str] = []
        for m in _WORD.finditer(low):
            w = m.group(0).strip("'’-")
            if "." in w or len(w) < 3:
                continue  # identifiers are checked by name; two letters name nothing here
            if any(a <= m.start() < b and (m.end() <= b or low[b : m.end()] in _ENDINGS) for a, b in spans):
                continue
            parts = [p for p in re.split(r"[-'’]", w) if p]
            owner = w[:-2] if w.endswith(("'s", "’s")) else None
            if (
                owner is not None
                and not procedure  # a procedure question's possessors are the documents' words
                and owner not in self._owners
                and owner.rstrip("s") not in self._owners
            ):
                pass  # a possessor the data does not record ("the cleaner's fault")
            elif all(self.known(p, procedure=procedure) or len(p) < 3 for p in parts):
                continue
            if w not in out:
                out.append(w)
        # Characters a Chinese question kept after translation name something the lexicon does not know.
        for m in _CJK_RUN.finditer(text):
            run = m.group(0)
            for g in _CJK_GRAMMAR:
                run = run.replace(g, " ")
            for left in run.split():
                if left not in out:
                    out.append(left)
        return OffData(tuple(out))
