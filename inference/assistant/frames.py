"""Question frames read by their parts, not by whole wordings: why a machine stopped, and the role of
a word nobody explained in such a question.

A why-stop question has two parts in any order and any words around them: a REASON asked for ("why",
"reason?", "what caused", "what triggered", "what's behind", "any idea why", "explain", "what happened")
and a STOP EVENT of a machine the line has ("stopped", "trip", "fault", "outage", "went down"...). When
both are there and the question names a machine, it asks for that machine's last stop and its cause,
whatever else it says ("capper stopped - reason?", "what's behind the labeller fault", "the filler
outage, what triggered it?"). A question that counts or lists stops ("how many stops and why") stays a
stop list.

Slang for the stop itself ("the conveyor went kaput", "the filler went belly-up", "threw a wobbly") is
read by ROLE: a word nobody explained that is the COMPLEMENT of a change-of-state verb (went, turned,
threw, packed...) whose subject is the named machine describes what the machine did. In a why-frame the
answer reports what the machine actually did (its last stop, from the data), so such a word states
nothing the data lacks and does not turn the question into a decline. A word in any other role still
names a subject, or a time the journal may not hold, and the question is declined naming it:

- the head of the question ("what COLOUR is the capper", "the WARRANTY on the filler"),
- a word right after the machine with no verb between (a compound noun: "capper PAINT"),
- a word after another verb or after the complement ("why did the capper stop last TUESDAY", "went
  down last TUESDAY": adjuncts, not what the machine did),
- a word behind a determiner or preposition ("was it THE CLEANER's fault", "on the FORKLIFT"),
- a possessive ("the CLEANER's", "the operator's WIFE"),
- anything in another clause ("filler went down - was it the cleaner's fault?").

A plural stop noun with a reason ("capper stoppages - causes?") asks for the list of stops with their
causes: it stays the stop list the intent patterns chose.

Those stay unexplained and the question is declined, naming them (`scope`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence


def _split(block: str) -> frozenset[str]:
    return frozenset(block.split())


def _either(*alternatives: str) -> re.Pattern[str]:
    """One word or phrase of `alternatives` (regex sources), as a whole word, any case."""
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.I)


# A reason asked for. "behind" only with "what" ("what's behind"): alone it is a place.
REASON = re.compile(
    r"\b(why|reasons?|caus\w*|trigger\w*|explain\w*|how come|what happened|what went wrong|root cause"
    r"|first[- ]?out|(?:led|lead|leading) to|due to|culprit|to blame|(?:any )?(?:idea|clue)s?)\b"
    r"|\bwhat(?:'s|s| is| was)? behind\b"
    # "what set off / kicked off / sparked the breakdown": what triggered it (asst13 held-out H1).
    r"|\bwhat (?:set|kicked|sparked)\b(?:\s+(?:it|this|that|the\s+\w+(?:'s)?(?:\s+\w+)?))?\s+off\b"
    r"|\bwhat sparked\b",
    re.I,
)
# A machine's stop, as a noun or a verb.
STOP_EVENT = re.compile(
    r"\b(stop|stops|stopped|stopping|stoppages?|trip|trips|tripped|tripping|faults?|faulted|fail|fails|failed"
    r"|failure|down|halt\w*|outages?|break ?downs?|broke|broken|idle|shut\w*|jam|jams|jammed|jamming"
    r"|overheat\w*|crash\w*|died|dead)\b",
    re.I,
)
# A question that counts, lists or times stops is a stop list, even with "why" in it.
COUNT_FRAME = re.compile(
    r"\b(how many|how often|how long|list|all (?:the )?stops|each|every|total|downtime|times)\b", re.I
)
# Stops asked for as a list ("capper stoppages - causes?").
PLURAL_STOPS = re.compile(r"\b(stops|stoppages|trips|outages|break ?downs|faults|jams)\b", re.I)
# Verbs of a change of state: "<machine> went X", "<machine> threw a X", "<machine> packed up".
CHANGE_VERB = re.compile(
    r"(went|go|goes|gone|going|turned|turns|got|gets|threw|throws|blew|blown|fell|gave|packed|quit|conked"
    r"|crapped|keeled|flaked|acted|played)",
    re.I,
)
# Words that may stand between a machine and its verb.
AUXILIARIES = _split("has have had is was were just suddenly then totally completely really again")
# Words of degree or an article between a change verb and its complement.
DEGREE = _split("a an all so totally completely really bit proper right")
# Words that open a noun phrase or a prepositional phrase: what follows them is a subject, not the
# machine's predicate.
BLOCKING = _split(
    """the of on in at with for by about its his her their our my your from to whose who whom which what
    this that these those"""
)
CLAUSE_BREAK = re.compile(r"[,.;:?!()]|\s[-–—]+\s|\s[-–—]+$|\b(?:and|but|or|was it|is it)\b", re.I)

_TOKEN = re.compile(r"[a-z][a-z'’\-]*", re.I)

Known = Callable[[str], bool]


def _clause_after(low: str, start: int) -> str:
    """The text from `start` to the end of its clause."""
    m = CLAUSE_BREAK.search(low, start)
    return low[start : m.start()] if m else low[start:]


def _complement(low: str, end: int, known: Known) -> list[str]:
    """The change-of-state verb after the machine mention ending at `end` and its complement's
    unexplained words ("went belly-up" -> ["went", "belly-up"], "threw a wobbly" -> ["threw", "wobbly"]);
    [] when the machine is not followed by such a verb or the complement is a known word ("went down
    last tuesday": the complement is "down", and "tuesday" is an adjunct naming a time, not slang)."""
    if low[end : end + 2] in ("'s", "’s"):
        return []  # "the filler's paint": the machine owns the next noun
    words = [m.group(0).strip("'’-") for m in _TOKEN.finditer(_clause_after(low, end))]
    while words and words[0] in AUXILIARIES:
        words = words[1:]  # "has gone", "just went", "suddenly turned"
    if len(words) < 2 or not CHANGE_VERB.fullmatch(words[0]):
        return []
    out = [words[0]]
    rest = words[1:]
    while rest and rest[0] in DEGREE:
        rest = rest[1:]  # "threw a wobbly", "went all funny"
    for w in rest:
        if w in BLOCKING or w.endswith(("'s", "’s")) or known(w):
            break  # the complement ends where a known word, a noun phrase or a possessor starts
        out.append(w)
    return out if len(out) > 1 else []


def predicate_words(low: str, machine_ends: Iterable[int], known: Known) -> set[str]:
    """Unexplained words of `low` that say what a named machine did (see the module's docstring).

    `machine_ends`: where each machine mention ends in `low`; `known`: is a word explained (plant data or
    grammar)."""
    return {w for end in machine_ends for w in _complement(low, end, known)}


def slang_stop(low: str, machine_ends: Iterable[int], known: Known) -> bool:
    """A named machine "went"/"threw"/"turned" something nobody explained ("went kaput", "threw a
    wobbly"): a change of state in words the plant data has none for."""
    return any(_complement(low, end, known) for end in machine_ends)


def asks_why_stop(low: str, machine_ends: Sequence[int], known: Known, *, stop_list: bool = False) -> bool:
    """A reason asked about a named machine's stop (or its slang), not a count or list of stops.
    `stop_list`: the intent patterns read the question as a stop list (then a plural stop noun keeps it)."""
    if not machine_ends or not REASON.search(low) or COUNT_FRAME.search(low):
        return False
    if stop_list and PLURAL_STOPS.search(low):
        return False
    return bool(STOP_EVENT.search(low)) or slang_stop(low, machine_ends, known)


# --- a state now, asked in the present tense --------------------------------------------------------------
#
# "is anything stopped right now?", "which machines are down at the moment?", "are any machines still
# stopped?": the state each machine is in now (machine_status), not the shift's stop list that the word
# "stopped" would otherwise read (asst13 held-out H10). A count, a length or a reason keeps its own frame.
NOW = _either(r"now", r"right now", r"at the moment", r"currently", r"at present", r"presently", r"still")
_STATE_NOW = re.compile(
    r"\b(is|are|isn't|aren't|is there|are there)\b(?:\s+\w+){0,6}?\s+(?:still\s+)?"
    r"(stopped|down|faulted|tripped|idle|halted|jammed|running|standing still|at a standstill)\b",
    re.I,
)


# Whether a machine runs again after a stop ("has the filler come back since it broke down?", read as
# "running again"): its state now, whatever stop words the question also has.
_AGAIN = re.compile(r"\b(?:running|up) again\b", re.I)


def asks_state_now(low: str) -> bool:
    """A machine's (or any machine's) state asked in the present tense with a now word, or whether it
    runs again."""
    return (
        bool((NOW.search(low) and _STATE_NOW.search(low)) or _AGAIN.search(low))
        and not COUNT_FRAME.search(low)
        and not REASON.search(low)
    )


# --- how much time was lost, and which machine lost the most -------------------------------------------
#
# A downtime question has two parts in any order: a LENGTH of time asked for ("how long", "for how many
# minutes", "how much time", "total time", "minutes lost") and a STANDSTILL ("down", "stopped", "stood
# still", "at a standstill", "out of action", "not running", "lost"), or the word downtime itself,
# which is both. Without a machine it asks for the line's downtime: the Production view's Line row,
# never the machines' stops added up. A ranking question asks which machine (or "rank"/"order by")
# lost the MOST time, stood LONGEST, or had the BIGGEST/WORST downtime: every machine's downtime over
# the period, most first, from the same stops.
_UNITS = r"(?:minutes?|mins?|hours?|hrs?|seconds?|secs?)"
# Verbs that lose time: "lost us", "cost us the most", "ate up the most production time", "wasted".
_LOSE = r"(?:lost|lose|loses|losing|cost|costs|ate|eat|eats|eaten|eating|wasted|waste|wastes|wasting)"
DURATION = _either(
    r"how long",
    r"how much (?:time|down ?time)",
    rf"(?:for )?how many {_UNITS}",
    r"total (?:time|down ?time)",
    r"(?:minutes?|mins?|hours?|seconds?|time) (?:lost|of (?:down ?time|stoppage|standstill))",
    r"lost time",
    r"time lost",
    r"down ?time",
)
STANDSTILL = _either(
    r"down",
    r"down ?time",
    r"stopped",
    r"stop",
    r"stops",
    r"stoppages?",
    r"stood",
    r"stand(?:ing)?(?: still)?",
    r"standstill",
    r"still",
    r"out(?: of action)?",
    r"not running",
    r"(?:was|were)n'?t running",
    r"lost",
    r"losing",
    r"loses",
    r"lose",
    r"halted",
    r"dead",
    r"off",
)
# The most, the longest, the biggest... of what the question ranks.
MOST = _either(
    r"most",
    r"longest",
    r"biggest",
    r"largest",
    r"greatest",
    r"worst",
    r"top",
    r"highest",
    r"rank(?:ed|ing|s)?",
    r"order(?:ed)? by",
    r"sort(?:ed)? by",
)
# Time lost to stops, said as such: what the biggest contributor is a part of. Never a bare "down" or
# "stopped" ("the main cause of the filler going down" asks why one stop happened).
TIME_LOST = _either(
    r"down ?time",
    r"lost time",
    r"time lost",
    r"time loss(?:es)?",
    r"loss(?:es)? of time",
    rf"{_LOSE}(?: \w+){{0,4}} (?:time|{_UNITS})",
    rf"(?:time|{_UNITS}) (?:lost|down|stopped)",
    r"stoppage time",
    r"stop(?:ped)? time",
    r"(?:by|in) (?:duration|length|minutes|time lost|lost time)",
)
# What is ranked: time lost to stops (not alarms, rejects or the fault model's risk).
LOST_TIME = re.compile(TIME_LOST.pattern[:-3] + r"|stopped|stood|down|standstill|longest)\b", re.I)
WHICH_MACHINE = re.compile(
    r"\b(which|what|whose)(?: \w+)? (machines?|ones?|units?|stations?|equipment|assets?)\b"
    r"|\b(worst|top|biggest|main|leading) machines?\b|\bby machine\b|\bmachines? by\b",
    re.I,
)
# A question about something other than time lost, even with "most": alarms, rejects, risk, values.
_MEASURED = (
    r"alarms?",
    r"rejects?",
    r"defects?",
    r"scrap",
    r"risk",
    r"wear",
    r"temperature",
    r"temp",
    r"vibration",
    r"current",
    r"pressure",
    r"speed",
    r"torque",
    r"bottles?",
)
MEASURED = _either(*_MEASURED)
OTHER_SUBJECT = _either(*_MEASURED, r"fail(?:ure|ing)?", r"stops?(?! time)", r"faults?", r"trips?", r"jams?")
# The biggest part of the downtime asked for by what it came from: a TOP word, time lost (TIME_LOST)
# and a CAUSE word, in any order ("what was the biggest downtime contributor?", "main cause of
# downtime", "top downtime reason", "where did most of our lost time come from?"). The answer is the
# Stops table's time grouped by reason, naming the machines and minutes; "which machine" asks for the
# machines by time lost, naming their reasons.
TOP = re.compile(
    MOST.pattern[:-3]
    + r"|main|leading|primary|chief|major|principal|key|number (?:one|1)|no\.? ?1|single biggest)\b"
    r"|#1\b",
    re.I,
)
CAUSE = _either(
    r"contribut\w*",
    r"caus\w*",
    r"reasons?",
    r"drivers?",
    r"driven",
    r"sources?",
    r"factors?",
    r"culprits?",
    r"offenders?",
    r"responsible",
    r"accounts? for",
    r"accounted for",
    r"accounting for",
    r"(?:came|come|comes|coming) from",
    r"to blame",
    r"behind",
)


def asks_downtime(low: str) -> bool:
    """A length of time asked for a standstill ("for how many minutes was the whole line down", "how
    much time did we lose", "total time the line stood still"), not a running time."""
    if not DURATION.search(low):
        return False
    if re.search(r"\b(running|run|ran|producing|up and running|uptime)\b", low) and not re.search(
        r"\bnot running\b|\b(?:was|were)n'?t running\b", low
    ):
        return False
    return bool(STANDSTILL.search(low))


def asks_downtime_rank(low: str) -> bool:
    """Which machine lost the most time ("which machine lost us the most time", "rank the machines by
    downtime", "what machine was stopped longest"): a ranking of the machines by downtime. Counting
    stops ("which machine stopped most often") or another subject (alarms, rejects) is not."""
    if not (MOST.search(low) and LOST_TIME.search(low)):
        return False
    if re.search(r"\b(how many|most often|how often|most stops|number of)\b", low):
        return False
    if OTHER_SUBJECT.search(re.sub(r"\bstops? time\b|\bstoppage time\b", " ", low)) and not re.search(
        r"\bdown ?time\b|\blost time\b|\btime lost\b", low
    ):
        return False
    return bool(WHICH_MACHINE.search(low) or re.search(r"\brank|\border(?:ed)? by|\bsort(?:ed)? by", low))


def asks_downtime_cause(low: str) -> str | None:
    """The biggest contributor to the downtime (see TOP, CAUSE): "machine" when the question asks
    which machine (unit, station), "reason" when it asks what caused it; None for another question.
    Counting stops ("the most stops") or another subject ("the main cause of the rejects") is not."""
    if not (TOP.search(low) and TIME_LOST.search(low)):
        return None
    if re.search(r"\b(how many|most often|how often|most stops|number of (?:stops|times))\b", low):
        return None
    if MEASURED.search(low) and not re.search(r"\bdown ?time\b|\blost time\b|\btime lost\b", low):
        return None
    if WHICH_MACHINE.search(low):
        return "machine"
    return "reason" if CAUSE.search(low) else None


# --- when a signal first went over (under) its alarm limit ------------------------------------------
#
# A WHEN asked ("when", "what time", "first", "since when") and a LIMIT ("its limit", "the alarm limit",
# "the threshold", "the hi alarm"): the first time within the period that the signal reached each of
# its alarm limits, never its value now (qa9 Q9-6). "under"/"below"/"dropped" asks for the low limits.
WHEN_FIRST = re.compile(r"\b(first|when|what time|since when|how soon)\b", re.I)
LIMIT = re.compile(
    r"\b(?:alarm )?(?:limits?|thresholds?|trip points?|alarm levels?)\b"
    r"|\b(?:hi ?hi|hi|high|lo ?lo|lo|low) (?:alarm|limit|level)\b",
    re.I,
)
# The verbs with their endings spelt out, never `\w*`: these patterns explain the words they match to the
# scope check, and "drop\w*" explained any made-up word beginning so ("is the dropa about to fail?" was
# answered with the fault model's risks instead of declined, found by test_assistant_paraphrase).
_DROP = r"drop(?:s|ped|ping)?|dip(?:s|ped|ping)?|fall(?:s|en|ing)?"
UNDER = re.compile(rf"\b(under|below|beneath|{_DROP}|fell|lower than|less than|short of)\b", re.I)


# The verbs and prepositions of a crossing: the router's vocabulary (its scope explains them).
CROSS = re.compile(
    r"\b(go|goes|went|gone|get|got|cross(?:es|ed|ing)?|exceed(?:s|ed|ing)?|pass(?:es|ed|ing)?|hit"
    r"|reach(?:es|ed|ing)?|rise|rises|rising|rose|climb(?:s|ed|ing)?|over|above"
    rf"|beyond|past|under|below|{_DROP}|fell)\b",
    re.I,
)


def asks_limit_crossing(low: str) -> str | None:
    """ "over" / "under" when the question asks when a signal (first) reached its alarm limits
    ("when did the filler vibration first go over its limit?"), else None."""
    if not (WHEN_FIRST.search(low) and LIMIT.search(low)):
        return None
    return (
        "under" if UNDER.search(low) and not re.search(r"\b(over|above|exceed\w*|beyond)\b", low) else "over"
    )
