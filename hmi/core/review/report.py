"""The shift report's content, from the journal alone, as data and as Markdown.

Every figure is computed here once, from the same review source the workspace shows: the machines'
time per state and their stops (from machine_state events), the ISA-18.2 alarm KPIs
(`hmi.core.alarms.kpi`, the same code as `linehmi alarms report`), the alarms standing at the end
(`AlarmPicture`, the same as the workspace's alarm picture), operator actions of note, QC rejects and
model advisories, and which stops get a trend snapshot (the longest `SNAPSHOT_STOPS`, each with its
machine's key pens around it). The PDF (hmi.ui.report_pdf) renders this Markdown with Qt's own text
engine, so the text stays selectable and searchable; the snapshot images are drawn by
hmi.ui.report_snapshots from the same Historian read as the trends, and sit next to the Markdown file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from hmi.core.alarms import figures, kpi
from hmi.core.alarms.event_codec import TransitionCause
from hmi.core.events import EventKind
from hmi.core.journal_read import JournalError
from hmi.core.production.journal_io import ShiftSummary, record_window, summarise
from hmi.core.production.oee import ParetoRow, recorded_stretches
from hmi.core.production.stops import STOP_ACTIONS, StopCounts, end_text
from hmi.core.production.stops import Stop as MachineStop
from hmi.core.production.text import (
    NOT_RECORDED,
    count,
    duration_words,
    minutes,
    or_unrecorded,
    pct,
    performance,
    recorded_share,
)
from hmi.core.qc_figures import CAMERA_VS_LINE
from hmi.core.review.advisory_spans import AdvisorySpan, advisory_spans
from hmi.core.review.alarm_picture import AlarmPicture, PictureRow
from hmi.core.review.record import ReviewRecord
from hmi.core.review.timeline import StateBar, Timeline, build_timeline

# The report draws the trend around this many of the period's stops, the longest first: the ones a
# shift review talks about, without a page of charts per micro-stop.
SNAPSHOT_STOPS = 5
SNAPSHOT_PENS = 4  # per machine: its speed and key tags, in the faceplate's order
# Alarm transitions a shift report lists among the operator's actions of note.
NOTABLE_ALARM_ACTIONS = (
    TransitionCause.SHELVE,
    TransitionCause.OUT_OF_SERVICE,
    TransitionCause.RETURN_TO_SERVICE,
    TransitionCause.UNSHELVE,
    TransitionCause.LIMIT_CHANGED,
)
QC_EXAMPLES = 6  # reject images listed by path; the rest are counted ("and 36 more")


@dataclass(frozen=True)
class Stop:
    machine: str
    t0: float
    t1: float
    state: str
    reason: str

    @property
    def duration_s(self) -> float:
        return self.t1 - self.t0


@dataclass(frozen=True)
class StopSnapshot:
    """A trend image of one stop: the machine's key pens from before it began to after it ended."""

    rank: int  # 1 = the longest stop of the period
    machine: str
    t0: float  # the stop
    t1: float
    reason: str
    pens: tuple[str, ...]
    image: str  # the image's file name (next to the Markdown; a resource of the same name in the PDF)

    @property
    def window(self) -> tuple[float, float]:
        """Drawn range: the stop with a margin of a quarter of its length each side, 1 to 10 minutes."""
        pad = min(600.0, max(60.0, 0.25 * (self.t1 - self.t0)))
        return self.t0 - pad, self.t1 + pad


