"""The engineers' tag browser: the connected server's address space, to onboard tags.

A lazy tree (a node's children are read when it is first expanded), one row per
object or variable: display name, data type, access, minimum sampling interval,
current value and the `nsu=` node id (stays valid when the server re-orders its
namespaces). Search lists the nodes below the selected one whose path or node id
matches. "Copy as config" puts the `[[tags]]` skeleton of the selected subtree on
the clipboard; "Save as TOML…" writes it to a file, the same text as
`linehmi browse --toml`, for the engineer to review before it goes into a config.

Only an engineer may browse (Action.BROWSE_SERVER): others see why before trying,
and the service refuses (audited) whatever the screen does. Every server call runs
off the GUI thread (`widgets.background.run_in_background`); the window never waits
for the PLC. It fits 1280x800 (touch profile: the application's rules size its
buttons and rows).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from connectors.opcua_browse import BrowsedNode
from hmi.core.users import User
from hmi.ui.services import ServerBrowsing
from hmi.ui.touch import TOUCH_ROW_PX
from widgets.background import BackgroundTask, run_in_background

COLUMNS = ("Name", "Data type", "Access", "Min sampling", "Value", "Node id")
COL_NAME, COL_TYPE, COL_ACCESS, COL_SAMPLING, COL_VALUE, COL_NODE = range(len(COLUMNS))
_NODE = Qt.ItemDataRole.UserRole  # the BrowsedNode of a row
_PLACEHOLDER = "…"  # the child an unread object carries so it can be expanded


class TagBrowserDialog(QDialog):
    def __init__(
        self,
        browser: ServerBrowsing,
        user: User | None,
        parent: QWidget | None = None,
        *,
        touch: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Server tag browser")
        self.browser = browser
        self.user = user
        self._tasks: set[BackgroundTask] = set()
        self.server_label = QLabel(f"Server: {browser.endpoint}")
        self.server_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search below the selected node (name or node id)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_button = QPushButton("Search")
        self.tree_button = QPushButton("Show tree")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        fm = self.fontMetrics()
        for col, sample in (
            (COL_NAME, "ConveyorSection_12xxxxxxxx"),
            (COL_TYPE, "LocalizedText[]"),
            (COL_ACCESS, "RW"),
            (COL_SAMPLING, "1000 ms"),
            (COL_VALUE, "-9223372036854775808xx"),
        ):  # wide enough for the sample and for the header's own text
            width = max(fm.horizontalAdvance(sample), fm.horizontalAdvance(COLUMNS[col]) + 24)
            self.tree.setColumnWidth(col, width + 12)
        if touch:  # rows are targets too (hmi.ui.touch: 40 px)
            self.tree.setItemDelegate(_RowHeight(TOUCH_ROW_PX, self.tree))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.copy_button = QPushButton("Copy as config")
        self.copy_button.setToolTip("Put the [[tags]] skeleton of the selected subtree on the clipboard")
        self.save_button = QPushButton("Save as TOML…")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the tree and the current values again")
        self.close_button = QPushButton("Close")
        search = QHBoxLayout()
        search.addWidget(self.search_edit, 1)
        search.addWidget(self.search_button)
        search.addWidget(self.tree_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.server_label)
        lay.addWidget(self.reason)
        lay.addLayout(search)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        self.tree.itemExpanded.connect(self._on_expanded)
        self.tree.currentItemChanged.connect(lambda *_: self._update_enabled())
        self.search_button.clicked.connect(self._on_search)
        self.search_edit.returnPressed.connect(self._on_search)
        self.tree_button.clicked.connect(self.load_root)
        self.refresh_button.clicked.connect(self.load_root)
        self.copy_button.clicked.connect(self._on_copy)
        self.save_button.clicked.connect(self._on_save)
        self.close_button.clicked.connect(self.reject)
        self._why_not = browser.may_browse(user)
        self.reason.setText(self._why_not)
        self.reason.setVisible(bool(self._why_not))
        self._skeleton_target: Path | None = None
        self._update_enabled()
        self.resize(1100, 640)
        if not self._why_not:
            self.load_root()

    # --- the tree --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def selected_node(self) -> BrowsedNode | None:
        item = self.tree.currentItem()
        return item.data(0, _NODE) if item is not None else None

    def load_root(self) -> None:
        """(Re)read the top level (the server's Objects folder)."""
        self.tree.clear()
        self._run(
            "Reading the server's objects…", self.browser.children, self.user, None, done=self._fill_root
        )

    def _fill_root(self, nodes: list[BrowsedNode]) -> None:
        self.tree.clear()
        self.tree.addTopLevelItems([self._item(n) for n in nodes])
        ns = self.browser.namespaces()
        self._say(
            f"{len(nodes)} nodes at the top; namespaces: "
            + ", ".join(f"ns={i} {u}" for i, u in enumerate(ns))
        )

    def _item(self, node: BrowsedNode) -> QTreeWidgetItem:
        is_var = node.node_class == "Variable"
        ms = "" if not is_var or node.min_sampling_ms is None else f"{node.min_sampling_ms:g} ms"
        item = QTreeWidgetItem(
            [
                node.browse_name,
                node.type_text() if is_var else "(object)",
                node.access if is_var else "",
                ms,
                node.value,
                node.node_id,
            ]
        )
        item.setData(0, _NODE, node)
        item.setToolTip(COL_NODE, node.node_id)
        item.setToolTip(COL_VALUE, node.value)
        item.setToolTip(COL_NAME, node.path)
        if node.node_class == "Object":
            item.addChild(QTreeWidgetItem([_PLACEHOLDER]))  # expandable; read when expanded
        return item

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        first = item.child(0)
        if item.childCount() != 1 or first is None or first.text(0) != _PLACEHOLDER:
            return  # read already, or being read
        node: BrowsedNode = item.data(0, _NODE)
        first.setText(0, "reading…")

        def fill(children: list[BrowsedNode]) -> None:
            item.takeChildren()
            item.addChildren([self._item(c) for c in children])
            if not children:
                item.addChild(QTreeWidgetItem(["(empty)"]))
            self._say(f"{node.path}: {len(children)} nodes")

        self._run(f"Reading {node.path}…", self.browser.children, self.user, node, done=fill)

    # --- search and skeletons ------------------------------------------------------------------
    def _on_search(self) -> None:
        text = self.search_edit.text().strip()
        if not text:
            self.load_root()
            return
        below = self.selected_node()
        where = below.path if below else "the whole server"

        def show(found: list[BrowsedNode]) -> None:
            self.tree.clear()
            items = [self._item(n) for n in found]
            for it, n in zip(items, found, strict=True):  # results show their path as name
                it.setText(COL_NAME, n.path)
            self.tree.addTopLevelItems(items)
            self._say(f"{len(found)} nodes matching {text!r} below {where} ('Show tree' goes back)")

        self._run(f"Searching {where} for {text!r}…", self.browser.search, self.user, text, below, done=show)

    def _on_copy(self) -> None:
        node = self.selected_node()

        def copy(toml: str) -> None:
            QGuiApplication.clipboard().setText(toml)
            self._say(
                f"Config skeleton of {node.path if node else 'the server'} copied ({_count(toml)} tags)"
            )

        self._run("Building the config skeleton…", self.browser.skeleton, self.user, node, done=copy)

    def _on_save(self) -> None:
        node = self.selected_node()
        name = (node.path if node else "server").replace(".", "_") + "_tags.toml"
        path, _ = QFileDialog.getSaveFileName(self, "Save config skeleton", name, "TOML (*.toml)")
        if path:
            self.save_skeleton(Path(path), node)

    def save_skeleton(self, path: Path, node: BrowsedNode | None) -> None:
        def write(toml: str) -> None:
            try:
                path.write_text(toml, encoding="utf-8")
            except OSError as exc:
                self._say(f"Not saved: {path}: {exc.strerror or exc}", error=True)
                return
            self._say(f"Wrote {_count(toml)} tags to {path}: review names, units and limits before use")

        self._run("Building the config skeleton…", self.browser.skeleton, self.user, node, done=write)

    # --- plumbing ------------------------------------------------------------------------------
    def _run(self, doing: str, fn, *args, done) -> None:  # type: ignore[no-untyped-def]
        self._say(doing)
        task = run_in_background(fn, *args, name="linehmi-browse", parent=self)
        self._tasks.add(task)
        task.returned.connect(done)
        task.errored.connect(lambda exc: self._say(f"{doing.rstrip('…')} failed: {exc}", error=True))
        task.finished.connect(lambda _f: self._done(task))
        self._update_enabled()

    def _done(self, task: BackgroundTask) -> None:
        self._tasks.discard(task)
        self._update_enabled()

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("font-weight: bold;" if error else "")

    def _update_enabled(self) -> None:
        ok = not self._why_not
        for w in (self.search_edit, self.search_button, self.tree_button, self.refresh_button, self.tree):
            w.setEnabled(ok)
        for b in (self.copy_button, self.save_button):
            b.setEnabled(ok and not self.busy)
            b.setToolTip(self._why_not or b.toolTip())

    def done(self, result: int) -> None:
        # The session is the browser's only: close it off the GUI thread when the dialog goes.
        run_in_background(self.browser.close, name="linehmi-browse-close")
        super().done(result)


class _RowHeight(QStyledItemDelegate):
    """Rows at least `height` px high (a tree has no vertical header for the touch profile to size)."""

    def __init__(self, height: int, parent: QWidget) -> None:
        super().__init__(parent)
        self._height = height

    def sizeHint(self, option, index):  # type: ignore[no-untyped-def]
        hint = super().sizeHint(option, index)
        hint.setHeight(max(hint.height(), self._height))
        return hint


def _count(toml: str) -> int:
    return toml.count("[[tags]]")
