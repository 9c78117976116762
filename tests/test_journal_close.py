"""A clean close leaves the journal as one file: no `-wal`, no `-shm` beside it, even while readers of
this process (a trend's kept connection on a worker thread, the assistant's or the production view's
JournalReader, a bare read-only connection) still have it open (qa7 G19: the review refuses "Write to
the journal" while side files are there, so a stopped line's own file looked like one being written).
The SIGTERM path of the whole app: tests/ui/test_clean_stop.py."""

from __future__ import annotations

import concurrent.futures

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.historian import Historian
from hmi.core.journal import Journal
from hmi.core.journal_read import open_journal_readonly
from hmi.core.readonly_db import connect_readonly, side_files
from tests.test_journal import batch, make_config

T0 = 1_765_000_000.0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(readers=st.lists(st.sampled_from(["bare", "reader", "historian"]), max_size=4))
def test_a_clean_close_leaves_no_side_files_whatever_readers_are_open(tmp_path_factory, readers):
    d = tmp_path_factory.mktemp("j")
    j = Journal(make_config(line="jt"), d, clock=lambda: T0).open()
    t = T0 + np.arange(60.0)
    j.write_samples(batch(np.zeros(60, dtype=int), t, t - T0))
    j.flush()
    assert side_files(j.path)  # WAL mode while it is written
    pool = concurrent.futures.ThreadPoolExecutor(1)  # a trend worker: its thread keeps its connection
    opened: list = []
    try:
        open_readers(j, readers, pool, opened)
    finally:
        path = j.path
        j.close()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(path.name)] == [path.name]
    for r in opened:
        r.close()  # a reader closed after the writer: harmless
    pool.shutdown()
    assert not side_files(path)
    conn = connect_readonly(path)  # the file alone holds everything
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 60
    conn.close()


def open_readers(j: Journal, readers: list[str], pool, opened: list) -> None:
    for kind in readers:
        if kind == "bare":
            conn = connect_readonly(j.path, check_same_thread=False)
            conn.execute("SELECT count(*) FROM samples").fetchone()
            opened.append(conn)
        elif kind == "reader":
            r = open_journal_readonly(j.path)
            r.read_events(None, None, None)
            opened.append(r)
        else:
            hist = Historian.for_journal(j)
            v, _status, _ts = pool.submit(hist.value_at, "m.state", T0 + 30).result()
            assert v == pytest.approx(30.0)
