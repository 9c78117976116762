"""The deterministic router: question -> tool calls, with no language model.

Intent patterns (regular expressions over the question) plus entity matching
against the line's machines, tags and alarms, plus the time-expression
parser. It covers the questions a supervisor asks every shift, so the pane is
useful on a line-side PC with no model installed.

The router reads only the question. It never sees tool results, journal
comments or document text, so text planted in the data (prompt injection)
cannot change which tools are called.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hmi.core.alarms.event_codec import TransitionCause
from inference.assistant import frames
from inference.assistant.catalog import FUNCTION_WORDS, MACHINE_ALIASES, Catalog, Mention
from inference.assistant.language import GRAMMAR, detect, to_english
from inference.assistant.paraphrase import Paraphraser
from inference.assistant.scope import CONVERSATION_WORDS, OffData, Scope
from inference.assistant.timeparse import TimeParser, TimeSpec

MAX_QUESTION_CHARS = 500


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    args: dict[str, Any]


@dataclass
class Route:
    # handover | procedure | alarm_kpis | why_stop | stops | alarms | qc | risk | stats | status | value | ...
    intent: str
    calls: list[ToolCall] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was assumed ("read 'caper' as Capper")
    reply: str | None = None  # an answer with no tool (empty, too long, unknown machine, help)
    time: TimeSpec | None = None
    machines: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    lang: str = "en"  # the question's language: answers are rendered in it ("en", "de", "zh")
    localized: dict[str, str] = field(default_factory=dict)  # `reply` in other languages

    @property
    def covered(self) -> bool:
        return bool(self.calls) or self.reply is not None


SUGGESTIONS = (
    "Which alarms are still unacknowledged?",
    "Why did the capper stop?",
    "What was the reject rate in the last hour?",
    "What is the procedure for a high bearing temperature on the filler?",
    "Which machine is most likely to fail this shift?",
    "How many stops did the filler have this shift?",
    "What is the filler bearing temperature now?",
    "Draft my shift handover",
)


# Short chip labels for the pane (the full question is what gets asked).
SUGGESTION_LABELS = {
    "Which alarms are still unacknowledged?": "Unacknowledged alarms",
    "Why did the capper stop?": "Why did the capper stop?",
    "What was the reject rate in the last hour?": "Reject rate, last hour",
    "What is the procedure for a high bearing temperature on the filler?": "Filler bearing procedure",
    "Which machine is most likely to fail this shift?": "Failure risk",
    "How many stops did the filler have this shift?": "Filler stops this shift",
    "What is the filler bearing temperature now?": "Filler bearing temperature",
    "Draft my shift handover": "Shift handover",
}


# A machine's state in plain words (the status intent): what "running" and "stopped" are also said as.
RUN_WORDS = "running|moving|working|turning|operating|producing"
STOP_WORDS = "stopped|faulted|idle|up|down|halted|standing still|at a standstill|broken down"
ANY_MACHINE = "(anything|any machines?|something|all( the)? machines?)"


def _rx(*alts: str) -> re.Pattern[str]:
    return re.compile("|".join(alts), re.I)


# A signal's extreme over a period, in any words (one home: the statistics intent and the statistic it
# asks for both read these). qa10 Q10-4: "what was the hottest the filler bearing got?" was declined
# ("records nothing about 'hottest'") though the journal holds the maximum.
MAX_WORDS = (
    r"\b(max|maximum|maximal|peak|peaked|highest|hottest|warmest|top reading|top value)\b",
    r"\bat (its|the) (most|highest|hottest|peak|worst)\b",
    r"\bat (the )?most\b",
    r"\bhow (high|hot|warm)\b.*\b(get|got|go|went|reach\w*|climb\w*|rise|rose|run|ran|was|were)\b",
    r"\b(got|get|ran|run|went|go) (as |that |so )?(hot|high|warm)\b",
)
MIN_WORDS = (
    r"\b(min|minimum|minimal|lowest|coldest|coolest|bottom reading)\b",
    r"\bat (its|the) (least|lowest|coldest)\b",
    r"\bhow (low|cold|cool)\b.*\b(get|got|go|went|drop\w*|fall|fell|dip\w*|sink|sank|was|were)\b",
    r"\b(dropped|fell|dipped|sank) (to|as low)\b",
)
_MAX = _rx(*MAX_WORDS)
_MIN = _rx(*MIN_WORDS)
# What a signal did on its way to a value ("the highest motor current the filler pulled", "the peak it hit"):
# verbs that say how the reading was reached, never a subject, so the scope check does not decline them
# (held-out after qa10: "pulled" was declined as something the data lacks).
SIGNAL_VERBS = frozenset(
    [
        "pull",
        "pulls",
        "pulled",
        "pulling",
        "draw",
        "draws",
        "drew",
        "drawn",
        "drawing",
        "hit",
        "hits",
        "hitting",
        "reach",
        "reaches",
        "reached",
        "reaching",
        "touch",
        "touches",
        "touched",
        "touching",
        "clock",
        "clocks",
        "clocked",
        "register",
        "registers",
        "registered",
        "see",
        "saw",
        "seen",
        "top",
        "topped",
        "spike",
        "spiked",
        "climb",
        "climbed",
        "rise",
        "rose",
        "risen",
        "run",
        "ran",
    ]
)


# An acknowledgement not (yet) given, in any words: a "not yet" word a few words before an acknowledging
# word ("pending acknowledgement", "awaiting an ack", "outstanding acks", "nobody has confirmed yet",
# "waiting to be acknowledged") or after it ("acks outstanding", "acknowledgement pending"). Unacknowledged,
# not merely standing: "outstanding alarms" alone (no acknowledging word) stays "standing".
_ACKING = r"(ack|acks|acked|ack'd|acknowledg\w*|confirm\w*|sign\w* off|signoffs?)"
_NOT_YET_ACKED = (
    r"\b(pending|outstanding|await\w*|wait\w*|need\w*|requir\w*|missing|without|not yet|yet to|still to"
    r"|not been|not|nobody|no one|no-one|never|(?:has|have|had|got) to|must|ought to|supposed to)\b\W+(\w+\W+){0,4}?"
    + _ACKING
    + r"\b",
    r"\b" + _ACKING + r"\W+(\w+\W+){0,2}?(pending|outstanding|missing|needed|required|due|yet|waiting)\b",
)

# The alarm vocabulary's own words (an acknowledgement and its absence, shelving, suppression, latching):
# they say what state an alarm is in, never which machine or tag it is on ("alarms waiting for
# acknowledgement?" was declined as "no machine or tag called 'acknowledgement'" by a fresh tester).
_ALARM_VOCAB = re.compile(
    r"(un-?|non-?)?" + _ACKING + r"|unack\w*|acknowledgment\w*|shelv\w*|unshelv\w*|suppress\w*|latch\w*"
    r"|annunciat\w*|silenc\w*|mut(e|ed|ing)|quittier\w*|unquittiert\w*",
    re.I,
)


# Someone at the line a remedy is asked for ("the operator", "my crew", "we").
_PEOPLE = (
    r"(i|we|you|they|someone|somebody|anyone|anybody|(?:(?:the|my|our|an?|each|every|this|that) )?"
    r"(?:operators?|supervisors?|crews?|teams?|shift|techs?|technicians?|electricians?|fitters?|mechanics?"
    r"|maintenance|staff|people|guys?|lads?))"
)

INTENTS: list[tuple[str, re.Pattern[str]]] = [
    (
        "handover",
        _rx(
            r"\bhand\s*-?\s*over\b",
            r"\bshift (report|summary)\b",
            r"\bsummar(y|ise|ize) (the|my|this|last) shift\b",
        ),
    ),
    (
        "oee",
        _rx(
            r"\boee\b",
            r"\boverall equipment effectiveness\b",
            r"\bavailability\b",
            r"\bperformance (rate|figure|of the line)\b",
            r"\bmtb[fr]\b",
        ),
    ),
    (
        "who",
        _rx(
            r"\bwho\b.*\b(ack|acked|acknowledg\w*|reset|shelv\w*|chang\w*|touch\w*|set|wrote|writ\w*|took"
            r"|did|silenc\w*|clear\w*|out of service|confirm\w*|sign\w* off)",
            r"\bwhich (users?|operators?|people)\b",
            r"\bwhat did (the )?(operator|supervisor|engineer|admin|[a-z]+\.[a-z]+) (do|change|touch)\b",
            # Acknowledging and shelving are always a person's doing: "did m.keller ack anything?"
            r"\bdid \S+ (ack|acked|acknowledg\w*|shelv\w*)\b",
            r"\b(why|reason)\b.*\bshelv\w*\b",
            r"\b(when|what time) did\b.*\b(ack\w*|acknowledg\w*|reset|shelv\w*|chang\w*)\b",
            r"\bby whom\b",
            r"\bshelv\w*\b.*\b(why|reason)\b",
            r"\b(anyone|anybody|somebody|someone)\b.*\b(ack\w*|reset|shelv\w*|chang\w*|touch\w*|set|took)\b",
            r"\bwhat comments?\b",
            r"\bcomments?\b.*\b(left|written|entered|ack\w*)",
            r"\bsetpoints?\b.*\b(chang\w*|touch\w*|adjust\w*|modif\w*|wr(ote|itten))\b",
            r"\b(chang\w*|adjust\w*|modif\w*)\b.*\bsetpoints?\b",
            r"\boperator actions?\b",
        ),
    ),
    (
        "procedure",
        _rx(
            r"\bprocedures?\b",
            r"\bsops?\b",
            r"\bhow (do|can|should|to|would) (i|we|you)?\b",
            r"\bhow to\b",
            r"\bwhat (should|do|must) (i|we)\b",
            # The remedy asked for someone at the line: "what should the operator do", "what does the
            # crew do about it", "how should my operator fix it".
            rf"\bwhat (should|must|shall|do|does|can|could|would|ought)( to)? {_PEOPLE}( (to|be))? do(ing)?\b",
            rf"\bhow (do|does|can|should|would|shall|must) {_PEOPLE}\b",
            r"\bwhat (actions?|steps?) (should|must|do|does|to)\b",
            r"\btroubleshoot",
            r"\binstructions?\b",
            r"\bsteps?\b(?! changes?)",
            r"\bguide\b",
            r"\bmanual\b",
            r"\block\s*-?out\b",
            r"\bloto\b",
            r"\bisolat\w+\b",
            r"\bwhat to do\b",
            r"\bwhat do i do\b",
            r"\bwhat now\b",
            r"\bchecklist\b",
            r"\bdrill\b",
        ),
    ),
    (
        "alarm_kpis",
        _rx(
            r"\bkpis?\b",
            r"\balarm (rate|load|performance|statistics|stats)\b",
            r"\bfloods?\b",
            r"\bchatter",
            r"\balarms? per\b",
            r"\bisa[- ]?18",
        ),
    ),
    (
        "risk",
        _rx(
            r"\brisk\b",
            r"\blikely to (fail|break)\b",
            r"\brul\b",
            r"\bremaining (useful )?life\b",
            r"\bpredict",
            r"\bfailure probability\b",
            # What the model predicts (bearing wear, docs/fault_prediction.md), in other words.
            r"\bhealth\w*\b",
            r"\b(wear|wears|wearing|worn|degrad\w*|deteriorat\w*|condition)\b",
            r"\bgoing to fail\b",
            r"\bnext (failure|breakdown)\b",
            r"\bmaintenance\b.*\b(need|due|risk)",
            r"\b(closest|nearest|next|likely) to (fail|failing|failure|break|breaking)\b",
            r"\bfailing\b",
            r"\bwill (fail|break)\b",
            r"\badvisor(y|ies)\b",
            r"\bfault model\b",
            r"\bmodel\b.*\b(cover|covers|covered|coverage|blind ?spots?|detect\w*|catch|limitations?|limits|scope)\b",
            r"\b(cover|covers|covered|coverage|blind ?spots?|limitations?|limits)\b.*\bmodel\b",
            r"\bthe model\b.*\b(warn|see|saw|predict|flag)",
            r"\bsee\b.*\bcoming\b",
            r"\bsaw\b.*\bcoming\b",
        ),
    ),
    (
        "stops",
        _rx(
            r"\b(was|were) there (a |any )?(faults?|stops?|stoppages?|trips?|breakdowns?)\b",
            r"\bever (idle|stopped|down|faulted)\b",
            r"\bwhen did\b.*\b(last )?(run|ran|stop|stopped|start|started|fault|faulted)\b",
            r"\bstoppages\b",
            r"\bstops\b.*\b(causes|reasons)\b",
            r"\b(stopped|stops?) most\b",
            r"\bmost (stops|often)\b",
            r"\bhow many (times|stops)\b",
            r"\bhow often\b",
            r"\btotal downtime\b",
            r"\bdown ?time\b",
            r"\bout of action\b",
            r"\bhow long\b.*\b(out|down|faulted|stopped|idle|standing)\b",
        ),
    ),
    (
        "why_stop",
        _rx(
            r"\bwhy\b.*\b(stop|stopped|trip|tripped|fault|faulted|fail|failed|down|halt|halted|idle|shut|jam\w*"
            r"|overheat\w*)",
            r"\bwhat (caused|happened)\b",
            r"\b(root )?cause\b",
            r"\bfirst[- ]?out\b",
            r"\breason\b.*\b(stop|trip|fault|halt|down|idle)",
            r"\bwhat went wrong\b",
            r"\bwhat (made|tripped|stopped|brought|shut down|faulted)\b",
            r"\bhow come\b.*\b(stop|stopped|trip|tripped|down|faulted|idle)\b",
            r"\bsequence of events\b",
            r"\b(went|go|gone|sat|stood|was|were) idle\b",
            r"\bwhat was behind\b",
            r"\bexplain\b",
            r"\bhow long did\b.*\b(jam|fault|stop|trip|outage|breakdown)\b.*\blast\b",
            r"\b(upstream|downstream) (problem|cause|issue)\b",
            r"\bstarv\w*\b",
            r"\bblocked\b",
        ),
    ),
    (
        "stops",
        _rx(
            r"\bstops?\b",
            r"\bstopped\b",
            r"\bstate (history|changes)\b",
            r"\buptime\b",
            r"\bfaults?\b.*\b(count|history|list|how many)\b",
            r"\bhow many faults\b",
            r"\btime (in|running|faulted)\b",
            r"\bhow long\b.*\brunning\b",
        ),
    ),
    (
        "alarms",
        _rx(
            r"\balarms?\b",
            r"\bunacknowledged\b",
            r"\bunacked\b",
            r"\bshelved\b",
            r"\b(waiting for|needs?|without) an? ack",
            r"\bnobody (has )?(acknowledged|acked)\b",
            *_NOT_YET_ACKED,
        ),
    ),
    (
        "qc",
        _rx(
            r"\breject",
            r"\bdefect",
            r"\bscrap\b",
            r"\byield\b",
            r"\bqc\b",
            r"\bquality control\b",
            r"\bproduct quality\b",
            r"\bgood (bottles|count|parts|units|pieces|products)\b",
            r"\bhow many (bottles|units|pieces|items|containers|products)\b",
            r"\bproduc\w*",
            r"\boutput\b",
            r"\bcamera\b",
            r"\bvision\b",
            r"\binspect",
            r"\bthr(ew|own|ow) out\b",
            r"\bkicked out\b",
        ),
    ),
    (
        "stats",
        _rx(
            r"\baverage\b",
            r"\bmean\b",
            *MAX_WORDS,
            *MIN_WORDS,
            r"\bstatistics\b",
            r"\bstats\b",
            r"\btrend\b",
        ),
    ),
    (
        "status",
        _rx(
            # Plain verbs for a machine's state ("is the conveyor moving?", "is the capper standing
            # still?") say running or stopped; the machine still has to be one the data holds (scope).
            rf"\bis the \w+ (still )?({RUN_WORDS}|{STOP_WORDS}|ok)\b",
            r"(?<!fast )\bis the \w+ (still )?going\b",  # not "how fast is the labeller going" (a value)
            r"\bup and running\b",
            rf"\b(is|are) {ANY_MACHINE} (still )?({RUN_WORDS}|{STOP_WORDS}|going)\b",
            r"\bwhy is the \w+ (so )?slow\b",
            rf"\bhas the \w+ ({STOP_WORDS})\b",
            r"\bstatus\b",
            r"\bstate of\b",
            r"\bwhich machines?\b.*\b(running|stopped|faulted|idle|down)\b",
            r"\bwhat (is|was) the \w+ doing\b",
            r"\bhow('?s| is) the \w+ doing\b",
            r"\b(line|machines?) (state|status)\b",
            r"\bis (it|the line) running\b",
            r"\b\w+ (is )?running\b",
        ),
    ),
    (
        "value",
        _rx(
            r"\bcurrent(ly)?\b",
            r"\bnow\b",
            r"\bwhat('s| is| are| does)\b",
            r"\bvalue\b",
            r"\breading\b",
            r"\bread\b",
            r"\bshow\b",
            r"\btell me\b",
            r"\bat the moment\b",
            r"\bhow (hot|fast|high)\b",
        ),
    ),
]

# Intents whose own frame decides even when the question ranks by time lost ("who lost us the most
# time" is a person's doing; "what should I do about the downtime" a procedure).
_OWN_FRAMES = frozenset({"who", "procedure", "handover", "oee", "alarm_kpis"})

# Questions about things the plant data does not hold: (pattern, what is missing).
OUT_OF_SCOPE: list[tuple[re.Pattern[str], str]] = [
    (
        _rx(r"\benergy\b", r"\bkwh\b", r"\bpower (use|consumption|draw)\b", r"\belectricity\b"),
        "no energy or power meter is recorded on this line",
    ),
    (
        _rx(
            r"\bweather\b",
            r"\brain\b",
            r"\bforecast\b",
            r"\bstock (price|market)\b",
            r"\bnews\b",
            r"\bjoke\b",
        ),
        "that is not plant data",
    ),
    # Business, logistics and people: the journal records tags, states, alarms, operator actions and
    # QC verdicts of this line, never suppliers, deliveries, prices, rosters or other plants. Such a
    # subject decides the question even when a machine word or "running" is in it ("which cap
    # supplier's batch are we running?" is about a supplier, not about the machines' state).
    (
        _rx(
            r"\bsuppl(y|ier|iers|ied|ies)\b",
            r"\bvendors?\b",
            r"\bmanufacturers?\b",
            r"\bdeliver(y|ies|ed)?\b",
            r"\b(lorry|lorries|truck|trucks|shipments?|shipping)\b",
            r"\bpurchase orders?\b",
            # "cost us the most time" is time lost, not money.
            r"\b(price|prices|priced|invoice|invoices|money|euros?|dollars?)\b",
            r"\bcosts?\b(?!(?: \w+){0,3} (?:time|minutes?|mins?|hours?|seconds?|down ?time)\b)",
            r"\b(do|does|did) (we|they|you|i) pay\b",
            r"\bpay(ing)? (for|per)\b",
            r"\b(rosters?|rota|rotas|staffing|holidays?|vacations?|sick leave|wages?|salary)\b",
            r"\bwho is (on|working) (the )?(\w+ )?shift\b",
            r"\b(other|another|sister) (plant|plants|site|sites|factory|factories)\b",
            r"\b(plant|site|factory) in\b",
            r"\b(stock|inventory|warehouse)\b",
        ),
        "the plant data of this line holds no suppliers, deliveries, prices, rosters or other plants",
    ),
    # A forecast of production: the journal holds what happened, no plan and no forecast of output
    # (qa7 G14: "how many bottles will we make by the end of the shift?" got the reject rate so far).
    # The fault model's prediction of a failure is plant data and is not caught here: these name an
    # output figure, never fail/break/risk.
    (
        _rx(
            r"\bforecasts? of (the )?(output|production)\b",
            r"\b(will|gonna|going to|are we going to|expected to|expect to|on track to)\b[^?]*"
            r"\b(make|produce|fill|label|cap|finish|reach|hit|output|end up|manage)\b",
            r"\bwhat will (the |our |this shift'?s? )?(oee|output|production|count|total|reject rate|yield)\b",
            r"\bhow (much|many)\b[^?]*\bwill (we|the line|the shift|it|they)\b",
            r"\b(forecast|projection|projected|estimate[sd]?) (of |for )?(the )?(output|production|oee|count)",
        ),
        "the plant data records what happened; it holds no production plan or forecast of the output to come",
    ),
]
# Actions a who-did-what question names, in the order they are answered.
_WHO_ACTIONS: list[tuple[str, re.Pattern[str]]] = [
    (TransitionCause.RESET.value, _rx(r"\breset")),
    (TransitionCause.SHELVE.value, _rx(r"\bshelv")),
    (TransitionCause.OUT_OF_SERVICE.value, _rx(r"\bout of service\b")),
    ("write", _rx(r"\bsetpoints?\b", r"\bchang", r"\btouch", r"\badjust", r"\bmodif")),
]

# A risk question about the warnings the model raised (not the risk now).
# What the fault model predicts and what it leaves out, asked of the model itself ("what does the bearing
# model not cover?", "which faults can the model see?", "the model's blind spots"): its card answers, in
# the faceplate tooltip's words (inference.fault.readout_text.scope_text), never a decline over "cover".
_MODEL_SCOPE = _rx(
    r"\b(cover|covers|covered|covering|coverage)\b",
    r"\bblind ?spots?\b",
    r"\b(outside|beyond) (of )?(its|the model'?s?|their) (coverage|scope|reach)\b",
    r"\b(limitations?|limits)\b.*\bmodel\b",
    r"\bmodel'?s? (limitations?|limits|scope)\b",
    r"\bfailure modes?\b",
    r"\bwhich (faults|failures|problems)\b.*\bmodel\b",
    r"\bmodel\b.*\b(can'?t|cannot|doesn'?t|does not|won'?t|will not) (predict|detect|see|catch)\b",
    r"\b(can'?t|cannot|doesn'?t|does not|won'?t|will not)\b.*\bmodel\b.*\b(predict|detect|see|catch)\b",
)
_RISK_WARNINGS = _rx(r"\bwarn", r"\bcoming\b", r"\braised?\b", r"\bflag", r"\bbefore\b", r"\bin advance\b")

# Fault names in questions -> the fault label a stop carries (the machines' fault-code states).
_FAULT_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("Jam", _rx(r"\bjam(s|med|ming)?\b")),
    ("Overheat", _rx(r"\boverheat(s|ed|ing)?\b", r"\bover-?temp")),
    ("Bearing failure", _rx(r"\bbearing (failure|failed|broke|broken)\b")),
    ("Sensor fault", _rx(r"\bsensor (fault|failure|dropout)\b")),
    ("Motor trip", _rx(r"\bmotor (trip|tripped|protection)\b")),
]


def _stop_kind(low: str) -> str | None:
    """The kind of stop a question names: a fault ("Jam", "Overheat"...: `_FAULT_WORDS`) or the
    Faulted state ("tripped", "faulted", "in fault"); None when it names none."""
    label = next((label for label, rx in _FAULT_WORDS if rx.search(low)), None)
    if label is None and re.search(r"\b(faulted|tripped|in (?:a )?fault|fault state)\b", low):
        return "Faulted"
    return label


# Measured quantities no tag of a line like this holds; asked about a machine they get "not measured".
UNMEASURED = frozenset(
    [
        "oil",
        "level",
        "gearbox",
        "humidity",
        "flow",
        "weight",
        "voltage",
        "gas",
        "water",
        "air",
        "steam",
        "consumption",
        "noise",
        "ph",
        "co2",
        "hydraulic",
        "lubrication",
        "lube",
        "grease",
        "coolant",
    ]
)

_PRIORITY = re.compile(
    r"\b(urgent|high|medium|low)[- ]?prio(?:rity)?\b|\bpriority (urgent|high|medium|low|[1-4])\b|\b(urgent)\b",
    re.I,
)
_STATE_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "unacknowledged",
        _rx(
            r"\bnobody (has )?(acknowledged|acked)\b",
            r"\b(waiting for|needs?|without) an? ack",
            r"\bun-?acknowledged\b",
            r"\bunacked\b",
            r"\bnot (been )?acknowledged\b",
            r"\bneed(s)? (an? )?(ack|acknowledg)",
            r"\bunack\b",
            # "confirm" is how many operators say acknowledge
            r"\bwait\w* for (somebody|someone|anyone|an? \w+) to (confirm|acknowledge|ack)\b",
            r"\b(un-?confirmed|not (yet )?(been )?confirmed|nobody (has )?confirmed)\b",
            r"\b(still )?to be (confirmed|acknowledged)\b",
            *_NOT_YET_ACKED,
        ),
    ),
    ("out_of_service", _rx(r"\bout[- ]of[- ]service\b")),
    ("shelved", _rx(r"\bshelved\b")),
    ("suppressed", _rx(r"\bsuppressed\b")),
    ("latched", _rx(r"\blatched\b", r"\bneed(s)? (a )?reset\b")),
    ("acknowledged", _rx(r"\backnowledged\b")),
    (
        "standing",
        _rx(
            r"\bstanding\b",
            r"\bopen alarms?\b",
            r"\balarms? (still )?open\b",
            r"\bstill open\b",
            r"\b(have|has|had) open\b",
            r"\bare standing\b",
            r"\boutstanding\b",
            r"\bpending\b",
        ),
    ),
    (
        "active",
        _rx(
            r"\bactive\b",
            r"\bstill\b",
            r"\bright now\b",
            r"\bcurrent(ly)?\b",
            r"\bat the moment\b",
            r"\bpresent\b",
            r"\bnow\b",
        ),
    ),
]

# Words that may sit where a machine name would ("on the X") without being one.
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "line",
        "downtime",
        "uptime",
        "stoppage",
        "standstill",
        "plant",
        "shift",
        "shifts",
        "last",
        "this",
        "next",
        "previous",
        "past",
        "hour",
        "hours",
        "minute",
        "minutes",
        "day",
        "today",
        "yesterday",
        "night",
        "morning",
        "afternoon",
        "evening",
        "early",
        "late",
        "week",
        "moment",
        "time",
        "times",
        "alarm",
        "alarms",
        "machine",
        "machines",
        "procedure",
        "procedures",
        "reject",
        "rejects",
        "rate",
        "rates",
        "defect",
        "defects",
        "stop",
        "stops",
        "stopped",
        "value",
        "values",
        "reading",
        "status",
        "state",
        "states",
        "speed",
        "temperature",
        "pressure",
        "vibration",
        "current",
        "torque",
        "glue",
        "bearing",
        "motor",
        "fault",
        "faults",
        "risk",
        "kpi",
        "kpis",
        "handover",
        "report",
        "summary",
        "quality",
        "same",
        "first",
        "last",
        "latest",
        "most",
        "least",
        "top",
        "worst",
        "best",
        "production",
        "output",
        "whole",
        "entire",
        "system",
        "hmi",
        "journal",
        "data",
        "trend",
        "trends",
        "record",
        "records",
        "event",
        "events",
        "cause",
        "reason",
        "reasons",
        "sequence",
        "history",
        "start",
        "end",
        "beginning",
        "cycle",
        "batch",
        "lot",
        "order",
        "orders",
        "work",
        "operator",
        "operators",
        "supervisor",
        "supervisors",
        "team",
        "crew",
        "count",
        "counts",
        "bottles",
        "bottle",
        "caps",
        "cap",
        "labels",
        "label",
        "one",
        "two",
        "three",
        "meaning",
        "life",
        "weather",
        "world",
        "way",
        "thing",
        "things",
        "what",
        "which",
        "who",
        "why",
        "how",
        "when",
        "where",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "be",
        "been",
        "highest",
        "lowest",
        "average",
        "mean",
        "max",
        "min",
        "peak",
        "period",
        "floods",
        "flood",
        "chattering",
        "alarm's",
        "it",
        "its",
        "them",
        "they",
        "that",
        "there",
        "their",
        "unacknowledged",
        "acknowledged",
        "active",
        "shelved",
        "suppressed",
        "latched",
        "standing",
        "open",
        "still",
        "now",
        "right",
        "any",
        "anything",
        "total",
        "totals",
        "all",
        "prio",
        "low-prio",
        "high-prio",
        "camera",
        "cameras",
        "vision",
        "inspection",
        "list",
        "side",
        "model",
        "predictor",
        "user",
        "users",
        "anyone",
        "somebody",
        "nobody",
        "setpoint",
        "setpoints",
        "action",
        "actions",
        "ack",
        "drill",
        "checklist",
        "guard",
        "warning",
        "warnings",
        "failure",
        "share",
        "moment",
        "most",
        "often",
    ]
)


# Words a value question may contain besides the signal ("what is the glue temperature doing right now").
_GRAMMAR = frozenset(
    [
        "doing",
        "look",
        "looks",
        "like",
        "right",
        "moment",
        "currently",
        "reading",
        "readings",
        "level",
        "levels",
        "actual",
        "actually",
        "measured",
        "measure",
        "measuring",
        "much",
        "many",
        "hot",
        "fast",
        "high",
        "low",
        "warm",
        "cold",
        "whats",
        "tell",
        "know",
    ]
)


AnchorFn = Callable[[str, str], float | None]  # (machine id, "stop" | "run") -> time of that event
SpanFn = Callable[[], tuple[float | None, float | None]]  # first and last time the journal covers

# "before the conveyor went down", "in the 2 min before the capper jammed", "after the filler came back".
_ANCHOR = re.compile(
    r"\b(?:(?:in|during|within)\s+the\s+)?(?:(?:last\s+)?(\d+(?:\.\d+)?|a|one|two|three|five|ten)\s*"
    r"(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\s+)?(?:(just|right|immediately|shortly)\s+)?"
    r"(before|after|until|since|when|as)\s+(?:the\s+)?"
    r"([a-z][a-z'\-]+)\s+(went down|go down|stopped|stops|tripped|trips|jammed|jams|faulted|failed|broke down"
    r"|went idle|was down|came back|restarted|started again|started)\b",
    re.I,
)
_PRONOUNS = frozenset(("it", "she", "he", "they", "this", "that", "machine"))
_SMALL = {"a": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "five": 5.0, "ten": 10.0}
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0}


class Router:
    def __init__(
        self,
        catalog: Catalog,
        time_parser: TimeParser,
        now: Callable[[], float],
        *,
        anchor: AnchorFn | None = None,
        span: SpanFn | None = None,
        data_words: Iterable[str] = (),
        procedure_words: Iterable[str] | None = None,
    ) -> None:
        """`data_words`: words of the data beyond the catalog (the reason tree); `procedure_words`: the
        procedure documents' words (None: no documents to check a procedure question against)."""
        data_words = list(data_words)
        self.catalog = catalog
        self.time = time_parser
        self.now = now
        self.anchor = anchor
        self.span = span
        patterns = (
            [rx for _name, rx in INTENTS]
            + [rx for _s, rx in _STATE_WORDS]
            + [rx for _f, rx in _FAULT_WORDS]
            + [frames.REASON, frames.STOP_EVENT]
            + [frames.DURATION, frames.STANDSTILL, frames.MOST, frames.LOST_TIME, frames.WHICH_MACHINE]
            + [frames.TOP, frames.TIME_LOST, frames.CAUSE]
            + [frames.WHEN_FIRST, frames.LIMIT, frames.UNDER, frames.CROSS]
        )
        self._check_procedures = procedure_words is not None
        # Everyday wordings read as the words above (`paraphrase`); spelling is mended only towards the
        # patterns' and the line's own words, never towards a word that is right as typed.
        # A pattern's escapes are no letters of its words (`\bblocked` is "blocked", not "bblocked", which
        # turned a typed "blocked" into "bblocked"); a stem the patterns take with any ending (`\bstarv\w*`)
        # is right as typed in every form ("starved" was mended to "started").
        sources = [re.sub(r"\\[a-zA-Z]", " ", rx.pattern) for rx in patterns]
        vocab = {w for src in sources for w in re.findall(r"[a-z]{7,}", src)} | {s for s, _rx in _STATE_WORDS}
        stems = {m for rx in patterns for m in re.findall(r"\\b([a-z]{4,})\\w\*", rx.pattern)}
        vocab |= {w for m in catalog.machines.values() for w in m.name.lower().split()}
        vocab |= {w for t in catalog.tags.values() for w in t.words}
        self._paraphrase = Paraphraser(
            vocab,
            stems=stems,
            machines=[
                w
                for m in catalog.machines.values()
                for w in (m.id, m.name, *MACHINE_ALIASES.get(m.id, ()))
                if not w.endswith("'s")
            ],
        )
        self._as_typed = (
            CONVERSATION_WORDS
            | FUNCTION_WORDS
            | GRAMMAR
            | _NOT_NAMES
            | _GRAMMAR
            | UNMEASURED
            | frozenset(data_words)
        )
        self.scope = Scope(
            catalog,
            [*patterns, _PRIORITY, _RISK_WARNINGS, _MODEL_SCOPE],
            data_words=data_words,
            procedure_words=procedure_words or (),
            intent_words=_GRAMMAR | UNMEASURED | SIGNAL_VERBS,
        )

    def _off_data(self, rest: str, intent: str | None, named: list[Mention]) -> OffData:
        """The question's words that name nothing the plant data holds (see `scope`)."""
        procedure = intent == "procedure"
        if procedure and not self._check_procedures:
            return OffData(())  # no documents known here: the search itself says when nothing matches
        return self.scope.off_data(
            rest, procedure=procedure, named=[(m.start, m.start + len(m.text)) for m in named]
        )

    # --- entities -------------------------------------------------------------------------------------
    def _unknown_names(self, text: str) -> list[str]:
        """Words in a machine/tag position that name nothing on this line ("the mixer", "on line 7")."""
        known = set(self.catalog.machines) | {m.name.lower() for m in self.catalog.machines.values()}
        tag_words: set[str] = set()
        for t in self.catalog.tags.values():
            tag_words |= t.words
        out = []
        low = text.lower()
        words = list(re.finditer(r"[a-z][a-z0-9_\-]*(?:\.[a-z0-9_]+)*", low))
        for prev, m in itertools.pairwise(words):
            if prev.group(0) not in ("the", "on", "of", "for", "at", "did", "does", "is", "in", "s"):
                continue
            w = m.group(0)
            if "." in w and w not in self.catalog.tags and w not in self.catalog.alarms:
                out.append(w)  # looks like a tag name, but is none
                continue
            if w in known or w in tag_words or w in _NOT_NAMES or w in CONVERSATION_WORDS or len(w) < 3:
                continue  # a general word ("the complete line", "the whole shift") names no machine
            if w.rstrip("s") in known or w.rstrip("s") in _NOT_NAMES:
                continue
            if _ALARM_VOCAB.fullmatch(w):
                continue  # an alarm's state in words ("waiting for acknowledgement"), not a name
            # Only a word followed by machine-ish context counts ("the mixer stop", "on the mixer?").
            rest = low[m.end() :].lstrip()
            if (
                not rest
                or rest[0] in "?.!,;:"
                or re.match(
                    r"(stop|stopped|run|running|alarm|alarms|fault|faulted|'s|machine|line|at|in|since|this|today"
                    r"|yesterday|last|now|temperature|speed|current|vibration|pressure|reject|rejects|state|status"
                    r"|is|was|have|has|had|go|went|trip|do|doing)\b",
                    rest,
                )
            ):
                out.append(w)
        return list(dict.fromkeys(out))

    def _unexplained(self, low: str, tags: list[str]) -> list[str]:
        """Content words of the question that neither the matched tags nor the question's grammar explain."""
        from inference.assistant.catalog import FUNCTION_WORDS, MACHINE_ALIASES, TAG_SYNONYMS

        explained: set[str] = set()
        for name in tags:
            explained |= self.catalog.tags[name].words
        for mid, m in self.catalog.machines.items():
            explained |= {mid, m.name.lower()} | {w for a in MACHINE_ALIASES.get(mid, ()) for w in a.split()}
        out = []
        for w in re.findall(r"[a-z][a-z_]+", low):
            if len(w) < 4 or w in FUNCTION_WORDS or w in _GRAMMAR:
                continue
            if w in explained or w.rstrip("s") in explained or set(TAG_SYNONYMS.get(w, ())) & explained:
                continue
            out.append(w)
        return out

    def _priority(self, text: str) -> str | None:
        m = _PRIORITY.search(text)
        if not m:
            return None
        w = (m.group(1) or m.group(2) or m.group(3) or "").lower()
        return {"1": "urgent", "2": "high", "3": "medium", "4": "low"}.get(w, w)

    def _alarm_state(self, text: str) -> str | None:
        for state, rx in _STATE_WORDS:
            if rx.search(text):
                return state
        return None

    # --- time ----------------------------------------------------------------------------------------
    def _anchored_time(self, text: str, now: float) -> TimeSpec | None:
        """A window tied to an event: "in the 2 min before the conveyor went down"."""
        if self.anchor is None:
            return None
        m = _ANCHOR.search(text)
        if not m:
            return None
        num, unit, near, rel, who, verb = m.groups()
        found = self.catalog.find_machines(who)
        if not found and who.lower() in _PRONOUNS:
            # "the filler bearing temperature just before it tripped": the machine named elsewhere.
            found = self.catalog.find_machines(text[: m.start()] + " " + text[m.end() :])
        if not found:
            return None
        mid = found[0].id
        kind = "run" if verb.lower() in ("came back", "restarted", "started again", "started") else "stop"
        t = self.anchor(mid, kind)
        if t is None:
            return None
        span = 600.0
        if num is not None:
            n = float(num) if num[0].isdigit() else _SMALL.get(num.lower(), 1.0)
            span = n * _UNIT_SECONDS[unit[0].lower()]
        rel = rel.lower()
        name = self.catalog.machine_name(mid)
        what = f"the {name} {verb} ({self.time.fmt(t)})"
        if near and rel == "before" and num is None:
            # "just before it tripped": the sample in force an instant before (not the trip's own
            # sample: the motor current reads 0 A there), not the statistics of the 10 minutes before.
            before = math.nextafter(t, -math.inf)
            return TimeSpec(t - 60.0, t, f"just before {what}", m.group(0), point=before, kind="point")
        if rel in ("before", "until"):
            return TimeSpec(t - span, t, f"{self.time._range_label(t - span, t)}, before {what}", m.group(0))
        if rel in ("when", "as"):
            return TimeSpec(t - 60.0, t + 60.0, f"when {what}", m.group(0), point=t, kind="point")
        return TimeSpec(
            t, min(t + span, now), f"{self.time._range_label(t, t + span)}, after {what}", m.group(0)
        )

    # --- routing -----------------------------------------------------------------------------------------
    def _decline(self, route: Route, why: str, lang: str, why_local: dict[str, str] | None = None) -> Route:
        can = (
            "stops and their causes, alarms and who acknowledged them, current values and statistics, rejects"
            " and the camera's defect rate, fault-model warnings, procedures"
        )
        route.reply = f"I can't answer that from the plant data: {why}. I can tell you: {can}."
        de = (why_local or {}).get("de", why)
        zh = (why_local or {}).get("zh", why)
        route.localized = {
            "de": "Das kann ich aus den Anlagendaten nicht beantworten: "
            f"{de}. Ich kann Ihnen sagen: Stillstände und Ursachen, Alarme und wer sie quittiert hat, "
            "aktuelle Werte, Ausschuss, Warnungen des Fehlermodells, Verfahren.",
            "zh": f"我无法根据工厂数据回答：{zh}。"
            "我可以回答：停机及原因、报警及确认人、当前数值、废品率、故障模型预警、操作规程。",
        }
        route.intent = "decline"
        return route

    def route(self, question: str, lang: str | None = None) -> Route:
        """`lang`: the language of the whole question when this is one part of it (`compound`)."""
        q = (question or "").strip()
        if not q:
            return Route(
                "empty", reply="Ask a question about the line, for example: " + " / ".join(SUGGESTIONS[:4])
            )
        if len(q) > MAX_QUESTION_CHARS:
            return Route(
                "too_long",
                reply=f"That question is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}. "
                "Ask one thing at a time, for example: " + SUGGESTIONS[1],
            )
        if not re.search(r"[^\W\d_]{2,}", q):
            return Route(
                "nonsense", reply="I did not understand that. Try for example: " + " / ".join(SUGGESTIONS[:3])
            )
        lang = lang or detect(q)
        q_en = self._paraphrase.rewrite(to_english(q, lang), self._as_typed)
        now = self.now()
        c = self.catalog
        anchor_ts = self._anchored_time(q_en, now)
        ts = anchor_ts or self.time.parse(q_en, now)
        # The machine an event anchor names ("before the filler tripped"): the anchor's words leave the
        # question with the time phrase, but a question about warnings is about that machine's stop.
        anchored = [m.id for m in c.find_machines(anchor_ts.text)] if anchor_ts is not None else []
        rest = q_en.replace(ts.text, " ") if ts and ts.text else q_en
        low = rest.lower()
        machines = c.find_machines(rest)
        tag_mentions = c.find_tag_names(rest)
        alarm_mentions = c.find_alarm_ids(rest)
        notes = [f"Read \u201c{m.text}\u201d as {c.machine_name(m.id)}." for m in machines if m.fuzzy]
        mids = [m.id for m in machines]
        route = Route("unknown", notes=notes, time=ts, machines=mids, lang=lang)
        if ts is not None:
            route.notes.append(f"Time: {ts.label}.")

        for rx, why in OUT_OF_SCOPE:
            if rx.search(low):
                return self._decline(route, why, lang)
        if ts is not None and self.span is not None:
            lo, hi = self.span()
            if lo is not None and hi is not None and (ts.end <= lo or ts.start > hi):
                fmt = self.time.fmt
                return self._decline(
                    route,
                    f"nothing is recorded for {ts.label}; the journal covers only {fmt(lo, True)} to {fmt(hi, True)}",
                    lang,
                )

        intent = next((name for name, rx in INTENTS if rx.search(low)), None)
        # An acknowledgement not yet given is asked about the alarms, never about who gave one: "which alarms
        # are still waiting for somebody to acknowledge them?" read "somebody ... acknowledge" as a
        # who-did-what question and answered who acknowledged what, while two alarms stood unacknowledged
        # (qa10 Q10-3). Nobody did it, so the answer is the alarms waiting, as the alarm list shows them.
        if intent == "who" and self._alarm_state(low) == "unacknowledged":
            intent = "alarms"
        # A reason asked about a named machine's stop, in any frame ("capper stopped - reason?", "what's
        # behind the labeller fault", "the filler went kaput, why"): its last stop and cause, never the
        # fault code now or a bare stop list (`frames`).
        machine_ends = [m.start + len(m.text) for m in machines]
        if intent in (None, "stops", "value", "status") and frames.asks_why_stop(
            low, machine_ends, self.scope.explained, stop_list=intent == "stops"
        ):
            intent = "why_stop"
        # A state now in the present tense ("is anything stopped right now?"): the machines' state now,
        # not the shift's stop list the word "stopped" reads as (`frames.asks_state_now`).
        if intent == "stops" and frames.asks_state_now(low):
            intent = "status"
        # Time lost, in any words: which machine lost the most ("which machine lost us the most time
        # tonight?") ranks the machines by downtime; a length of a standstill ("for how many minutes was
        # the whole line down?") is the downtime: the line's without a machine (`frames`).
        # The biggest contributor to the downtime ("what was the biggest downtime contributor?", "main
        # cause of downtime", "which unit was responsible for the most lost minutes?"): the Stops table's
        # time by reason, naming machines and minutes; "which machine" ranks the machines (`frames`).
        cause = frames.asks_downtime_cause(low) if intent not in _OWN_FRAMES else None
        if cause == "machine" and len(mids) == 1:
            cause = "reason"  # one machine named: where its time went
        rank = (
            (cause == "machine" or frames.asks_downtime_rank(low))
            and len(mids) != 1
            and intent not in _OWN_FRAMES
        )
        if (
            rank
            or cause
            or (intent in (None, "stops", "value", "status", "stats") and frames.asks_downtime(low))
        ):
            intent = "stops"
        # When a signal first reached its alarm limit (`frames`): a time in the record, not the value now.
        crossing = frames.asks_limit_crossing(low) if intent in (None, "value", "stats", "alarms") else None
        if crossing is not None and (tag_mentions or c.best_tags(low, mids[0] if mids else None)):
            intent = "stats"
        else:
            crossing = None
        # How long a named machine was stopped by a named kind of fault ("how long was the capper
        # jammed?", "how long was the filler faulted?"): those stops' lengths, not a decline or the list.
        stop_kind = _stop_kind(low) if mids and frames.DURATION.search(low) else None
        if stop_kind is not None and intent in (None, "stops", "value", "status", "stats"):
            intent = "stops"
        else:
            stop_kind = None
        if intent is None:
            # A bare tag or machine name still gets an answer ("filler bearing temperature?").
            if tag_mentions or (
                c.best_tags(low, mids[0] if mids else None) and (mids or len(low.split()) <= 6)
            ):
                intent = "value"
            elif mids and len(low.split()) <= 4:
                intent = "status"
            else:
                off = self._off_data(rest, None, [*machines, *alarm_mentions])
                return self._decline(route, off.text(), lang, off.localized()) if off else route
        route.intent = intent

        unknown = self._unknown_names(rest) if not mids and not tag_mentions and not alarm_mentions else []
        # A dotted name that is neither a tag nor an alarm ("filler.foo") is unknown even next to a machine.
        dotted = [
            w
            for w in re.findall(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b", low)
            if w not in c.tags and w not in c.alarms
        ]
        # In a who-did-what question a dotted name that is no tag or alarm is a person's login
        # ("what did m.keller do?"): the tool answers for that user (and says when nothing is recorded).
        users = dotted if intent == "who" else []
        unknown = [w for w in unknown if w not in users]
        unknown += [w for w in dotted if w not in users and w not in unknown]
        needs_entity = intent in (
            "value",
            "stats",
            "status",
            "why_stop",
            "stops",
            "alarms",
            "qc",
            "risk",
            "who",
        )
        if unknown and (needs_entity or any("." in w for w in unknown)):
            close: list[str] = []
            for w in unknown:
                close += [n for n in c.closest_names(w) if n not in close]
            machines_list = ", ".join(m.name for m in c.machines.values())
            route.reply = (
                f"There is no machine or tag called \u201c{unknown[0]}\u201d on {c.line_name}."
                + (f" Closest names: {', '.join(close[:4])}." if close else "")
                + f" Machines on this line: {machines_list}."
            )
            route.localized = {
                "de": f"Es gibt keine Maschine und kein Signal „{unknown[0]}“ auf {c.line_name}."
                f" Maschinen: {machines_list}.",
                "zh": f"{c.line_name}上没有名为“{unknown[0]}”的机器或信号。本线机器：{machines_list}。",
            }
            route.intent = "unknown_entity"
            return route
        # The subject must be something the data holds: an intent's everyday words ("running", "what is",
        # "line") next to a subject nobody recorded ("the maintenance budget") answer nothing.
        off = self._off_data(rest, intent, [*machines, *alarm_mentions])
        if off and intent == "why_stop" and machine_ends:
            # Slang in the machine's predicate ("went belly-up") says what the machine did, which the
            # answer reports from the data; a word in any other role names a subject (`frames`).
            slang = frames.predicate_words(low, machine_ends, self.scope.explained)
            off = OffData(tuple(w for w in off.words if w not in slang))
        if off:
            return self._decline(route, off.text(), lang, off.localized())

        start = end = at = None
        if ts is not None:
            if ts.point is not None and ts.kind == "point":
                at = ts.point
            start, end = ts.start, ts.end

        def per_machine(name: str, **kw: Any) -> None:
            targets: list[str | None] = list(mids[:4]) or [None]
            for mid in targets:
                route.calls.append(
                    ToolCall(name, {"machine": mid, **{k: v for k, v in kw.items() if v is not None}})
                )

        if intent == "handover":
            route.calls.append(ToolCall("handover", {"start": start, "end": end}))
        elif intent == "oee":
            per_machine("production", start=start, end=end)
        elif intent == "who":
            # Every action the question names ("shelved or out of service"), each its own call; an
            # acknowledgement only when no other action is named ("who shelved it, with what comment").
            actions: list[str | None] = [a for a, rx in _WHO_ACTIONS if rx.search(low)]
            if not actions and re.search(r"\back|\btook\b|\bcomment|\bconfirm|\bsign\w* off", low):
                actions = [TransitionCause.ACKNOWLEDGE.value]
            for action in actions or [None]:
                per_machine(
                    "operator_actions", action=action, user=users[0] if users else None, start=start, end=end
                )
        elif intent == "procedure":
            # The whole question: a time phrase in it ("when the capper is jammed") is its subject here.
            query = q_en
            mids = list(dict.fromkeys(m.id for m in c.find_machines(q_en)))
            extra = tuple(m.id for m in alarm_mentions)
            if extra:
                query += " " + " ".join(extra)
            route.calls.append(
                ToolCall(
                    "search_procedures", {"query": query, "machine": mids[0] if len(mids) == 1 else None}
                )
            )
            # The live state beside the procedure (qa8: "the labeller glue is running too hot, what
            # should the operator do?"): the value of the signal the symptom names, now.
            sig = [m.id for m in tag_mentions] or [
                t.name for t in c.best_tags(low, mids[0] if mids else None)
            ]
            if sig:
                route.calls.append(ToolCall("current_value", {"tag": sig[0], "at": at}))
        elif intent == "alarm_kpis":
            route.calls.append(ToolCall("alarm_kpis", {"start": start, "end": end}))
        elif intent == "why_stop":
            kind = "idle" if re.search(r"\bidle\b|\bstarv|\bblocked\b|\bwait", low) else None
            fault = next((label for label, rx in _FAULT_WORDS if rx.search(low)), None)
            if at is not None or (ts is not None and ts.point is not None and ts.kind == "after"):
                point = at if at is not None else ts.point if ts else None
                per_machine("event_sequence", at=point, kind=kind, fault=fault)
            else:
                per_machine("event_sequence", start=start, end=end, kind=kind, fault=fault)
        elif intent == "stops" and rank:
            route.calls.append(ToolCall("machine_states", {"start": start, "end": end, "focus": "rank"}))
        elif intent == "stops" and cause == "reason":
            per_machine("machine_states", start=start, end=end, focus="cause")
        elif intent == "stops":
            focus = (
                "downtime"
                if frames.asks_downtime(low)
                or re.search(r"\bhow long\b|\bdown ?time\b|\bdown\b|\bout\b", low)
                else None
            )
            if stop_kind is not None:
                focus = "downtime"
            per_machine("machine_states", start=start, end=end, focus=focus, fault=stop_kind)
        elif intent == "alarms":
            state = self._alarm_state(low)
            prio = self._priority(low)
            if ts is not None and ts.kind != "point" and state in ("active", None):
                state = None  # "alarms in the last hour": history, not the state now
            if (
                state is None
                and ts is None
                and re.search(r"\b(which|what|any)\b.*\b(are|is)\b", low)
                and not re.search(r"\b(were|was|had|did|happened|came|during|total)\b", low)
            ):
                state = "active"  # "which alarms are on the filler?": the alarms standing now
            kw: dict[str, Any] = {"state": state, "priority": prio}
            if alarm_mentions:
                kw["alarm"] = alarm_mentions[0].id
            if state is not None:
                if ts is not None:
                    kw["end"] = at if at is not None else end
            else:
                kw.update(start=start, end=end)
            per_machine("alarms", **kw)
        elif intent == "qc":
            qfocus = (
                "defects"
                if re.search(r"\bdefect|\bcamera|\bvision|\binspect|\bqc\b", low)
                else "production"
                if re.search(
                    r"\b(produc|output|how many (bottles|units|pieces|items|containers)|good bottles|good count)",
                    low,
                )
                and not re.search(r"\breject|\bthr(ew|own|ow) out", low)
                else None
            )
            per_machine("qc_rates", start=start, end=end, focus=qfocus)
        elif intent == "risk" and _MODEL_SCOPE.search(low):
            route.calls.append(ToolCall("fault_risk", {"focus": "scope"}))  # the model's card, no machine
        elif intent == "risk":
            rfocus = (
                "warnings"
                if _RISK_WARNINGS.search(low)
                else "peak"
                if re.search(r"\b(highest|peak|max(imum)?|worst|most(?! likely))\b", low)
                else None
            )
            if start is None and rfocus is not None:
                lo = self.span()[0] if self.span is not None else None
                start = lo  # the history: everything the journal holds
            if rfocus == "warnings" and not mids and anchored:
                mids = route.machines = anchored[:1]
            per_machine("fault_risk", start=start, end=end, focus=rfocus)
        elif intent in ("stats", "value"):
            tags = [m.id for m in tag_mentions] or [
                t.name for t in c.best_tags(low, mids[0] if mids else None)
            ]
            unexplained = self._unexplained(low, tags)
            missing = [w for w in unexplained if w in UNMEASURED] or [
                w for w in re.findall(r"[a-z]+", low) if w in UNMEASURED
            ]
            if missing and not tag_mentions:
                where = f" on the {c.machine_name(mids[0])}" if mids else ""
                sigs = sorted({t.label for t in c.tags.values() if not mids or t.machine == mids[0]})[:10]
                return self._decline(
                    route,
                    f"no signal for \u201c{' '.join(missing)}\u201d is measured{where} (signals: {', '.join(sigs)})",
                    lang,
                )
            if tags and intent == "value" and not mids and not tag_mentions and unexplained:
                tags = []  # "what is the meaning of life?": one shared word is not a tag description
            if not tags and mids:
                route.intent = "status"
                per_machine("machine_status", at=at)
            elif not tags and intent == "value" and not re.search(r"\b(value|reading|current(ly)?)\b", low):
                route.intent = "unknown"  # "what is the meaning of life?": nothing of this line in it
            elif not tags:
                route.reply = (
                    "Which signal do you mean? For example: bearing temperature, vibration, motor current, "
                    "speed, fill pressure, cap torque, glue temperature (with a machine: filler, capper...)."
                )
                route.intent = "unknown_entity"
            else:
                route.tags = tags[:4]
                if crossing is not None:
                    # "when did the filler vibration first go over its limit?": the first time in the
                    # period (the whole record when none is asked) each alarm limit was reached.
                    if start is None and self.span is not None:
                        start, end = self.span()[0], None
                    for t in tags[:1]:
                        route.calls.append(
                            ToolCall(
                                "tag_stats",
                                {"tag": t, "start": start, "end": end, "stat": f"first_{crossing}"},
                            )
                        )
                    route.intent = "stats"
                elif intent == "stats" or (ts is not None and ts.point is None):
                    stat = (
                        "max"
                        if _MAX.search(low)
                        else "min"
                        if _MIN.search(low)
                        else "mean"
                        if re.search(r"\b(average|mean)\b", low)
                        else None
                    )
                    for t in tags[:4]:
                        route.calls.append(
                            ToolCall("tag_stats", {"tag": t, "start": start, "end": end, "stat": stat})
                        )
                    route.intent = "stats"
                else:  # the value now, or at the moment asked ("the filler speed at 07:40")
                    for t in tags[:4]:
                        route.calls.append(ToolCall("current_value", {"tag": t, "at": at}))
        elif intent == "status":
            per_machine("machine_status", at=at)
        for call in route.calls:
            for k in [k for k, v in call.args.items() if v is None]:
                del call.args[k]
        return route
