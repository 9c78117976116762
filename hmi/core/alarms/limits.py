"""Which limit an alarm may be given at run time: the one rule the engine enforces and the limit
dialog shows before anyone tries (qa7 G33: the dialog enabled "Change limit" for Hi 8 against
HiHi 7.1, and only the engine said no afterwards)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from hmi.core.alarms.model import LEVEL_LABELS, AlarmDefinition, AlarmKind

_LEVEL_ORDER = ("lolo", "lo", "hi", "hihi")


def limit_problem(defs: Sequence[AlarmDefinition], alarm_id: str, limit: object) -> str:
    """'' when `limit` may become the limit of alarm `alarm_id` among the current definitions
    `defs` (the engine's, with earlier run-time changes); otherwise why not, in words."""
    d = next((o for o in defs if o.id == alarm_id), None)
    if d is None:
        return f"no alarm with id {alarm_id!r}"
    if d.kind not in (AlarmKind.ANALOG, AlarmKind.ROC):
        return f"{alarm_id} is a {d.kind.value} alarm: it has no limit to change"
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not math.isfinite(limit):
        return f"the limit must be a finite number, got {limit!r}"
    if d.kind == AlarmKind.ROC and limit <= d.deadband:
        return f"a rate limit must be above the deadband {d.deadband:g}"
    if d.kind == AlarmKind.ANALOG and d.level:
        # The other levels of the same tag keep their order: LoLo < Lo < Hi < HiHi.
        levels = {
            o.level: o.limit
            for o in defs
            if o.id != d.id and o.kind == AlarmKind.ANALOG and o.tag == d.tag and o.level
        }
        levels[d.level] = float(limit)
        ordered = [(lv, levels[lv]) for lv in _LEVEL_ORDER if lv in levels]
        for (l1, v1), (l2, v2) in itertools.pairwise(ordered):
            if v1 >= v2:
                return (
                    f"limits would be inverted: {LEVEL_LABELS[l1]} {d.number_text(v1)} must stay "
                    f"below {LEVEL_LABELS[l2]} {d.number_text(v2)}"
                )
    return ""
