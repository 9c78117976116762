"""Rejects and product quality: the machines' reject counters and the visual-QC camera.

Visual QC is read as the inspector journals it (inference/qc/inspector.py): one `qc` event per
*reject* (`class` = the defect class, `p_defect`, `defect_rate_pct`, the image), errors as `qc`
events with an `error` field, and the rolling defect rate as the derived tag `qc.defect_rate` (% of
the last N inspected bottles). Good bottles are not journaled one by one, so the rate comes from
that tag, never from counting reject events against themselves. The older verdict-per-image shape
(`verdict` = ok/defect) is read too.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from hmi.core.journal_read import JournalError
from hmi.core.production.journal_io import counter_counts
from hmi.core.qc_figures import CAMERA_VS_LINE, RejectShare, inspection_mask, rolling_rate_caption
from inference.assistant import i18n
from inference.assistant.journal_access import Ev, JournalSource
from inference.assistant.tools.base import TIME_PARAMS, Param, Source, Tool, ToolResult
from inference.assistant.tools.context import PlantTools
from inference.assistant.tools.fmt import fmt_num
from inference.assistant.tools.stats import time_weighted
from inference.qc.inspector import DEFAULT_MIN_COUNT, DEFAULT_WINDOW

_OK = ("ok", "pass", "good", "accept", "accepted")


def qc_verdict(d: Mapping[str, Any]) -> bool | None:
    """True: a defect; False: a good bottle; None: not a verdict (an error, a model notice)."""
    if d.get("error"):
        return None
    v = str(d.get("verdict", "")).lower()
    if v:
        return v not in _OK
    if d.get("class") is not None:
        return str(d["class"]).lower() not in _OK
    if "ok" in d:
        return not bool(d["ok"])
    if d.get("defect"):
        return True
    return None


def defect_class(d: Mapping[str, Any]) -> str:
    return str(d.get("defect") or d.get("class") or d.get("label") or "defect").replace("_", " ")


class QcRates(Tool):
    name = "qc_rates"
    description = "reject and defect rates (machine counters and the visual-QC camera)"
    params = (
        Param("machine", "str"),
        *TIME_PARAMS,
        Param("focus", "str", enum=("rejects", "defects", "production")),
    )

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        focus: str | None = args.get("focus")
        j, mids, a, b, rng = ctx.scope(args)
        per: list[dict[str, Any]] = []
        sources: list[Source] = []
        tot_good = tot_rej = 0.0
        last_good = None
        # A camera question about the whole line is answered from the camera alone (the counters are
        # the slowest read here and answer another question).
        camera_only = focus == "defects" and not machine
        counted = [] if camera_only else [ctx.catalog.machines[mid] for mid in mids]
        counted = [m for m in counted if m.good_tag and m.reject_tag]
        deltas = self._counter_deltas(ctx, [t for m in counted for t in (m.good_tag, m.reject_tag)], a, b)
        for m in counted:
            mid = m.id
            g, r = deltas[m.good_tag], deltas[m.reject_tag]
            if g is None or r is None:
                continue
            n = g + r
            rate = 100.0 * r / n if n > 0 else None
            per.append(
                {
                    "machine": mid,
                    "good": int(g),
                    "rejects": int(r),
                    "reject_rate_pct": None if rate is None else round(rate, 2),
                }
            )
            tot_good += g
            tot_rej += r
            last_good = g
            sources.append(
                Source(
                    "trend",
                    f"{ctx.catalog.tag_label(m.reject_tag)} {rng}",
                    {"tag": m.reject_tag, "t": round(b, 3), "t0": round(a, 3), "t1": round(b, 3)},
                )
            )
        all_machines = len(mids) == len(ctx.catalog.machines)
        # The camera inspects after the machine its rate tag belongs to (the labeller on the demo line).
        camera_at = {
            t.machine for n, t in ctx.catalog.tags.items() if n.endswith("defect_rate") and t.machine
        }
        camera_here = all_machines or focus == "defects" or bool(camera_at & set(mids))
        qc_evs = [
            e
            for e in j.events(a, b, kinds=["qc"])
            if all_machines
            or (e.data.get("machine") or e.source) in mids
            or (camera_here and e.source in ("camera", "qc"))
        ]
        verdicts = [(e, qc_verdict(e.data)) for e in qc_evs]
        defects = [e for e, v in verdicts if v]
        judged = [e for e, v in verdicts if v is not None]
        per_image = any(v is False for _e, v in verdicts)  # good bottles journaled too (verdict shape)
        classes = Counter(defect_class(e.data) for e in defects)
        qc_rate = self._rate_tag(ctx, a, b) if camera_here else None
        parts: list[str] = []
        loc: dict[str, list[str]] = {lang: [] for lang in i18n.LANGS}
        qc_loc = 0  # the camera's entries at the end of each language's list (kept when the camera leads)
        line_rate = None
        if per:
            line_good = last_good or 0.0
            if tot_rej + line_good > 0:
                line_rate = 100.0 * tot_rej / (tot_rej + line_good)
            if len(per) > 1:
                parts.append(
                    f"Reject rate from {rng} (machine counters): line "
                    f"{fmt_num(round(line_rate, 2), '%') if line_rate is not None else 'n/a'} "
                    f"({int(tot_rej)} rejects on all machines, {int(line_good)} good bottles at the end of the line)."
                )
                for lang in i18n.LANGS:
                    loc[lang].append(
                        i18n.msg(
                            "reject_line",
                            rate=fmt_num(round(line_rate, 2), "%") if line_rate is not None else "n/a",
                            rejects=int(tot_rej),
                            good=int(line_good),
                            range=ctx.short_range(a, b),
                        )[lang]
                    )
            for p in per:
                rr = "n/a" if p["reject_rate_pct"] is None else fmt_num(p["reject_rate_pct"], "%")
                parts.append(
                    f"{ctx.catalog.machine_name(p['machine'])}: {rr} rejects "
                    f"({p['rejects']} of {p['good'] + p['rejects']} bottles; {p['good']} good)."
                )
                if len(per) == 1:
                    for lang in i18n.LANGS:
                        loc[lang].append(
                            i18n.msg(
                                "reject_machine",
                                machine=i18n.machine(
                                    p["machine"], lang, ctx.catalog.machine_name(p["machine"])
                                ),
                                rate=rr,
                                rejects=p["rejects"],
                                total=p["good"] + p["rejects"],
                                range=ctx.short_range(a, b),
                            )[lang]
                        )
        qc_rate_pct: float | None = None
        # The share over the asked window, counted: rejects of inspected images (one home:
        # hmi.core.qc_figures, the Quality panel's figure too). It leads; the rolling rate follows.
        rate_name = next((n for n in ctx.catalog.tags if n.endswith("defect_rate")), None)
        share: RejectShare | None = None
        if camera_here and rate_name is not None:
            share = RejectShare(len(defects), self._inspections(ctx, rate_name, a, b))
            if share.inspected:
                parts.append(f"Visual QC (camera) from {rng}: {share.text()}.")
                # The same share in the other languages: a German camera-reject question is answered
                # with the period's share as in English, not only the rolling rate (asst12).
                for lang in i18n.LANGS:
                    loc[lang].append(
                        i18n.msg(
                            "qc_share",
                            range=ctx.short_range(a, b),
                            rejects=f"{share.rejects:,}",
                            inspected=f"{share.inspected:,}",
                            pct=share.pct_text(),
                        )[lang]
                    )
                qc_loc += 1
        rolling_text: str | None = None
        if qc_rate is not None and rate_name is not None:
            t, now_v, now_ts, peak, peak_ts, mean = qc_rate
            qc_rate_pct = round(now_v, 2) if not math.isnan(now_v) else None
            # What the rolling figure covers, as the Quality panel captions it (hmi.core.qc_figures): the
            # last 200 images, or the fewer the window held then. Never the asked window's share (qa10
            # Q10-2: the handover gave the rolling 5.50 % as the shift's defect rate).
            seen = self._images_in_window(ctx, rate_name, now_ts)
            window = rolling_rate_caption(seen, DEFAULT_WINDOW)
            if seen < DEFAULT_MIN_COUNT:
                # A Good rate needs DEFAULT_MIN_COUNT images: fewer in the record means it does not hold
                # the images behind the figure (another writer, a record begun mid-run), so what the tag
                # says it covers is all that is known.
                window, seen = t.description or window, DEFAULT_WINDOW
            rolling_text = (
                f"rolling defect rate {fmt_num(round(now_v, 2), '%')} at {ctx.fmt_t(now_ts)} ({window})"
            )
            txt = rolling_text[0].upper() + rolling_text[1:]
            if peak is not None:
                txt += f"; peak {fmt_num(round(peak, 2), '%')} at {ctx.fmt_t(peak_ts)}"
            if mean is not None:
                txt += f", time-weighted mean {fmt_num(round(mean, 2), '%')} from {rng}"
            txt += f"; {len(defects)} rejects journaled from {rng}"
            if classes:
                txt += ": " + ", ".join(f"{c} {n}" for c, n in classes.most_common(6))
            parts.append(txt + ".")
            sources.append(
                Source(
                    "trend",
                    # The trend of the rolling figure over the window, said as such: "[18] QC defect rate
                    # 22:00 to 02:48" read as the shift's rate (qa10 Q10-2).
                    f"{t.label} trend ({window}) {rng}",
                    {"tag": t.name, "t": round(now_ts, 3), "t0": round(a, 3), "t1": round(b, 3)},
                )
            )
            win = f"{seen:,}"  # the images the rolling figure covers, as in the English caption
            for lang in i18n.LANGS:
                loc[lang].append(
                    i18n.msg(
                        "qc_rate",
                        rate=fmt_num(round(now_v, 2), "%"),
                        window=win,
                        time=ctx.fmt_t(now_ts),
                        n=len(defects),
                    )[lang]
                )
            qc_loc += 1
        elif per_image and judged:
            dr = 100.0 * len(defects) / len(judged)
            qc_rate_pct = round(dr, 2)
            cls = ", ".join(f"{c} {n}" for c, n in classes.most_common(5))
            parts.append(
                f"Visual QC: {len(defects)} defects in {len(judged)} inspected ({fmt_num(round(dr, 2), '%')})"
                + (f": {cls}" if cls else "")
                + "."
            )
        elif defects:
            parts.append(
                f"Visual QC: {len(defects)} rejects journaled from {rng}: "
                + ", ".join(f"{c} {n}" for c, n in classes.most_common(6))
                + " (no defect-rate tag recorded, so no rate)."
            )
        if defects:
            last = defects[-1]
            parts.append(f"Last camera reject at {ctx.fmt_t(last.ts)} ({defect_class(last.data)}).")
            for e in [*defects[:2], last][:3]:
                sources.append(self._qc_source(ctx, e))
        if per and (defects or (share is not None and share.inspected)):
            parts.append(CAMERA_VS_LINE)  # two reject figures in one answer: say they differ (QA5 F12)
        if not parts:
            parts.append(f"No production counters or QC results are recorded from {rng}.")
        facts: dict[str, Any] = {
            "range": rng,
            "machines": per,
            "line_rejects": int(tot_rej),
            "line_good": int(last_good or 0),
            "line_reject_rate_pct": round(line_rate, 2) if line_rate is not None and per else None,
            "qc_rejects": len(defects),
            "qc_inspected": len(judged) if per_image else None,
            "qc_defect_rate_pct": qc_rate_pct,
            "qc_share_inspected": share.inspected if share is not None else None,
            "qc_share_pct": round(share.pct, 2) if share is not None and share.pct is not None else None,
            # The wordings, said once here and quoted by the handover: the counted share over the asked
            # window, and the rolling rate labelled as what it is.
            "qc_share_text": share.text() if share is not None and share.inspected else None,
            "qc_rolling_text": rolling_text,
            "qc_classes": dict(classes),
            "qc_last_reject": ctx.fmt_t(defects[-1].ts) if defects else None,
        }
        keys: list[str] = []
        if focus == "defects" and share is not None and share.pct is not None:
            keys.append(f"{share.rejects} of {share.inspected}")
        elif focus == "defects" and qc_rate_pct is not None:
            keys.append(fmt_num(qc_rate_pct, "%").split()[0])
        elif focus == "production" and len(per) == 1:
            keys.append(str(per[0]["good"]))
        elif facts["line_reject_rate_pct"] is not None and len(per) > 1:
            keys.append(fmt_num(facts["line_reject_rate_pct"], "%").split()[0])
        elif len(per) == 1 and per[0]["reject_rate_pct"] is not None:
            keys.append(fmt_num(per[0]["reject_rate_pct"], "%").split()[0])
        elif qc_rate_pct is not None:
            keys.append(fmt_num(qc_rate_pct, "%").split()[0])
        if focus == "defects":  # a camera question: the camera's figures lead
            camera = ("Visual QC", "Rolling defect rate", "Last camera")
            parts = [p for p in parts if p.startswith(camera)] + [
                p for p in parts if not p.startswith(camera)
            ]
            for lang in i18n.LANGS:
                loc[lang] = loc[lang][-qc_loc:] if qc_loc else loc[lang]
        return ToolResult(
            self.name,
            {"machine": machine, "start": a, "end": b, "range": rng},
            " ".join(parts),
            facts,
            sources,
            key_facts=keys,
            localized={lang: " ".join(v) for lang, v in loc.items() if v},
        )

    @staticmethod
    def _qc_source(ctx: PlantTools, e: Ev) -> Source:
        return Source(
            "qc",
            f"QC reject at {ctx.fmt_t(e.ts)}: {defect_class(e.data)}",
            {"file": e.file, "id": e.id, "t": round(e.ts, 3), "image": e.data.get("image")},
        )

    @staticmethod
    def _counter_deltas(ctx: PlantTools, tags: list[str], a: float, b: float) -> dict[str, float | None]:
        """Units counted by each counter tag in [a, b): read and counted where the Production view,
        the shift report and `linehmi production summary` count them (hmi.core.production)."""
        j = ctx.need_journal()
        if not tags:
            return {}
        if isinstance(j, JournalSource):  # files: any counter tag, with or without a production model
            files = [p for p in j.files(a, b) if p.is_file()]
            return counter_counts(files, tags, a, b, ctx.production) if files else dict.fromkeys(tags)
        try:  # the plant historian: its production analysis reads the counters the same way
            an = j.production(a, b, ctx.production)
        except JournalError:
            return dict.fromkeys(tags)
        got = {
            tr.tag: tr.between(a, b) if len(tr) else None
            for d in an.data.values()
            for tr in d.counter_tracks()
        }
        return {t: got.get(t) for t in tags}

    @staticmethod
    def _inspections(ctx: PlantTools, tag: str, a: float, b: float) -> int:
        """Images the camera inspected in [a, b): one defect-rate sample each (hmi.core.qc_figures)."""
        s = ctx.need_journal().samples([tag], a, b)[tag]
        return int(inspection_mask(s.status, s.value).sum()) if len(s) else 0

    @staticmethod
    def _images_in_window(ctx: PlantTools, tag: str, at: float) -> int:
        """Images in the rolling window at `at`: the inspections journaled up to then, at most the window
        (the inspector's window is DEFAULT_WINDOW images; it starts empty with the inspector)."""
        j = ctx.need_journal()
        lo, _hi = j.span()
        if lo is None:
            return 0
        s = j.samples([tag], lo, at + 1e-3)[tag]
        n = int(inspection_mask(s.status, s.value).sum()) if len(s) else 0
        return min(n, DEFAULT_WINDOW)

    @staticmethod
    def _rate_tag(
        ctx: PlantTools, a: float, b: float
    ) -> tuple[Any, float, float, float | None, float, float | None] | None:
        """(tag, latest value, its time, peak, peak time, time-weighted mean) of the defect-rate tag."""
        j = ctx.need_journal()
        for name, t in ctx.catalog.tags.items():
            if not name.endswith("defect_rate"):
                continue
            cur = j.last_before(name, b)
            if cur is None:
                continue
            s = j.samples([name], a, b)[name]
            good = ((s.status.astype(np.int64) & 0xC0000000) == 0) & ~np.isnan(s.value)
            peak = peak_ts = None
            if good.any():
                i = int(np.argmax(np.where(good, s.value, -np.inf)))
                peak, peak_ts = float(s.value[i]), float(s.source_ts[i])
            tw = time_weighted(s.source_ts, s.value, good, a, b) if len(s) else None
            ts, v, st = cur
            if (st & 0xC0000000) != 0 or math.isnan(v):  # the last sample is bad: the last good one
                if peak is None:
                    continue
                gi = np.flatnonzero(good)[-1]
                v, ts = float(s.value[gi]), float(s.source_ts[gi])
            return t, v, ts, peak, peak_ts or ts, tw[0] if tw else None
        return None
