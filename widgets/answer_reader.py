"""A larger reader of the Assistant's conversation.

In the control room (1920x1080) the Assistant is a dock beside the faceplates, as tall as they are:
its answer area was about 90 px, six lines, and a 60-line shift handover had to be read through
that letterbox (qa10). The pane's "Read larger" opens the same conversation here, at the start of
the latest answer, in a window of its own as large as the screen has room for beside what must
stay in view (`largest_clear`): the line state, the alarm banner and its tiles, and the alarm list
when it shows, the same rectangles the on-screen keyboard keeps clear (the window names them once,
AssistantPane.keep_clear). It follows them (the alarm list brought forward moves it aside), and it
closes when the pane goes out of view (an alarm brings its list forward at 1280x800), on "Close",
on Esc, and when a link in it is followed (what the link opens lies under it).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QUrl
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from widgets.keyboard_popup import GAP_PX, global_rect

READER_MAX_WIDTH_PX = 1000  # about 120 characters a line: wider reads badly
READER_MIN_LINES = 24  # the reader shows at least this many lines of the answer at 1280x800


def showing(w: QWidget) -> bool:
    """`w` is on screen: Qt keeps a dock behind another tab "visible", moved out of sight."""
    return w.isVisible() and not w.visibleRegion().isEmpty()


def largest_clear(screen: QRect, keep: list[QRect], max_width: int = READER_MAX_WIDTH_PX) -> QRect:
    """The rectangle of `screen` clear of every rectangle of `keep` (GAP_PX apart) with the most
    room for lines of text: its height times its width up to `max_width`; no wider than that, at the
    right of the room it found (where the control room's Assistant is). Empty when the kept
    rectangles leave no room at all."""
    grown = [k.adjusted(-GAP_PX, -GAP_PX, GAP_PX, GAP_PX) for k in keep]
    left, right, top, bottom = screen.left(), screen.right() + 1, screen.top(), screen.bottom() + 1
    xs = sorted({left, right, *(min(max(x, left), right) for g in grown for x in (g.left(), g.right() + 1))})
    ys = sorted({top, bottom, *(min(max(y, top), bottom) for g in grown for y in (g.top(), g.bottom() + 1))})
    best, found = 0, QRect()
    for i, x0 in enumerate(xs):
        for x1 in xs[i + 1 :]:
            for j, y0 in enumerate(ys):
                for y1 in ys[j + 1 :]:
                    r = QRect(x0, y0, x1 - x0, y1 - y0)
                    if any(r.intersects(g) for g in grown):
                        break  # taller from this top meets the same rectangle
                    score = min(r.width(), max_width) * r.height()
                    if score > best:
                        best, found = score, r
    if found.isEmpty():
        return found
    w = min(found.width(), max_width)
    return QRect(found.right() + 1 - w, found.top(), w, found.height())


class AnswerReader(QFrame):
    """The conversation, large: a window of its own over the main window (never over `keep`)."""

    def __init__(self, parent: QWidget, on_link: Callable[[QUrl], None]) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("answerReader")
        self.setFrameShape(QFrame.Shape.Box)
        self.keep: list[QWidget] = []  # never covered while they show (AssistantPane.keep_clear)
        self._on_link = on_link
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.setSpacing(6)
        head = QHBoxLayout()
        self.title = QLabel("Assistant: the conversation, larger")
        self.title.setObjectName("assistantTitle")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("readerClose")
        self.close_button.setToolTip("Back to the Assistant's pane (Esc)")
        self.close_button.clicked.connect(self.hide)
        head.addWidget(self.title, 1)
        head.addWidget(self.close_button)
        lay.addLayout(head)
        self.text = QTextBrowser()
        self.text.setObjectName("assistantHistory")
        self.text.setOpenLinks(False)
        self.text.setOpenExternalLinks(False)
        self.text.anchorClicked.connect(self._follow)
        self.text.document().setDocumentMargin(10)
        lay.addWidget(self.text, 1)
        self._watched: list[QWidget] = []
        self._anchor = ""  # where it opens (an answer's start)

    def set_html(self, html: str, anchor: str = "") -> None:
        """The conversation's HTML (the pane's own), shown from `anchor` (an answer's start)."""
        bar = self.text.verticalScrollBar()
        at = bar.value()
        self.text.setHtml(html)
        self._anchor = anchor
        if anchor:
            self.text.scrollToAnchor(anchor)
        else:
            bar.setValue(at)

    def area(self) -> QRect:
        """Where it goes: the most room on the screen clear of what it keeps clear."""
        parent = self.parentWidget()
        screen = parent.screen() if parent is not None else self.screen()
        keep = [global_rect(w) for w in self.keep if showing(w)]
        return largest_clear(screen.availableGeometry(), keep)

    def open(self) -> None:
        for w in self.keep:
            if w not in self._watched:
                w.installEventFilter(self)  # moved, resized, shown or hidden: placed again
                self._watched.append(w)
        self.place()
        self.show()
        self.raise_()
        lay = self.layout()
        if lay is not None and self._anchor:
            lay.activate()  # its size now: the anchor goes to the top of this viewport
            self.text.scrollToAnchor(self._anchor)

    def place(self) -> None:
        r = self.area()
        if not r.isEmpty() and r != self.geometry():
            self.setGeometry(r)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide)
        if self.isVisible() and obj in self._watched and event.type() in kinds:
            self.place()
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)

    def _follow(self, url: QUrl) -> None:
        self.hide()  # what the link opens (the alarm list, a trend) is in the window under it
        self._on_link(url)

    def lines_shown(self) -> float:
        """How many lines of the answers' text its viewport holds."""
        return self.text.viewport().height() / max(1, self.text.fontMetrics().lineSpacing())
