"""The review window on a folder whose second day has a damaged page in its sample data, which the open
does not check (hmi.core.readonly_db): the window opens on both days, and the whole check it runs in
the background once shown names the file in the banner; nothing is written beside the evidence."""

from __future__ import annotations

import hashlib

from hmi.core import readonly_db
from hmi.core.review.source import ReviewSource
from hmi.ui.review_window import ReviewWindow
from tests.test_damaged_journal import PAGE, damage, damaged_tables, is_damaged
from tests.test_review import T0, shift_journal


def test_damage_in_the_sample_data_comes_to_the_banner_after_the_window_shows(qtbot, tmp_path):
    good_bytes = shift_journal(tmp_path / "a", T0).read_bytes()
    other_bytes = shift_journal(tmp_path / "b", T0 + 86_400).read_bytes()
    # a page of the text samples: no read of this review meets it, only the whole check finds it
    page = next(
        n for n in range(len(other_bytes) // PAGE) if damaged_tables(other_bytes, n, 1) == {"text_samples"}
    )
    folder = tmp_path / "j"
    folder.mkdir()
    good, bad = folder / "jt_2025-12-06.db", folder / "jt_2025-12-07.db"
    good.write_bytes(good_bytes)
    bad.write_bytes(damage(other_bytes, page, 1, "random", 3))
    assert is_damaged(bad)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    readonly_db._verdicts.clear()
    source = ReviewSource.open([folder])
    assert source.paths == [good, bad] and not source.problems  # the open's check passes it
    window = ReviewWindow(source)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    assert not window.problems_label.isVisibleTo(window)
    window.show()
    qtbot.waitUntil(lambda: window._checking is not None, timeout=5000)
    thread = window._checking
    assert thread is not None
    thread.join(30)
    qtbot.waitUntil(lambda: bad.name in window.problems_label.text(), timeout=5000)
    text = window.problems_label.text()
    assert (
        f"journal file {bad}: not a readable SQLite database (damaged: SQLite's check of the file finds"
        in text
    )
    assert window.problems_label.isVisible()
    assert good.name not in text
    window.close()
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before
