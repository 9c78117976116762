"""The Stops table's selection names the stop the supervisor chose, whatever the table does under it.

Classify…, Split… and Note… act on the selected row. The table re-renders (newest first) each time the
analysis changes: a new stop comes in on top, a stop leaves the list (classified at another station
with "Unclassified only" on, split, out of the chosen shift). A row number kept across that would make
Classify… act on a stop the supervisor never chose (select11 found it by reading; no path of the test
shift showed it, hence this property over random lists)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import ProductionAnalysis
from widgets.production_view import ProductionView

from .test_production_ui import production_runtime, shift_dir  # noqa: F401 (fixtures)


class _Later(ProductionAnalysis):
    """The same analysis, of which the Stops table lists only the stops `keep` says: what a later
    analysis shows of them (the rest of the analysis keeps every stop: its time arrays point into them)."""

    keep: frozenset[tuple[str, float]] = frozenset()

    def stops_in(self, a=None, b=None, machine=None):
        return [s for s in super().stops_in(a, b, machine) if s.key() in self.keep]


def _with_stops(a: ProductionAnalysis, keep: list[bool]) -> ProductionAnalysis:
    later = _Later(a.setup, a.data, a.timeline, list(a.flags))
    later.keep = frozenset(s.key() for s, k in zip(a.stops, keep, strict=True) if k)
    return later


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_selected_row_is_always_the_stop_the_user_chose(qtbot, themed_app, production_runtime, data):  # noqa: F811
    full = production_runtime.production.analysis()
    assert full is not None and len(full.stops) >= 3, "the test shift has stops to choose from"
    view = ProductionView(full.setup.calendar.to_local)
    qtbot.addWidget(view)
    view.set_analysis(full)
    view.tabs.setCurrentIndex(1)
    chosen = None
    for _step in range(data.draw(st.integers(1, 4), label="steps")):
        if view.stops.rowCount() and data.draw(st.booleans(), label="choose a row"):
            row = data.draw(st.integers(0, view.stops.rowCount() - 1), label="row")
            view.stops.selectRow(row)
            chosen = view._stops[row].key()
        keep = data.draw(
            st.lists(st.booleans(), min_size=len(full.stops), max_size=len(full.stops)), label="keep"
        )
        later = _with_stops(full, keep)
        view.set_analysis(later)
        now = view._selected()
        shown = {s.key() for s in view._stops}
        if chosen is not None and chosen in shown:
            assert now is not None and now.key() == chosen, (
                f"chose {chosen}, the selection names {now and now.key()}"
            )
        else:
            assert now is None, f"the chosen stop {chosen} left the table, yet {now.key()} is selected"
            assert not view.classify_button.isEnabled()
            chosen = None
