"""What a test fixture's teardown needs of Qt."""

from __future__ import annotations


def delete_closed_windows() -> None:
    """Delete now the windows pytest-qt closed after the test. It calls deleteLater on them, but with
    no event loop running nothing deletes them before the fixtures' teardown, and a teardown that
    resets the style sheet, the theme or the touch profile would restyle every one of them: seconds
    per main window, minutes over the suite. Call it in a teardown once nothing uses the windows."""
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def alive(obj: object) -> bool:
    """`obj`'s Qt object still exists. A fixture's teardown that closes its window asks first: a
    teardown that ran before it (`delete_closed_windows`) may have deleted it already."""
    import shiboken6

    return shiboken6.isValid(obj)
