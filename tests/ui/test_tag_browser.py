"""The engineers' tag browser against a real asyncua server on 127.0.0.1: lazy tree with types,
access, minimum sampling, values and nsu= ids; search; copy/save as config; role-checked and
audited; never blocking the GUI thread; no clipped text at 1280x800 and 1920x1080."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from asyncua import ua
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from connectors.loop_thread import LoopThread
from connectors.opcua_pki import Pki
from hmi.app.server_browse import ServerBrowser
from hmi.core.audit import Auditor
from hmi.core.config import parse_config
from hmi.core.users import PermissionDenied
from hmi.ui.tag_browser_dialog import (
    COL_ACCESS,
    COL_NODE,
    COL_SAMPLING,
    COL_TYPE,
    COL_VALUE,
    TagBrowserDialog,
)
from tests.opcua_fixtures import free_port
from tests.opcua_servers import NS_URI, Plc, PlcShape, line_config
from widgets.text_fit import clipped_texts

from .fakes import ENGINEER, OPERATOR

SHOTS = os.environ.get("LINEHMI_SHOTS")


async def _cell(server, idx):
    ns = idx[NS_URI]
    cell = await server.nodes.objects.add_object(ns, "Cell")
    sp = await cell.add_variable(ua.NodeId("Cell.Setpoint", ns), "Setpoint", 1.5)
    await sp.set_writable()
    await cell.add_variable(ua.NodeId("Cell.Count", ns), "Count", 2**63 - 1, ua.VariantType.Int64)
    await cell.add_variable(ua.NodeId("Cell.Recipe", ns), "Recipe", "Größe 4")
    press = await cell.add_object(ns, "Press")
    await press.add_variable(ua.NodeId("Cell.Press.Force", ns), "Force", 12.5)


class _Sink:
    def __init__(self) -> None:
        self.events = []

    def write_event(self, ev) -> int:
        self.events.append(ev)
        return len(self.events)


@pytest.fixture
def browser(tmp_path):
    plc = Plc(free_port(), PlcShape(extra=_cell)).start()
    io = LoopThread("test-browse-io").start()
    sink = _Sink()
    svc = ServerBrowser(line_config(plc.port), plc.url, Pki(tmp_path / "pki"), io, Auditor(sink))
    yield svc, sink
    svc.close()
    io.stop()
    plc.close()


def _find(tree, name):
    for k in range(tree.topLevelItemCount()):
        it = tree.topLevelItem(k)
        if it.text(0) == name:
            return it
    raise AssertionError(f"{name} not at the top level")


def _child(item, name):
    for k in range(item.childCount()):
        if item.child(k).text(0) == name:
            return item.child(k)
    raise AssertionError(
        f"{name} not below {item.text(0)}: {[item.child(k).text(0) for k in range(item.childCount())]}"
    )


def test_engineer_browses_searches_and_copies_a_config(qtbot, browser, tmp_path):
    svc, _sink = browser
    gui = threading.get_ident()
    calls: list[int] = []
    real_children = svc.children

    def children(*a):
        calls.append(threading.get_ident())
        return real_children(*a)

    svc.children = children  # type: ignore[method-assign]
    dlg = TagBrowserDialog(svc, ENGINEER)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: not dlg.busy and dlg.tree.topLevelItemCount() > 0, timeout=20_000)
    cell = _find(dlg.tree, "Cell")
    assert cell.text(COL_TYPE) == "(object)" and cell.childCount() == 1  # not read until expanded
    cell.setExpanded(True)
    qtbot.waitUntil(lambda: not dlg.busy and cell.childCount() == 4, timeout=20_000)
    sp = _child(cell, "Setpoint")
    assert (sp.text(COL_TYPE), sp.text(COL_ACCESS), sp.text(COL_VALUE)) == ("Double", "RW", "1.5")
    assert sp.text(COL_NODE) == f"nsu={NS_URI};s=Cell.Setpoint"
    assert sp.text(COL_SAMPLING) == "" or sp.text(COL_SAMPLING).endswith("ms")
    assert _child(cell, "Count").text(COL_VALUE) == str(2**63 - 1)  # exact, not a rounded float
    assert _child(cell, "Recipe").text(COL_VALUE) == "Größe 4"
    press = _child(cell, "Press")
    press.setExpanded(True)
    qtbot.waitUntil(lambda: not dlg.busy and _child(press, "Force").text(COL_VALUE) == "12.5", timeout=20_000)
    assert calls and gui not in calls, "the server was browsed on the GUI thread"

    # search below the selected node
    dlg.tree.setCurrentItem(cell)
    dlg.search_edit.setText("force")
    dlg.search_button.click()
    qtbot.waitUntil(lambda: not dlg.busy and dlg.tree.topLevelItemCount() == 1, timeout=20_000)
    assert dlg.tree.topLevelItem(0).text(0) == "Cell.Press.Force"
    dlg.tree_button.click()
    qtbot.waitUntil(lambda: not dlg.busy and dlg.tree.topLevelItemCount() > 1, timeout=20_000)

    # copy the selected subtree as config: a skeleton that check-config accepts
    dlg.tree.setCurrentItem(_find(dlg.tree, "Cell"))
    QGuiApplication.clipboard().clear()
    dlg.copy_button.click()
    qtbot.waitUntil(lambda: "[[tags]]" in QGuiApplication.clipboard().text(), timeout=20_000)
    cfg = parse_config(QGuiApplication.clipboard().text(), "copied.toml")
    tags = {t.name: t for t in cfg.tags}
    assert tags["Cell.Setpoint"].writable and tags["Cell.Recipe"].data_type == "text"
    assert tags["Cell.Press.Force"].node_id == f"nsu={NS_URI};s=Cell.Press.Force"
    out = tmp_path / "cell.toml"
    dlg.save_skeleton(out, dlg.selected_node())
    qtbot.waitUntil(lambda: out.exists() and "Wrote 4 tags" in dlg.status.text(), timeout=20_000)
    dlg.close()


def test_operator_sees_why_and_the_service_refuses_and_audits(qtbot, browser):
    svc, sink = browser
    dlg = TagBrowserDialog(svc, OPERATOR)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.reason.isVisible() and "engineer" in dlg.reason.text()
    assert not dlg.tree.isEnabled() and not dlg.copy_button.isEnabled() and not dlg.search_button.isEnabled()
    assert dlg.tree.topLevelItemCount() == 0 and not dlg.busy  # nothing asked of the server
    with pytest.raises(PermissionDenied):
        svc.children(OPERATOR, None)
    refused = [e for e in sink.events if e.data.get("result") == "refused"]
    assert refused and refused[-1].data["action"] == "browse_server"
    dlg.close()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_fits_the_screen_without_clipped_text(qtbot, browser, size):
    svc, _ = browser
    w, h = size
    touch = h <= 800  # the line-side PC: touch profile
    dlg = TagBrowserDialog(svc, ENGINEER, touch=touch)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: not dlg.busy and dlg.tree.topLevelItemCount() > 0, timeout=20_000)
    cell = _find(dlg.tree, "Cell")
    cell.setExpanded(True)
    qtbot.waitUntil(lambda: not dlg.busy and cell.childCount() == 4, timeout=20_000)
    rows = [dlg.tree.visualItemRect(cell.child(k)).height() for k in range(cell.childCount())]
    assert all(r >= 40 for r in rows) if touch else all(r > 0 for r in rows), rows
    header = dlg.tree.header()
    for col in range(dlg.tree.columnCount() - 1):  # every header's text fits its column
        need = header.fontMetrics().horizontalAdvance(dlg.tree.headerItem().text(col))
        assert header.sectionSize(col) >= need, (
            dlg.tree.headerItem().text(col),
            header.sectionSize(col),
            need,
        )
    assert dlg.minimumSizeHint().width() <= w and dlg.minimumSizeHint().height() <= h
    dlg.resize(min(w, 1100), min(h - 60, 700))
    QApplication.processEvents()
    qtbot.wait(50)
    assert not clipped_texts(dlg), clipped_texts(dlg)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        dlg.grab().save(str(Path(SHOTS) / f"tag_browser_{w}x{h}.png"))
    dlg.close()