@dataclass
class ShiftReport:
    line_name: str
    title: str  # "early shift 2026-12-06" / "2026-12-06 06:00 to 14:00"
    t0: float
    t1: float
    files: list[str]
    users: list[str]
    state_time: dict[str, dict[str, float]]  # machine -> state -> seconds inside [t0, t1)
    machine_names: dict[str, str]
    stops: list[Stop]
    alarm_kpis: kpi.KpiReport
    standing_at_end: list[PictureRow]
    actions: list[tuple[float, str, str]]  # (time, user, what)
    qc_rejects: Counter[str] = field(default_factory=Counter)
    qc_examples: list[tuple[float, str, str]] = field(default_factory=list)  # (time, defect, image path)
    advisories: list[AdvisorySpan] = field(default_factory=list)  # each start with its end
    problems: list[str] = field(default_factory=list)
    # Production and OEE from the production model journaled in the file (hmi.core.production: the same
    # figures as the Production view and `linehmi production summary`); None where the file has none.
    production: ShiftSummary | None = None
    record_end: float | None = None  # where the record ends inside the period (None: it covers it)
    record_start: float | None = None  # where the record starts inside the period (None: it covers it)
    snapshots: list[StopSnapshot] = field(default_factory=list)
    stop_count: int = 0  # stops in the period (of the report's one stop definition): "the 5 longest of N"
    # Seconds of [t0, t1) the record covers, less the stretches LineHMI was not running: 0 for a
    # shift nobody recorded, whose every figure then reads "not recorded", never 0 (qa9 Q9-18).
    recorded_s: float | None = None
    record_span: tuple[float, float] | None = None  # what the files cover (said when nothing is recorded)

    @property
    def seen_s(self) -> float:
        return self.t1 - self.t0 if self.recorded_s is None else self.recorded_s

    @property
    def nothing_recorded(self) -> bool:
        return self.seen_s < 0.5


def build_report(
    source: ReviewRecord, t0: float, t1: float, title: str, *, timeline: Timeline | None = None
) -> ShiftReport:
    """`timeline`: the record's timeline when the caller has it (the review workspace built it when it
    opened): its events are then not read and decoded a second time. Without it, the timeline of the
    period alone is read (`build_timeline(source, period=...)`: `linehmi report` of one shift of a
    week of files decodes that shift's events, not the week's); the report is the same either way."""
    if t1 <= t0:
        raise ValueError(f"the report period ends before it starts ({title})")
    if timeline is None:
        timeline = build_timeline(source, period=(t0, t1))
    # The record may end before the period (LineHMI stopped at 12:10 in a shift to 14:00): the
    # figures and the alarms standing "at the end" are those of the record's end, the time after it
    # is not recorded, never downtime (the same window as `linehmi production summary`).
    end = max(t0, min(t1, source.t1))
    window = record_window(t0, t1, source.t1)  # the figures' window: `production summary`'s rule
    events = [e for e in timeline.events if t0 <= e.ts < t1]
    names = dict(timeline.machines)
    state_time: dict[str, dict[str, float]] = {m: defaultdict(float) for m in names}
    stops: list[Stop] = []
    for bar in timeline.bars:
        a, b = max(bar.t0, t0), min(bar.t1, t1)
        if b <= a:
            continue
        state_time.setdefault(bar.machine, defaultdict(float))[bar.state] += b - a
        if _is_stop(bar):
            stops.append(Stop(bar.machine, a, b, bar.state, bar.fault or bar.state))
    users = sorted(
        {e.user for e in events if e.kind == EventKind.AUDIT and e.data.get("action") == "login" and e.user}
    )
    actions = []
    for e in events:
        if e.kind == EventKind.OPERATOR_ACTION:
            actions.append((e.ts, e.user, e.message))
        elif e.kind == EventKind.ALARM and _notable_alarm_action(e.data):
            actions.append((e.ts, e.user or str(e.data.get("user") or ""), e.message))
        elif e.kind == EventKind.AUDIT and _notable_audit(e.data):
            actions.append((e.ts, e.user, e.message))
    qc = [e for e in events if e.kind == EventKind.QC]
    rejects: Counter[str] = Counter()
    examples: list[tuple[float, str, str]] = []
    for e in qc:
        label = e.data.get("class")  # set on rejects only (inference.qc.inspector)
        if label:
            rejects[str(label)] += 1
            if len(examples) < QC_EXAMPLES and e.data.get("image"):
                examples.append((e.ts, str(label), str(e.data.get("image"))))
    advisories = advisory_spans(events)
    kpis = source.alarm_kpis(t0, t1)
    lo, hi = max(t0, source.t0), min(t1, source.t1)
    recorded_s = sum(b - a for a, b in recorded_stretches(source.not_recording(), lo, hi)) if hi > lo else 0.0
    production = None
    no_production: list[str] = []
    try:
        production = summarise(source.production(*window), title)
    except (JournalError, ValueError) as exc:
        no_production.append(f"no production figures: {exc}")
    problems = [*source.problems, *no_production]  # after the reads: a file left out for damage is named
    report = ShiftReport(
        line_name=source.line_name,
        title=title,
        t0=t0,
        t1=t1,
        files=source.sources,
        users=users,
        state_time={m: dict(v) for m, v in state_time.items()},
        machine_names=names,
        stops=sorted(stops, key=lambda s: s.t0),
        alarm_kpis=kpis,
        standing_at_end=AlarmPicture(timeline.events).at(end),
        record_end=end,
        record_start=min(end, max(t0, source.t0)),
        actions=actions,
        qc_rejects=rejects,
        qc_examples=examples,
        advisories=advisories,
        problems=problems,
        production=production,
        recorded_s=recorded_s,
        record_span=(source.t0, source.t1),
    )
    report.snapshots, report.stop_count = _snapshots(source, report)
    return report


