"""Help ▸ Operator manual (F1): the packaged docs shown inside the app.

A line-side PC has no Markdown viewer (nor, often, a browser): handing the file to the desktop
(QDesktopServices) did nothing there but log "Unable to detect a launcher" (qa7 G30). So the manual
is a QTextBrowser that renders the Markdown itself; a link to another doc (`alarms.md#...`) opens in
the same browser, Back returns. The docs are found in the source tree (an editable install, how
`make` installs) or in the installed data files (`share/linehmi/docs`, pyproject's data-files), and a
file that cannot be found or read is named in a message instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hmi.ui.touch import TOUCH_TARGET_PX

SOURCE_DOCS = Path(__file__).resolve().parents[2] / "docs"
INSTALLED_DOCS = Path(sys.prefix) / "share" / "linehmi" / "docs"
MANUAL_NAME = "line_side.md"


def docs_dir() -> Path:
    """Where the docs are: the source tree's docs/ first, then the installed copy."""
    for d in (SOURCE_DOCS, INSTALLED_DOCS):
        if (d / MANUAL_NAME).is_file():
            return d
    return SOURCE_DOCS  # neither: the message names the file looked for


def doc_title(path: Path) -> str:
    """The doc's first heading, or its file name."""
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.startswith("# "):
                    return line[2:].strip()
    except (OSError, UnicodeDecodeError):  # the file name is title enough; showing it says what is wrong
        pass
    return path.stem


def manual_problem(path: Path) -> str:
    """Why `path` cannot be shown ("" when it can)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return f"the manual {path} is not there (the docs folder was not installed with LineHMI)"
    except (OSError, UnicodeDecodeError) as exc:
        return f"the manual {path} cannot be read ({exc})"
    if not text.strip():
        return f"the manual {path} is empty"
    return ""


class ManualDialog(QDialog):
    """The docs in a browser: contents on the left, the doc on the right, Back and Close."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manualDialog")
        self.setWindowTitle("Operator manual")
        self.folder = folder if folder is not None else docs_dir()
        lay = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.contents = QListWidget()
        self.contents.setObjectName("manualContents")
        for path in sorted(self.folder.glob("*.md"), key=lambda p: (p.name != MANUAL_NAME, p.name)):
            item = QListWidgetItem(doc_title(path))
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.contents.addItem(item)
        self.contents.setWordWrap(True)  # whole titles in a narrow column, no sideways scrolling
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.contents.itemActivated.connect(self._on_contents)
        self.contents.itemClicked.connect(self._on_contents)
        self.browser = QTextBrowser()
        self.browser.setObjectName("manualBrowser")
        self.browser.setOpenLinks(True)
        self.browser.setOpenExternalLinks(True)  # a web link goes to the desktop, if it has a browser
        self.browser.setSearchPaths([str(self.folder)])
        self.browser.sourceChanged.connect(self._on_source)
        split.addWidget(self.contents)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 4)
        split.setSizes([280, 920])
        lay.addWidget(split, 1)
        row = QHBoxLayout()
        self.back_button = QPushButton("◀ Back")
        self.back_button.setEnabled(False)
        self.back_button.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(self.back_button.setEnabled)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("manualClose")
        self.close_button.clicked.connect(self.accept)
        for b in (self.back_button, self.close_button):
            b.setMinimumSize(TOUCH_TARGET_PX * 3, TOUCH_TARGET_PX)  # a finger's target, with or without touch
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        lay.addLayout(row)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Back), self, self.browser.backward)

    def show_doc(self, path: Path) -> str:
        """Show `path`; the problem instead when it cannot be shown ("" when shown)."""
        problem = manual_problem(path)
        if problem:
            return problem
        self.browser.setSource(QUrl.fromLocalFile(str(path)))
        return ""

    def _on_contents(self, item: QListWidgetItem) -> None:
        problem = self.show_doc(Path(str(item.data(Qt.ItemDataRole.UserRole))))
        if problem:
            QMessageBox.warning(self, "Operator manual", problem.capitalize() + ".")

    def _style_links(self) -> None:
        """Links underlined in the palette's link colour: Qt's Markdown import marks them as anchors
        but draws them like the text around them, so nobody would know they can be tapped."""
        link = QTextCharFormat()
        link.setFontUnderline(True)
        link.setForeground(self.browser.palette().link())
        block = self.browser.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                if frag.isValid() and frag.charFormat().isAnchor():
                    cur = QTextCursor(self.browser.document())
                    cur.setPosition(frag.position())
                    cur.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
                    cur.mergeCharFormat(link)
                it += 1
            block = block.next()

    def _on_source(self, url: QUrl) -> None:
        self._style_links()
        name = Path(url.toLocalFile()).name
        self.setWindowTitle(f"Operator manual — {doc_title(Path(url.toLocalFile()))}")
        for i in range(self.contents.count()):
            item = self.contents.item(i)
            if Path(str(item.data(Qt.ItemDataRole.UserRole))).name == name:
                self.contents.blockSignals(True)
                self.contents.setCurrentItem(item)
                self.contents.blockSignals(False)


def open_manual(parent: QWidget | None) -> ManualDialog | None:
    """The manual dialog, shown (None and a message naming the file when it cannot be shown)."""
    folder = docs_dir()
    dlg = ManualDialog(parent, folder)
    problem = dlg.show_doc(folder / MANUAL_NAME)
    if problem:
        dlg.deleteLater()
        QMessageBox.warning(parent, "Operator manual", problem.capitalize() + ".")
        return None
    screen = (parent.screen() if parent is not None else dlg.screen()).availableGeometry()
    dlg.resize(min(1200, int(screen.width() * 0.9)), min(900, int(screen.height() * 0.9)))
    dlg.show()
    dlg.raise_()
    return dlg
