"""Everyday wordings read as the plant words the router knows, by meaning.

Supervisors say "what knocked the labeller out", "the conveyor died on us", "capper was just standing
there", "un-acked", "who signed off the alarms", "binned", "closest to a breakdown", "out of spec",
"pls", "which alarms havent been acknowleged". The router's intents and the scope check know the plant's
own words (stopped, idle, unacknowledged, rejected, likely to fail, out of band). This module rewrites the
first into the second before routing, one table of meanings (what a phrase MEANS on a line, not which
question it came from), plus contractions and a spelling tolerance restricted to the plant's vocabulary.

It only ever maps a phrase to words of the same meaning; it never adds a subject. So a question about
something the data does not hold ("is the forklift moving?", "when is the canteen open?") keeps its
subject and is still declined by the scope check, naming it. A phrase with a context (`needs`) is
rewritten only when the question has that context: "parked" means shelved only in a question about
alarms, never in one about a car park.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Meaning:
    """Phrases (`rx`) that say what `to` says; `needs`: a context the question must have."""

    rx: re.Pattern[str]
    to: str
    needs: re.Pattern[str] | None = None


def _m(to: str, *alts: str, needs: str | None = None) -> Meaning:
    return Meaning(re.compile("|".join(alts), re.I), to, re.compile(needs, re.I) if needs else None)


# A machine in an object position: a single word ("the labeller", "our capper", "line 1" is not one).
_OBJ = r"(?:the |our |that |this )?(?P<obj>[a-z][a-z\-]+)"

# Other words for a machine on a line. "unit" is also a unit of measure and "equipment" is in "overall
# equipment effectiveness": those two are read as a machine only after a machine's name (`Paraphraser`)
# or a word that picks one out ("which unit", "each unit").
_MACHINE_WORD = r"assets?|units?|stations?|equipment|kit|kits|plant items?"

# The table, applied in order (an earlier meaning's output may be read by a later one).
MEANINGS: tuple[Meaning, ...] = (
    _m("machines", r"\b(assets|stations|kits)\b", r"(?<=which )units\b"),
    _m(
        "machine",
        r"\b(asset|station|kit)\b",
        r"(?<!overall )\bequipment\b(?! effectiveness)",
        r"(?:(?<=which )|(?<=every )|(?<=each ))unit\b",
    ),
    # Courtesy and chat words carry no subject: dropped.
    _m("", r"\b(pls|plz|please|thx|thanks|cheers|mate|guys|folks|asap)\b", r"\bon us\b", r"\bfor me\b"),
    _m("right now", r"\brn\b", r"\bright this (second|minute)\b"),
    _m("at the moment", r"\batm\b"),
    # "so far", "until now": the default window (this shift), nothing to name.
    _m("", r"\b(so far|until now|up to now|till now|to date)\b"),
    # A machine taken out of production by something: it stopped.
    _m(
        r"stopped the \g<obj>",
        r"\b(?:knock(?:ed|s)?|took|takes?|put|puts|sent|sends?|brought|brings?|threw|throws?) "
        + _OBJ
        + r" (?:out|offline|off ?line|down|out of action|into (?:a )?fault|into (?:a )?trip)\b",
    ),
    _m(
        "stopped",
        r"\b(died|dies|crashed|conked out|packed (up|in)|gave (up|out)|went (offline|off ?line)|dropped out"
        r"|cut out|broke down|fell over|tripped out|keeled over)\b",
    ),
    _m("stopped", r"\b(offline|off ?line)\b", needs=r"\b(is|was|went|go|gone|taken)\b"),
    # Running again after a stop: "has the filler come back?", "is the capper back up / back online?"
    # (asst13 held-out H6 was declined over "back"). Not "came back": an event anchor's verb ("in the
    # 5 min after the filler came back"), read by the router on the words as typed here.
    _m(
        "running again",
        r"\b(?:come|comes|coming) back(?: up| online| on ?line| into production)?\b",
        r"\bback (?:up|online|on ?line|in (?:service|operation|production|action)|to (?:running|work|normal))\b",
        needs=r"\b(is|are|has|have|did|does|do|will|when|yet)\b",
    ),
    # Standing doing nothing while others are down: idle (waiting), not stopped.
    _m(
        "idle",
        # Not alarms waiting for an acknowledgement ("alarms sitting there waiting for somebody to ack
        # them"): that is an acknowledgement not yet given, not a machine standing idle (qa10 Q10-3).
        r"\b(sit|sits|sat|sitting|stood|stand|stands|standing) (there |around )?(waiting|idle|doing nothing)\b"
        r"(?! (?:for|on) (?:\w+ ){0,3}?to (?:ack|acknowledg|confirm|sign))",
        r"\b(sat|stood|standing|sitting) (there|around)\b",
        r"\bdoing nothing\b",
        r"\bwaiting around\b",
    ),
    _m(r"\g<v> idle", r"\b(?P<v>was|were|is|are|sat|stood) (just|still|all) idle\b"),
    # "whose fault was that?" asks for a cause, not for the fault-code signal.
    _m("why", r"\bwhose fault (was|is) (that|it|this)\b", r"\bwho('s| is| was) to blame\b"),
    # Acknowledging: signing off, confirming; "un-acked" and "not acked" are unacknowledged.
    _m(
        "unacknowledged",
        r"\bun-?ack(ed|'d)?\b",
        r"\bun ack(ed|'d)?\b",
        r"\bnot (yet )?(been )?ack(ed|'d)\b",
        r"\bnot (been )?signed off\b",
    ),
    _m("acknowledged", r"\b(signed|signs|sign) off( on)?\b", r"\back'd\b"),
    # Shelving, in alarm talk only.
    _m(
        "shelved",
        r"\b(parked|put|placed|set) (on|onto) the shelf\b",
        r"\bon the shelf\b",
        r"\bparked\b",
        needs=r"\balarms?\b",
    ),
    # Changing a value by hand.
    _m(
        "changed",
        r"\b(mess(ed|es)?|fiddl(e|ed|es)|play(ed|s)?|tamper(ed|s)?|muck(ed|s)?)( around| about)? with\b",
        r"\btweak(ed|s)?\b",
    ),
    # Bottles taken off the line as bad: rejects.
    _m("rejects", r"\bbad (bottles|ones|parts|product|units)\b", r"\bduds\b"),
    _m(
        "rejected",
        r"\b(binned|tossed|chucked|dumped|ejected|thrown away|threw away|kicked out|pushed off)\b",
        needs=r"\b(bottles?|camera|vision|qc|inspect\w*|rejects?|how many)\b",
    ),
    # Close to failing: the fault model's risk.
    _m(
        "likely to fail",
        r"\b(closest|nearest|close|near) to (a |an )?(breakdown|break ?down|breaking down|failure|failing|fail)\b",
        r"\babout to (fail|break( down)?|die|give out|go down)\b",
        r"\bon (its|their) last legs\b",
    ),
    _m(
        "highest risk",
        r"\b(most )?(worried|concerned|nervous|anxious) about\b",
        needs=r"\b(model|predictor|prediction)\b",
    ),
    # A remedy asked for: the procedure.
    _m(
        "what should i do",
        r"\bwhat'?s the (fix|remedy|cure)\b",
        r"\bwhat is the (fix|remedy|cure)\b",
        r"\bhow (do|can|should) (i|we) fix( it| that| this)?\b",
        r"\bwhat (should|do|must) (i|we) (look at|check|look for)\b",
    ),
    _m("out of band", r"\bout of (spec|specs|tolerance|range|limits?)\b", r"\boff[- ]?spec\b"),
    _m(
        r"\g<sig> falling",
        r"\b(?P<sig>pressure|temperature|temp|speed|current|torque) (keeps |is |was )?(dropping|going down"
        r"|falling off|sinking|dropping off)\b",
    ),
    # "after 07:35" alone is from then on ("shortly/just/right after 07:35" is a moment: left alone).
    _m(r"since \g<t>", r"(?<!shortly )(?<!just )(?<!right )(?<!soon )\bafter (?P<t>\d{1,2}[:.]\d{2})\b"),
    # What went on in a window: what happened.
    _m(
        "what happened",
        r"\bwhat (was|has been) going on\b",
        r"\bwhat went on\b",
        r"\bany ?thing happen(ed)?\b",
    ),
)

# Contractions typed without their apostrophe (and with it): the negation the patterns read.
_CONTRACTIONS = {
    "havent": "have not",
    "haven't": "have not",
    "hasnt": "has not",
    "hasn't": "has not",
    "hadnt": "had not",
    "didnt": "did not",
    "didn't": "did not",
    "isnt": "is not",
    "isn't": "is not",
    "wasnt": "was not",
    "wasn't": "was not",
    "arent": "are not",
    "aren't": "are not",
    "werent": "were not",
    "weren't": "were not",
    "dont": "do not",
    "don't": "do not",
    "doesnt": "does not",
    "doesn't": "does not",
    "whys": "why is",
    "why'd": "why did",
    "hows": "how is",
    "wheres": "where is",
}
_CONTRACTION_RX = re.compile(r"\b(" + "|".join(re.escape(k) for k in _CONTRACTIONS) + r")(?![\w'])", re.I)


class Paraphraser:
    """Rewrites an English question into the router's words (see the module's docstring).

    `vocabulary`: the plant's own words (machine names, tag words, the intent patterns' literal words);
    a word of at least 7 letters that is not in it and is one edit away from exactly one of its words
    ("acknowleged", "conveyer", "temprature") is read as that word. Shorter words are left alone:
    at 4-6 letters one edit turns one everyday word into another ("parking" / "packing" is 7 and still
    needs the vocabulary word to be the only one that close).
    """

    def __init__(
        self, vocabulary: Iterable[str], machines: Iterable[str] = (), stems: Iterable[str] = ()
    ) -> None:
        """`machines`: the line's machine ids, names and aliases (what a word for a machine may follow);
        `stems`: beginnings of words that are right in any form ("starv": starved, starving)."""
        self._stems = tuple(sorted({s.lower() for s in stems}))
        own = {w for mean in MEANINGS for w in re.findall(r"[a-z]+", mean.to)}  # the words it reads as
        names = sorted({m.lower() for m in machines if m}, key=len, reverse=True)
        # "the capper asset", "the labeller station": the machine named twice; the word goes.
        self._after_machine = (
            re.compile(
                r"\b(" + "|".join(re.escape(n) for n in names) + r")(?:'s)? (?:" + _MACHINE_WORD + r")\b",
                re.I,
            )
            if names
            else None
        )
        self._vocab = frozenset(w.lower() for w in (*vocabulary, *own) if len(w) >= 7 and w.isalpha())
        self._by_len: dict[int, list[str]] = {}
        for w in self._vocab:
            self._by_len.setdefault(len(w), []).append(w)

    def _spell(self, word: str, known: frozenset[str]) -> str:
        low = word.lower()
        if len(low) < 7 or not low.isalpha() or low in self._vocab or low in known:
            return word
        if low.startswith(self._stems):
            return word
        near = [
            w
            for n in (len(low) - 1, len(low), len(low) + 1)
            for w in self._by_len.get(n, ())
            if w[0] == low[0] and _one_edit(low, w)
        ]
        return near[0] if len(near) == 1 else word

    def rewrite(self, text: str, known: Iterable[str] = ()) -> str:
        """`known`: further words that are right as typed (never corrected)."""
        kn = frozenset(w.lower() for w in known)
        out = _CONTRACTION_RX.sub(lambda m: _CONTRACTIONS[m.group(1).lower()], text)
        out = re.sub(r"[A-Za-z]+", lambda m: self._spell(m.group(0), kn), out)
        if self._after_machine is not None:
            out = self._after_machine.sub(r"\1", out)
        for mean in MEANINGS:
            if mean.needs is not None and not mean.needs.search(out):
                continue
            out = mean.rx.sub(mean.to, out)
        return re.sub(r"\s{2,}", " ", out).strip()


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by one insertion, deletion, substitution or swap of two neighbours."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    if abs(len(a) - len(b)) != 1:
        return False
    s, t = (a, b) if len(a) < len(b) else (b, a)
    sm = difflib.SequenceMatcher(None, s, t)
    return sum(blk.size for blk in sm.get_matching_blocks()) == len(s)
