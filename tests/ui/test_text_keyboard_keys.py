"""Every key of the on-screen text keyboard types its own character, plain and shifted, and only
that: the shifted "c" typed "C", which the shared key handler took for the Clear key and wiped the
whole field (a set name "Capper" came out "apper"; a shelve reason lost everything typed before a
capital C). Checked over every character key, tapped as a finger does (the button's click), after
random text already in the field."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from widgets.text_keyboard import ROWS, SHIFT, SPACE, TextKeyboard

CHARACTER_KEYS = [ch for row in ROWS for ch in row] + [SPACE]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.text(alphabet="abcXYZ 12-", max_size=12))
def test_every_key_types_its_character(qtbot, before):
    host = QWidget()
    qtbot.addWidget(host)
    lay = QVBoxLayout(host)
    edit = QLineEdit()
    keys = TextKeyboard(edit)
    lay.addWidget(edit)
    lay.addWidget(keys)
    wrong = []
    for key in CHARACTER_KEYS:
        for shifted in (False, True):
            edit.setText(before)
            edit.setCursorPosition(len(before))
            if shifted:
                keys.keys[SHIFT].click()
            keys.keys[key].click()
            typed = " " if key == SPACE else key.upper() if shifted else key
            if edit.text() != before + typed or keys.shifted:  # shift is for one key
                wrong.append(f"{'shift + ' if shifted else ''}{key!r} after {before!r} gave {edit.text()!r}")
    assert not wrong, "\n".join(wrong)