def _snapshots(source: ReviewRecord, r: ShiftReport) -> tuple[list[StopSnapshot], int]:
    """The longest stops of the report's one stop definition (the production model's, short stops
    excluded, else the machine-state stops), each with its machine's key pens from the line config."""
    if r.production is not None:
        summary = r.production
        stops = [(s.machine, s.start, s.end, summary.reason_label(s)) for s in summary.stops
                 if not s.short]  # fmt: skip
    else:
        stops = [(s.machine, s.t0, s.t1, s.reason) for s in r.stops]
    if source.config is None:
        if stops:
            r.problems.append("no trend snapshots of the stops: these files do not hold the line config")
        return [], len(stops)
    pens_of = {
        m.id: tuple(t for t in (m.speed_tag, *m.key_tags) if t)[:SNAPSHOT_PENS]
        for m in source.config.machines
    }
    longest = sorted(stops, key=lambda s: (-(s[2] - s[1]), s[1]))[:SNAPSHOT_STOPS]
    out = []
    for rank, (machine, t0, t1, reason) in enumerate(longest, 1):
        pens = pens_of.get(machine, ())
        if pens:
            out.append(
                StopSnapshot(rank, machine, t0, t1, reason, pens, f"stop{rank}_{_file_safe(machine)}.png")
            )
    return out, len(stops)


def _file_safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "machine"


def _notable_alarm_action(data: dict[str, object]) -> bool:
    action = data.get("action")
    return action in NOTABLE_ALARM_ACTIONS or (
        action == TransitionCause.ACKNOWLEDGE and bool(data.get("comment"))
    )


def _notable_audit(data: dict[str, object]) -> bool:
    """Stop classifications/splits/notes, and every refused attempt (a write nobody was allowed)."""
    return data.get("result") == "refused" or (
        data.get("action") in STOP_ACTIONS and data.get("result") == "ok"
    )


def _is_stop(bar: StateBar) -> bool:
    return bar.state not in ("Running", "Starting")


