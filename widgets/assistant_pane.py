"""The assistant pane: ask about the line, get a short answer with clickable sources.

Takes a Qt-free `inference.assistant.assistant.Assistant` and runs each
question on a worker thread (`Assistant.answer`), so the window never
freezes; the result comes back through a queued signal. One question at a
time. Every answer is the tools' rendering (in the question's language); a
local model, when loaded, only picks the tool for a question the router did
not understand, and the footer says so.

Sources are links (`linehmi://alarm/<id>`, `linehmi://trend/<tag>?t=...`,
`linehmi://procedure/<doc>#<anchor>`, `linehmi://event/<file>/<id>`); the
pane turns them into signals for the main window (alarm table, trend) and
opens procedures itself in a viewer at their section.

ISA-101: greys only. The model indicator is neutral (no alarm colours).
Exported Markdown lists the sources as plain references (event time and
text, alarm message, document and section), not app links.
"""

from __future__ import annotations

import functools
import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, urlparse

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets import palette
from widgets.answer_reader import AnswerReader
from widgets.background import BackgroundTask, run_in_background
from widgets.keyboard_popup import TapOpensKeyboard

if TYPE_CHECKING:  # the pane takes any Assistant; the assistant's modules load when it is built
    from inference.assistant.assistant import Assistant

_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    """The widget with its object name (the style sheet and the tests find it by name)."""
    widget.setObjectName(name)
    return widget


