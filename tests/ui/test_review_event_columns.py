"""The review's event browser: every column but the message fits every text it holds, over all the
rows (not the first 1,000 Qt's fit-to-contents looks at), with and without a search; widths are
measured once per fill (ReviewWindow._fit_event_columns), not at every layout pass."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal
from hmi.core.review.source import ReviewSource
from hmi.ui.review_window import ReviewWindow
from tests.test_journal import batch, make_config
from tests.test_review import T0, state

KINDS = [EventKind.OPERATOR_ACTION, EventKind.QC, EventKind.SYSTEM, EventKind.AUDIT]


def busy_journal(directory, late: int, rng: np.random.Generator):
    """1,500 events; the widest source, user and kind appear only in the last `late` of them."""
    with Journal(make_config(), directory, clock=lambda: T0) as j:
        t = T0 + np.arange(1600.0)
        j.write_samples(batch(np.zeros(1600, dtype=int), t, np.full(1600, 2.0)))
        events = [state(T0, "m", "Running")]
        for k in range(1, 1500):
            wide = k >= 1500 - late
            events.append(
                JournalEvent(
                    KINDS[int(rng.integers(len(KINDS) if wide else 2))],
                    f"event {k}",
                    source="the-line-side-station-with-a-long-name" if wide else "m",
                    user="a.supervisor.with.a.long.name" if wide else "olga",
                    ts=T0 + k,
                    severity=Severity.INFO,
                )
            )
        j.write_events(events)
        j.flush()
        return j.path


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    late=st.integers(1, 40), seed=st.integers(0, 2**16), search=st.sampled_from(["", "event 14", "event 9"])
)
def test_every_short_column_fits_every_text_it_holds(qtbot, tmp_path_factory, late, seed, search):
    path = busy_journal(tmp_path_factory.mktemp("busy"), late, np.random.default_rng(seed))
    window = ReviewWindow(ReviewSource.open([path]), compact=False)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    window.filter_edit.setText(search)
    table, model = window.events_table, window.events_model
    header = table.horizontalHeader()
    assert model.rowCount() > 0
    for col in range(model.columnCount() - 1):
        need = max(table.sizeHintForIndex(model.index(r, col)).width() for r in range(model.rowCount()))
        assert header.sectionSize(col) >= need, (col, header.sectionSize(col), need)
    window.close()
