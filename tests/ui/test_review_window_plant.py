"""The review workspace on the plant historian (PostgreSQL): the same shift as tests/ui/test_review_window.py,
forwarded by the station, shows the same cursor picture and its trend reads history from the database."""

from __future__ import annotations

import uuid

import pytest

psycopg = pytest.importorskip("psycopg")

from connectors.plant.access import PlantTarget  # noqa: E402
from connectors.plant.record import PlantRecord  # noqa: E402
from hmi.ui.review_window import ReviewWindow  # noqa: E402
from tests.pg_server import running_postgres  # noqa: E402
from tests.test_plant_review import forward  # noqa: E402
from tests.test_review import T0, shift_journal  # noqa: E402


@pytest.fixture(scope="module")
def plant_url(tmp_path_factory):
    directory = tmp_path_factory.mktemp("jt")
    shift_journal(directory)
    with running_postgres() as server:
        name = "rw_" + uuid.uuid4().hex[:8]
        with psycopg.connect(server.url, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        url = server.url.rsplit("/", 1)[0] + "/" + name
        forward(url, directory, "jt-ws", "jt")
        yield url


def test_the_workspace_reviews_a_line_from_the_plant_historian(qtbot, plant_url):
    record = PlantRecord(PlantTarget.parse(f"{plant_url}?line=jt"))
    window = ReviewWindow(record)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    try:
        assert "plant historian" in window.windowTitle() and "station jt-ws" in window.windowTitle()
        window.timeline_view.set_cursor(T0 + 230)
        rows = [window.state_table.item(r, 1).text() for r in range(window.state_table.rowCount())]
        assert rows == ["Faulted (Overheat)"]
        picture = [window.picture_table.item(r, 2).text() for r in range(window.picture_table.rowCount())]
        assert picture == ["Acknowledged"]
        with qtbot.waitSignal(window.trend.history_loaded, timeout=20_000) as loaded:
            window.trend.add_pen("m.speed")
        res = loaded.args[0]
        assert res.pens["m.speed"].n_samples == 600  # every sample of the shift, from PostgreSQL
        assert window.trend.historian is record.historian()
    finally:
        window.close()
        record.close()