MAX_ENTRIES = 100
_THEME_EVENTS = (QEvent.Type.StyleChange, QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
HISTORY_MIN_PX = 72  # the conversation's least height: about four lines, it scrolls itself
CHIPS_SPARE_PX = 60  # chips are shown only when the conversation keeps this much more room

STYLE = f"""
QWidget#assistantPane {{ background: {palette.WINDOW}; }}
QFrame#assistantHeader {{ background: {palette.HEADER}; border-bottom: 1px solid {palette.PANEL_BORDER}; }}
QLabel#assistantTitle {{ font-weight: bold; font-size: 11pt; }}
QLabel#modelChip {{ color: #2A2A2A; padding: 0px 1px; }}
QLabel#modelChip[kind="none"] {{ color: #3A3A3A; font-style: italic; }}
QTextBrowser#assistantHistory {{
    background: {palette.PANEL}; border: 1px solid {palette.PANEL_BORDER}; padding: 4px;
}}
QToolButton#suggestion {{
    background: #E6E6E6; border: 1px solid #A8A8A8; border-radius: 9px; padding: 2px 9px; color: #2A2A2A;
}}
QToolButton#suggestion:hover {{ background: #F0F0F0; }}
QToolButton#suggestion:disabled {{ color: {palette.TEXT_DISABLED}; }}
QToolButton#suggestMenu {{ padding: 4px 10px; }}
QToolButton#suggestMenu::menu-indicator {{ image: none; width: 0px; }}
QLineEdit#assistantInput {{
    background: #F2F2F2; border: 1px solid #8A8A8A; border-radius: 2px; padding: 4px 6px;
}}
QLabel#assistantStatus {{ color: {palette.TEXT_DIM}; }}
QPushButton#askButton {{ min-width: 64px; }}
"""


@dataclass
class _Entry:
    question: str
    started: float
    answer: Any = None  # inference.assistant.assistant.Answer
    error: str = ""
    done: bool = False
    handover_md: str = ""
    sources: list[Any] = field(default_factory=list)
    key: int = 0


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _fmt_elapsed(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


class _Conversation(QTextBrowser):
    """The conversation: asks for no more than its minimum, takes whatever room the pane has
    (stretch) and scrolls itself. A larger preferred height made the dock's scroll area scroll
    the whole pane, the question field below the edge (qa5 F16)."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), HISTORY_MIN_PX)


def _anchor(e: _Entry) -> str:
    return f"entry{e.key}"


class AssistantPane(QWidget):
    alarm_requested = Signal(str)  # alarm id: open it in the alarm table
    trend_requested = Signal(str, float)  # tag, time: open the trend there
    event_requested = Signal(str, int)  # journal file name, event id
    procedure_requested = Signal(str, str)  # document file, section anchor (also opened here)
    answer_finished = Signal(object)  # the Answer (tests, logging)

    def __init__(
        self, assistant: Assistant, parent: QWidget | None = None, *, open_procedures: bool = True
    ) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.open_procedures = open_procedures
        self._rendered_in = palette.generation  # the theme the conversation's HTML was made in
        self.setObjectName("assistantPane")
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(320)
        self._entries: list[_Entry] = []
        self._next_key = 1
        self._task: BackgroundTask | None = None  # the answer being worked out
        self._busy_id: int | None = None
        self._viewer: QWidget | None = None
        self._watching: QWidget | None = None  # the scroll viewport the pane sits in
        self._html = ""  # the conversation as last rendered (the reader shows the same)
        self._reader: AnswerReader | None = None
        self._keep: list[QWidget] = []  # what the keyboard and the reader never cover (keep_clear)
        self._build()
        self.update_model_indicator()
        self._render()

    # --- construction ------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        header = _named(QFrame(), "assistantHeader")
        hv = QVBoxLayout(header)
        hv.setContentsMargins(8, 4, 8, 4)
        hv.setSpacing(3)
        hl = QHBoxLayout()
        hl.setSpacing(6)
        title = _named(QLabel("Assistant"), "assistantTitle")
        self.model_chip = _named(QLabel(), "modelChip")
        self.model_chip.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        # Wraps in a narrow dock rather than cutting the model's name or the "no model" note.
        self.model_chip.setWordWrap(True)
        self.model_chip.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.handover_button = QPushButton("Draft handover")
        self.handover_button.setToolTip("Draft the shift handover from the journal (exportable as Markdown)")
        self.handover_button.clicked.connect(lambda: self.ask("Draft my shift handover"))
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the latest handover draft (or the conversation) as Markdown")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Clear this session's history")
        self.clear_button.clicked.connect(self.clear_history)
        # The answer area is a few lines where the pane is short (the control room's right-hand
        # dock): the whole conversation, large, beside what must stay in view (widgets.answer_reader).
        self.reader_button = QPushButton("Read larger")
        self.reader_button.setObjectName("readerButton")
        self.reader_button.setToolTip(
            "Read the conversation in a large window (the line state and alarms stay in view)"
        )
        self.reader_button.clicked.connect(self.open_reader)
        hl.addWidget(title)
        hl.addStretch(1)
        hl.addWidget(self.reader_button)
        hl.addWidget(self.handover_button)
        hl.addWidget(self.export_button)
        hl.addWidget(self.clear_button)
        hv.addLayout(hl)
        hv.addWidget(self.model_chip)
        outer.addWidget(header)

        body = QVBoxLayout()
        body.setContentsMargins(8, 6, 8, 8)
        body.setSpacing(6)
        self.history = _named(_Conversation(), "assistantHistory")
        self.history.setOpenLinks(False)
        self.history.setOpenExternalLinks(False)
        self.history.anchorClicked.connect(self._on_anchor)
        self.history.document().setDocumentMargin(6)
        # The one scroll area of the conversation: it takes every spare pixel and scrolls itself,
        # so the pane's own minimum stays small and its dock never scrolls (qa5 F16).
        self.history.setMinimumHeight(HISTORY_MIN_PX)
        body.addWidget(self.history, 1)

        self.suggest_box = _named(SuggestBox(), "suggestBox")
        flow = FlowLayout(self.suggest_box, spacing=5)
        self.suggestion_buttons: list[QToolButton] = []
        from inference.assistant.router import SUGGESTION_LABELS

        for q in self.assistant.suggestions[:6]:
            if q == "Draft my shift handover":
                continue  # it has its own button
            b = _named(QToolButton(), "suggestion")
            b.setText(SUGGESTION_LABELS.get(q, q))
            b.setToolTip(f"Ask: {q}")
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.clicked.connect(lambda _=False, q=q: self.ask(q))
            flow.addWidget(b)
            self.suggestion_buttons.append(b)
        body.addWidget(self.suggest_box)
        # Where the chips do not fit above the question field (a short dock), the same questions
        # are one tap away in a menu beside Ask: the field and Ask never leave the pane's bottom.
        self.suggest_menu_button = _named(QToolButton(), "suggestMenu")
        self.suggest_menu_button.setText("Suggested ▾")
        self.suggest_menu_button.setToolTip("Questions to start with")
        self.suggest_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.suggest_menu_button)
        for b in self.suggestion_buttons:
            act = menu.addAction(b.text())
            act.setToolTip(b.toolTip())
            act.triggered.connect(b.click)
        self.suggest_menu_button.setMenu(menu)
        self.suggest_menu_button.setVisible(False)

        row = QHBoxLayout()
        row.setSpacing(6)
        self.input = _named(QLineEdit(), "assistantInput")
        self.input.setPlaceholderText("Ask about the line: alarms, stops, rejects, signals, procedures…")
        self.input.setMaxLength(2000)
        self.input.returnPressed.connect(self._on_ask_clicked)
        self.ask_button = _named(QPushButton("Ask"), "askButton")
        self.ask_button.setDefault(True)
        self.ask_button.clicked.connect(self._on_ask_clicked)
        # A line-side PC may have no keyboard (touch profile): a tap on the field opens the on-screen
        # one beside the pane, never over the answer; its Enter asks (qa7 G23).
        self.keyboard = TapOpensKeyboard(self.input, self, "Question for the Assistant", enter_tip="Ask")
        row.addWidget(self.input, 1)
        row.addWidget(self.ask_button)
        row.addWidget(self.suggest_menu_button)
        body.addLayout(row)
        self.status = _named(QLabel(""), "assistantStatus")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        body.addWidget(self.status)
        outer.addLayout(body, 1)

    def sizeHint(self) -> QSize:
        return QSize(460, 560)

    # --- fit: the question field and Ask always in view ----------------------------------------
    def _room(self) -> int:
        """The height the pane is given: its scroll area's viewport when it sits in one (the dock's),
        else its own."""
        parent = self.parentWidget()
        return parent.height() if parent is not None and self._watching is parent else self.height()

    def _fit_suggestions(self) -> None:
        """Chips above the field when they fit with the conversation's minimum, else the menu."""
        lay = self.layout()
        if lay is None:
            return
        width = max(1, self.width())
        now = lay.heightForWidth(width) if lay.hasHeightForWidth() else lay.sizeHint().height()
        chips_h = self.suggest_box.heightForWidth(max(1, width - 16)) + lay.spacing() + 6
        with_chips = now + (0 if self.suggest_box.isVisibleTo(self) else chips_h)
        fits = bool(self.suggestion_buttons) and self._room() >= with_chips + CHIPS_SPARE_PX
        if fits != self.suggest_box.isVisibleTo(self) or fits == self.suggest_menu_button.isVisibleTo(self):
            self.suggest_box.setVisible(fits)
            self.suggest_menu_button.setVisible(not fits and bool(self.suggestion_buttons))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        parent = self.parentWidget()
        if parent is not None and self._watching is not parent:
            parent.installEventFilter(self)  # the dock's viewport: its height is the pane's room
            self._watching = parent
        self._fit_suggestions()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_suggestions()

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        # The theme switched (the palette module's greys moved): the conversation's HTML carries its
        # colours, made in the theme it was rendered in, so render it again (a day answer's light boxes
        # stayed on in the night pane).
        if event.type() in _THEME_EVENTS and self._rendered_in != palette.generation:
            self._render()

    def eventFilter(self, obj: Any, event: Any) -> bool:
        if obj is self._watching and event.type() == QEvent.Type.Resize:
            self._fit_suggestions()
        return False

    def input_in_view(self) -> bool:
        """The question field and Ask whole inside what the pane's dock shows."""
        for w in (self.input, self.ask_button):
            if not w.isVisible():
                return False
            seen = w.visibleRegion().boundingRect()
            if seen.size() != w.size():
                return False
        return True

    # --- model indicator --------------------------------------------------------------------------
    def update_model_indicator(self) -> None:
        lm = self.assistant.lm
        if lm is None:
            self.model_chip.setText("○  No language model — answers straight from the plant data (tools)")
            self.model_chip.setProperty("kind", "none")
            why = self.assistant.lm_error or "no model configured"
            self.model_chip.setToolTip(
                f"Answers come from the tools (journal, alarms, procedures) without a language model: {why}."
            )
        else:
            prov = lm.provider.replace("ExecutionProvider", "") or "?"
            self.model_chip.setText(f"●  Model: {lm.name} · onnxruntime {prov} · picks tools only")
            self.model_chip.setProperty("kind", "model")
            self.model_chip.setToolTip(
                f"{lm.name} on onnxruntime ({prov}). It only picks which tool answers a question the router "
                "did not understand; every answer is still written from the tool results, never by the model."
            )
        self.model_chip.style().unpolish(self.model_chip)
        self.model_chip.style().polish(self.model_chip)

    # --- asking ----------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy_id is not None

    def _on_ask_clicked(self) -> None:
        if self.busy:
            return
        text = self.input.text()
        self.input.clear()
        self.ask(text)

    def ask(self, question: str, use_model: bool = True) -> bool:
        """Start answering `question` on a worker thread; False while another answer is running."""
        if self.busy:
            self.status.setText("Still answering the previous question.")
            return False
        entry = _Entry(question.strip(), time.monotonic(), key=self._next_key)
        self._next_key += 1
        self._entries.append(entry)
        del self._entries[:-MAX_ENTRIES]
        self._busy_id = entry.key
        # The question is sent, whichever way (Ask tapped, Enter, a suggestion, Draft handover): the
        # on-screen keyboard goes, so the answer shows uncovered (qa9 Q9-14: it stayed open after a
        # tap on Ask); a tap on the field brings it back.
        self.keyboard.close()
        self.ask_button.setEnabled(False)
        self.handover_button.setEnabled(False)
        self.status.setText("Looking it up…")
        assistant, question, key = self.assistant, entry.question, entry.key

        def work() -> Any:
            return assistant.answer(question, use_model=use_model)

        task = run_in_background(work, name="linehmi-assistant", parent=self)
        task.returned.connect(functools.partial(self._on_finished, key))
        task.errored.connect(functools.partial(self._on_error, key))  # shown in the pane, never a crash
        self._task = task
        self._render()
        return True

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the worker thread ends (tests, shutdown). Signals are delivered by the event loop."""
        t = self._task
        return t is None or t.wait(timeout)

    def keep_clear(self, *widgets: QWidget) -> None:
        """What the pane's windows (the on-screen keyboard, the reader) never cover while it shows:
        the window's line state, alarm banner and tiles, its alarm list."""
        self._keep = [*self._keep, *widgets]
        self.keyboard.keep_clear(*widgets)
        if self._reader is not None:
            self._reader.keep = list(self._keep)

    def open_reader(self) -> AnswerReader:
        """The conversation in a large window, at the latest answer's start."""
        if self._reader is None:
            self._reader = AnswerReader(self.window(), self._on_anchor)
            self._reader.keep = list(self._keep)
        last = self._entries[-1] if self._entries else None
        self._reader.set_html(self._html, _anchor(last) if last is not None else "")
        self._reader.open()
        return self._reader

    def close_reader(self) -> None:
        if self._reader is not None:
            self._reader.hide()

    @property
    def reader(self) -> AnswerReader | None:
        return self._reader

    def set_touch(self, on: bool) -> None:
        """The touch profile: a tap on the question field opens the on-screen keyboard."""
        self.keyboard.set_enabled(on)

    def shutdown(self) -> None:
        self.wait(30.0)
        self._task = None
        self.keyboard.shutdown()
        if self._reader is not None:
            self._reader.close()
            self._reader.deleteLater()
            self._reader = None

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _entry(self, key: int) -> _Entry | None:
        for e in self._entries:
            if e.key == key:
                return e
        return None

    def _finish(self) -> None:
        self._busy_id = None
        self.ask_button.setEnabled(True)
        self.handover_button.setEnabled(True)

    def _on_finished(self, key: int, ans: Any) -> None:
        e = self._entry(key)
        if key == self._busy_id:
            self._finish()
        if e is None:
            return
        e.answer = ans
        e.done = True
        e.sources = list(ans.sources)
        if ans.handover is not None:
            e.handover_md = ans.handover.to_markdown()
        self.status.setText(f"Answered in {_fmt_elapsed(ans.elapsed_s)}.")
        self._render(opening=e)
        self.answer_finished.emit(ans)

    def _on_error(self, key: int, exc: BaseException) -> None:
        self._on_failed(key, f"{type(exc).__name__}: {exc}")

    def _on_failed(self, key: int, message: str) -> None:
        e = self._entry(key)
        if key == self._busy_id:
            self._finish()
        if e is not None:
            e.error = message
            e.done = True
        self.status.setText("The assistant failed on that question (details in the history).")
        self._render()

    def clear_history(self) -> None:
        self._entries = [e for e in self._entries if not e.done and e.key == self._busy_id]
        self._render()
        self.status.setText("History cleared.")

    def entries(self) -> list[_Entry]:
        return list(self._entries)

    # --- rendering ------------------------------------------------------------------------------------
    def _render(self, opening: _Entry | None = None) -> None:
        """The conversation; `opening`: an answer that just came, shown from its question down (it
        opened scrolled to its end, so its start needed scrolling back, qa6 F16)."""
        parts = [
            f"<html><body style='font-size:10pt; color:{palette.TEXT};'>",
            f"<style>a {{ color: {palette.LINK}; text-decoration: underline; }} td {{ padding: 0px; }}</style>",
        ]
        if not self._entries:
            parts.append(
                f"<p style='color:{palette.TEXT_DIM};'>Ask about this line in plain words: alarms, stops and "
                "their causes, reject rates, signal values and trends, failure risk, procedures. Every answer "
                "comes from the journal, the alarm system and the procedure documents, with its sources.</p>"
            )
        for i, e in enumerate(self._entries):
            parts.append(self._entry_html(i, e))
        parts.append("</body></html>")
        sb = self.history.verticalScrollBar()
        at_end = sb.value() >= sb.maximum() - 4
        self._html = "".join(parts)
        self._rendered_in = palette.generation
        self.history.setHtml(self._html)
        if opening is not None and (at_end or opening is self._entries[-1]):
            self.history.scrollToAnchor(_anchor(opening))
        elif at_end or self.busy:
            sb.setValue(sb.maximum())
        if self._reader is not None and self._reader.isVisible():
            self._reader.set_html(self._html, _anchor(opening) if opening is not None else "")

    def _entry_html(self, i: int, e: _Entry) -> str:
        q = _esc(e.question) if e.question else "<i>(empty question)</i>"
        out = [
            "<table width='100%' cellspacing='0' cellpadding='6' style='margin-top:6px;'>",
            f"<tr><td style='background:{palette.QUESTION_FILL}; border-left:3px solid {palette.QUESTION_RULE};'>"
            # (the anchor holds the question's text: Qt finds no position for an empty one)
            f"<a name='{_anchor(e)}' style='color:{palette.TEXT}; text-decoration:none;'><b>{q}</b></a>"
            "</td></tr>",
            f"<tr><td style='background:{palette.ANSWER_FILL};'>",
        ]
        a = e.answer
        if e.error:
            out.append(f"<p>The assistant could not answer: {_esc(e.error)}</p>")
        elif a is None:
            out.append(f"<p style='color:{palette.TEXT_DIM};'>Looking it up…</p>")
        elif a.handover is not None:
            out.append(self._handover_html(i, a))
        else:
            out.append("<p>" + _esc(a.text).replace("\n", "<br/>") + "</p>")
            if a.notes:
                out.append(
                    f"<p style='color:{palette.TEXT_DIM}; font-size:9pt;'>{_esc(' '.join(a.notes))}</p>"
                )
            if e.sources:
                links = " &nbsp; ".join(
                    f"<a href='{_esc(s.uri())}'>[{n}] {_esc(s.label)}</a>"
                    for n, s in enumerate(e.sources[:10], 1)
                )
                out.append(f"<p style='font-size:9pt;'><b>Sources</b> &nbsp; {links}</p>")
            out.append(self._footer(a))
        out.append("</td></tr></table>")
        return "".join(out)

    def _footer(self, a: Any) -> str:
        by = "plant data (tools)" if a.answered_by == "tools" else f"plant data ({a.answered_by})"
        bits = [f"Answered from {by}", _fmt_elapsed(a.elapsed_s)]
        if a.model_error and a.answered_by == "tools" and self.assistant.lm is not None:
            bits.append(a.model_error)
        return f"<p style='color:{palette.TEXT_DIM}; font-size:8.5pt;'>{_esc(' · '.join(bits))}</p>"

    def _handover_html(self, i: int, a: Any) -> str:
        h = a.handover
        refs: list[Any] = []
        out = [f"<p><b>Shift handover draft</b> — {_esc(h.shift_label)}</p>"]
        for s in h.sections:
            out.append(
                f"<p style='margin-bottom:0px;'><b>{_esc(s.title)}</b></p><ul style='margin-top:0px;'>"
            )
            for it in s.items:
                marks = []
                for src in it.sources:
                    if src not in refs:
                        refs.append(src)
                    n = refs.index(src) + 1
                    marks.append(f"<a href='{_esc(src.uri())}' title='{_esc(src.label)}'>[{n}]</a>")
                out.append(f"<li>{_esc(it.text)} {' '.join(marks)}</li>")
            out.append("</ul>")
        out.append(f"<p><a href='linehmi://export/{i}'>Export this handover as Markdown…</a></p>")
        out.append(self._footer(a))
        return "".join(out)

    # --- links -------------------------------------------------------------------------------------------
    def _on_anchor(self, url: QUrl) -> None:
        self.open_link(url.toString())

    def open_link(self, uri: str) -> None:
        u = urlparse(uri)
        if u.scheme != "linehmi":
            return
        kind = u.netloc
        path = u.path.lstrip("/")
        if kind == "alarm":
            self.alarm_requested.emit(path)
        elif kind == "trend":
            qs = parse_qs(u.query)
            t = float(qs.get("t", ["nan"])[0] or "nan")
            self.trend_requested.emit(path, t)
        elif kind == "procedure":
            self.procedure_requested.emit(path, u.fragment)
            if self.open_procedures:
                self.show_procedure(path, u.fragment)
        elif kind in ("event", "qc", "advisory"):
            file, _, eid = path.rpartition("/")
            try:
                self.event_requested.emit(file, int(eid))
            except ValueError:
                pass
        elif kind == "export":
            try:
                entry = self._entries[int(path)]
            except (ValueError, IndexError):
                return
            self._export_dialog(entry.handover_md)

    def show_procedure(self, doc: str, anchor: str) -> QWidget | None:
        from widgets.assistant_procedure import ProcedureViewer

        index = self.assistant.tools.procedures
        if index is None:
            return None
        if self._viewer is None:
            self._viewer = ProcedureViewer(index, self)
        self._viewer.show_section(doc, anchor)  # type: ignore[attr-defined]
        self._viewer.show()
        self._viewer.raise_()
        return self._viewer

    # --- export --------------------------------------------------------------------------------------------
    def latest_handover_markdown(self) -> str:
        for e in reversed(self._entries):
            if e.handover_md:
                return e.handover_md
        return ""

    def conversation_markdown(self) -> str:
        out = ["# LineHMI assistant session", ""]
        for e in self._entries:
            out.append(f"**Q:** {e.question}")
            out.append("")
            if e.answer is not None:
                out.append(e.answer.text)
                for n, s in enumerate(e.sources, 1):
                    out.append(f"[{n}] {s.plain()}")
            elif e.error:
                out.append(f"(failed: {e.error})")
            out.append("")
        return "\n".join(out) + "\n"

    def export_markdown(self, path: str | Path, handover_only: bool = True) -> Path:
        md = self.latest_handover_markdown() if handover_only else ""
        p = Path(path)
        p.write_text(md or self.conversation_markdown(), encoding="utf-8")
        self.status.setText(f"Saved {p.name}.")
        return p

    def _on_export_clicked(self) -> None:
        self._export_dialog(self.latest_handover_markdown())

    def _export_dialog(self, md: str) -> None:
        default = "shift_handover.md" if md else "assistant_session.md"
        path, _ = QFileDialog.getSaveFileName(self, "Export as Markdown", default, "Markdown (*.md)")
        if path:
            Path(path).write_text(md or self.conversation_markdown(), encoding="utf-8")
            self.status.setText(f"Saved {Path(path).name}.")


class SuggestBox(QWidget):
    """The suggestion chips' box: its minimum height is what its flow of chips needs at its width,
    so a short pane shrinks the history, not the chips (their second row was cut at the pane's foot;
    a scroll area asks for the minimum, never the height for the width)."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        lay = self.layout()
        if lay is not None and lay.hasHeightForWidth():
            need = lay.heightForWidth(self.width())
            if need != self.minimumHeight():
                self.setMinimumHeight(need)


class FlowLayout(QLayout):
    """Left-to-right layout that wraps (the Qt flow-layout example): suggestion chips on narrow panes."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[Any] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: Any) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, i: int) -> Any:
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i: int) -> Any:
        return self._items.pop(i) if 0 <= i < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._do_layout(QRect(0, 0, width, 0), True)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._do_layout(rect, False)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for it in self._items:
            size = size.expandedTo(it.minimumSize())
        return size

    def _do_layout(self, rect: QRect, test: bool) -> int:
        x, y, line_h = rect.x(), rect.y(), 0
        sp = self.spacing()
        for it in self._items:
            hint = it.sizeHint()
            w = min(hint.width(), rect.width())
            if x + w > rect.right() + 1 and line_h > 0:
                x, y, line_h = rect.x(), y + line_h + sp, 0
            if not test:
                it.setGeometry(QRect(QPoint(x, y), QSize(w, hint.height())))
            x += w + sp
            line_h = max(line_h, hint.height())
        return y + line_h - rect.y()