def _t(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def span_line(s: AdvisorySpan) -> str:
    """One advisory of the report: start, what, and its end or that it was open at the record end."""
    if s.start is None:
        return f"(started before this period) — ended {_t(s.end or 0.0)}: {s.end_text}"
    if s.end is None:
        return f"{_t(s.start)} {s.text} — still open at the record end"
    return f"{_t(s.start)} {s.text} — ended {_t(s.end)}: {s.end_text}"


def _dur(s: float) -> str:
    s = round(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def to_markdown(r: ShiftReport, *, image_prefix: str = "", images: bool = True) -> str:
    """The report as Markdown. `image_prefix` goes before each snapshot's file name (the CLI names the
    images after the Markdown file); `images=False` (Markdown to a terminal) lists the stops without them."""
    day = dt.datetime.fromtimestamp(r.t0)
    lines = [
        f"# Shift report: {r.line_name}",
        "",
        f"**{r.title}** — {day:%Y-%m-%d} {_t(r.t0)} to {dt.datetime.fromtimestamp(r.t1):%Y-%m-%d} {_t(r.t1)} "
        f"(local time, {_dur(r.t1 - r.t0)})",
        "",
        f"Journal: {', '.join(r.files)}. Logged in during the period: {_users(r)}.",
        "",
    ]
    if r.nothing_recorded:
        # A period with no record at all: no section may read as measured (qa9 Q9-18: "0:00" per
        # state, "No downtime.", an alarm window of 0 s for an 8-h shift LineHMI never saw).
        return "\n".join(lines + _nothing_recorded_markdown(r))
    share = recorded_text(r)
    if share:
        lines += [f"Recorded: {share}.", ""]
    if r.record_start is not None and r.record_start > r.t0:
        lines += [
            f"The record starts at {_t(r.record_start)}: the time before it is not recorded (not downtime).",
            "",
        ]
    if r.record_end is not None and r.record_end < r.t1:
        lines += [
            f"The record ends at {_t(r.record_end)}: the time after it is not recorded (not downtime), and "
            "the production figures and the alarms standing are those of the record's end.",
            "",
        ]
    if r.problems:
        lines += ["Notes on the data: " + "; ".join(r.problems) + ".", ""]
    lines += _production_markdown(r)
    # One definition of a stop per report: the production model's where the file has one (above),
    # else the machine-state changes (here).
    with_stops = r.production is None
    lines += ["## Machines: time per state", ""]
    # Over the record's span inside the period; "not recorded": no state read (the server link down,
    # LineHMI not running, before the machine's first reading), never the last state held (qa7 G28).
    r0 = r.t0 if r.record_start is None else r.record_start
    r1 = r.t1 if r.record_end is None else r.record_end
    span = max(0.0, r1 - r0)
    lines.append(
        f"From {_t(r0)} to {_t(r1)}; not recorded: no state was read then (server link "
        "down, LineHMI not running, before a machine's first reading).",
    )
    lines.append("")
    columns = [*_STATES, "not recorded"]
    lines.append("| machine | " + " | ".join(columns) + (" | stops |" if with_stops else " |"))
    lines.append("|---|" + "---|" * (len(columns) + (1 if with_stops else 0)))
    stop_count = Counter(s.machine for s in r.stops)
    for m, name in r.machine_names.items():
        st = r.state_time.get(m, {})
        other = sum(v for k, v in st.items() if k not in _STATES[:-1])
        unread = max(0.0, span - sum(st.values()))
        cells = [_dur(st.get(k, 0.0)) for k in _STATES[:-1]] + [_dur(other), _dur(unread)]
        tail = f" | {stop_count.get(m, 0)} |" if with_stops else " |"
        lines.append(f"| {name} | " + " | ".join(cells) + tail)
    lines += ["", "## Machine state changes", ""]
    if r.production is not None:
        lines.append("Downtime with reasons and its attribution: see Production above.")
    elif r.stops:
        pareto: dict[str, list[float]] = defaultdict(list)
        for s in r.stops:
            pareto[f"{r.machine_names.get(s.machine, s.machine)}: {s.reason}"].append(s.duration_s)
        lines += ["| machine: reason | stops | downtime |", "|---|---|---|"]
        for key, durs in sorted(pareto.items(), key=lambda kv: -sum(kv[1])):
            lines.append(f"| {key} | {len(durs)} | {_dur(sum(durs))} |")
        lines += ["", "| from | to | machine | state | reason | duration |", "|---|---|---|---|---|---|"]
        for s in r.stops:
            lines.append(
                f"| {_t(s.t0)} | {_t(s.t1)} | {r.machine_names.get(s.machine, s.machine)} | {s.state} | "
                f"{s.reason} | {_dur(s.duration_s)} |"
            )
    else:
        lines.append("No machine stopped in this period.")
    lines += _snapshots_markdown(r, image_prefix, images)
    k = r.alarm_kpis
    lines += [
        "",
        "## Alarms (ISA-18.2)",
        "",
        # The rate in the one wording every screen uses (hmi.core.alarms.figures): it read 16.2 here
        # and 16.15 in the KPI view for the same period.
        f"{figures.ALARM_RATE.label} {k.rate_text()}; "
        f"peak {k.per_10min_peak} in 10 min; {k.flood_pct:.0f} % of 10-minute periods in flood (> 10 alarms); "
        f"{k.acks} acknowledged"
        + (f", median time to acknowledge {k.median_time_to_ack_s:.0f} s." if k.median_time_to_ack_s else ".")
        # The window is the recorded part of the period (hmi.core.alarms.kpi.report_events): say so.
        + (f" Every alarm figure is over {k.window_text()}." if k.clipped else ""),
        "",
    ]
    if k.top10:
        lines += ["| most frequent alarms | count |", "|---|---|"]
        lines += [f"| {a.name or a.alarm} | {a.count} |" for a in k.top10]
        lines.append("")
    if k.assessment:
        lines += ["| KPI | value | target | verdict |", "|---|---|---|---|"]
        lines += [f"| {a.kpi} | {a.value} | {a.target} | {a.verdict} |" for a in k.assessment]
        lines.append("")
    if r.record_end is not None and r.record_end < r.t1:
        lines += [f"## Alarms standing at the end of the record ({_t(r.record_end)})", ""]
    else:
        lines += ["## Alarms standing at the end of the period", ""]
    if r.standing_at_end:
        lines += ["| alarm | priority | state | in this state since |", "|---|---|---|---|"]
        for row in r.standing_at_end:
            snap = row.snapshot
            lines.append(
                f"| {snap.name or snap.alarm} | {snap.priority or '-'} | {row.status} | {_t(row.since)} |"
            )
    else:
        lines.append("None: every alarm was normal and acknowledged.")
    lines += ["", "## Operator actions of note", ""]
    if r.actions:
        lines += ["| time | user | action |", "|---|---|---|"]
        lines += [f"| {_t(t)} | {u or '-'} | {_cell(text)} |" for t, u, text in r.actions]
    else:
        lines.append(
            "No setpoint changes, shelves, out-of-service actions, stop classifications or refusals."
        )
    lines += ["", "## Visual QC", ""]
    total = sum(r.qc_rejects.values())
    if r.qc_rejects:
        lines.append(
            f"{total} camera rejects: "
            + ", ".join(f"{n} {d.replace('_', ' ')}" for d, n in r.qc_rejects.most_common())
            + "."
        )
        if r.production is not None:  # the line's rejects are in the table above: not the same count
            lines += ["", CAMERA_VS_LINE]
        for t, d, img in r.qc_examples:
            lines.append(f"- {_t(t)} {d.replace('_', ' ')}: `{img}`")
        if total > len(r.qc_examples):
            lines.append(f"- … and {total - len(r.qc_examples)} more (the first {len(r.qc_examples)} listed)")
    else:
        lines.append("No QC rejects journaled in this period.")
    lines += ["", "## Model advisories", ""]
    if r.advisories:
        lines += [f"- {_cell(span_line(s))}" for s in r.advisories]
    else:
        lines.append("No fault-prediction warnings in this period.")
    lines.append("")
    return "\n".join(lines)


def _users(r: ShiftReport) -> str:
    """Who logged in; of a period with no record, that is not known either (not "nobody")."""
    if r.nothing_recorded:
        return NOT_RECORDED
    return ", ".join(r.users) or "nobody logged in"


def recorded_text(r: ShiftReport) -> str:
    """How much of the period the record holds: "" when all of it, else "12 min of 8 h 00 min"
    (the stretches LineHMI was not running and the time outside the files left out)."""
    if r.t1 - r.t0 - r.seen_s < 0.5:
        return ""
    return f"{duration_words(r.seen_s)} of {duration_words(r.t1 - r.t0)}; the rest is {NOT_RECORDED}"


# The sections of a report, each said "not recorded" for a period with no record at all.
_SECTIONS = (
    "Production and OEE (ISO 22400-2)",
    "Machines: time per state",
    "Machine state changes",
    "Alarms (ISA-18.2)",
    "Alarms standing at the end of the period",
    "Operator actions of note",
    "Visual QC",
    "Model advisories",
)


def _nothing_recorded_markdown(r: ShiftReport) -> list[str]:
    """The report of a period LineHMI recorded nothing of: it says so first, with what the files
    do cover, and every section reads "not recorded" (not zero, not "none")."""
    covers = ""
    if r.record_span is not None:
        a, b = r.record_span
        covers = (
            f" The journal covers {dt.datetime.fromtimestamp(a):%Y-%m-%d} {_t(a)} to "
            f"{dt.datetime.fromtimestamp(b):%Y-%m-%d} {_t(b)}."
        )
    lines = [
        f"**Nothing was recorded in this period** (LineHMI was not running, or the journal does not reach it)."
        f"{covers} No figure of this report is known: each section below is {NOT_RECORDED}, not zero.",
        "",
    ]
    if r.problems:
        lines += ["Notes on the data: " + "; ".join(r.problems) + ".", ""]
    for title in _SECTIONS:
        lines += [f"## {title}", "", f"{NOT_RECORDED.capitalize()}.", ""]
    return lines


def _snapshots_markdown(r: ShiftReport, prefix: str, images: bool) -> list[str]:
    if not r.snapshots:
        return []
    n = len(r.snapshots)
    lines = [
        "",
        "## Trends around the longest stops",
        "",
        f"The {n} longest of the period's {r.stop_count} stops"
        + (" (short stops not counted)" if r.production is not None else "")
        + ", each with its machine's key pens as recorded (held between samples, gaps left blank); "
        "the stop is the shaded band.",
    ]
    for s in r.snapshots:
        name = r.machine_names.get(s.machine, s.machine)
        w0, w1 = s.window
        lines += [
            "",
            f"**{s.rank}. {name}**: stopped {_t(s.t0)} to {_t(s.t1)} ({_dur(s.t1 - s.t0)}), reason "
            f"{_cell(s.reason)}; drawn {_t(w0)} to {_t(w1)}: {', '.join(s.pens)}.",
        ]
        if images:
            lines += ["", f"![{name} around the stop at {_t(s.t0)}]({prefix}{s.image})"]
    if not images:
        lines += [
            "",
            "(The trend images are in the PDF and next to a Markdown file written with --markdown FILE.)",
        ]
    return lines


def _production_markdown(r: ShiftReport) -> list[str]:
    s = r.production
    if s is None:
        return []
    head = "| scope | OEE | availability | performance | quality | good | rejects | downtime |"
    lines = ["## Production and OEE (ISO 22400-2)", "", head, "|---|---|---|---|---|---|---|---|"]
    for name, f in [("line", s.line_oee), *((r.machine_names.get(m, m), f) for m, f in s.machines.items())]:
        cells = [pct(f.oee), pct(f.availability), performance(f), pct(f.quality), count(f.good)]
        cells += [count(f.rejects), minutes(f.downtime_s)]
        lines.append(f"| {name} | " + " | ".join(or_unrecorded(f, c) for c in cells) + " |")
    lines += [
        "",
        "Line downtime by reason (the line's lost time, attributed to the machine stop that caused it; "
        "the machines' own stop time is the sum of that reason's rows of those machines in the stops "
        "table below; it "
        "differs where the line was down for less or more time than the machine that caused it):",
        "",
    ]
    if s.pareto:
        lines += [
            "| reason | category | line downtime | machines' stop time | stops | machines |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(p.text)} | {p.category} | {minutes(p.seconds)} | {minutes(_stop_time(s.stops, p))} "
            f"| {p.count} | {', '.join(p.machines)} |"
            for p in s.pareto
        ]
    else:
        # A window recorded in part: the time nobody saw is not known to be free of downtime.
        lines.append("No downtime in the recorded part." if recorded_share(s.line_oee) else "No downtime.")
    short = [st for st in s.stops if st.short]
    if short:
        lines += [
            "",
            f"{len(short)} short stop(s) totalling {minutes(sum(st.duration for st in short))} count as a speed "
            "loss (performance), not as downtime: unplanned stops shorter than the line's short-stop threshold.",
        ]
    lines += ["", f"Stops: {StopCounts.of(s.stops).text()}.", ""]
    if s.stops:
        lines += [
            "| from | to | machine | category | reason | minutes | classified by |",
            "|---|---|---|---|---|---|---|",
        ]
        for st in s.stops:
            lines.append(
                f"| {_t(st.start)} | {end_text(st, _t(st.end))} | {r.machine_names.get(st.machine, st.machine)} "
                f"| {st.category}{' (short)' if st.short else ''} | {_cell(s.reason_label(st))} "
                f"| {'≥ ' if st.open_end else ''}{st.duration / 60:.1f} | {st.classified_by_text} |"
            )
        lines.append("")
    if s.flags:
        lines += ["Flags on these figures: " + "; ".join(s.flags) + ".", ""]
    return lines


_STATES = ["Running", "Starting", "Idle", "Stopped", "Faulted", "other"]


def _stop_time(stops: Sequence[MachineStop], row: ParetoRow) -> float:
    """The machines' own stop time behind one line-downtime row: the sum of the stops table's rows
    of that reason and those machines (one home for a stop's duration, `Stop.duration`), short
    stops left out as in the line downtime."""
    return sum(
        st.duration for st in stops if st.reason == row.reason and st.machine in row.machines and not st.short
    )


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")
