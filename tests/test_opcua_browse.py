"""`linehmi browse` against a real asyncua server: tree, namespaces, types, access, skeleton."""

from __future__ import annotations

from asyncua import ua

from connectors.loop_thread import LoopThread
from connectors.opcua_browse import browse_tree, one_shot_session, render_tree, toml_skeleton
from hmi.core.config import parse_config
from tests.opcua_fixtures import free_port
from tests.opcua_servers import NS_URI, Plc, PlcShape


async def _extra(server, idx):
    ns = idx[NS_URI]
    obj = await server.nodes.objects.add_object(ns, "Cell")
    sp = await obj.add_variable(ua.NodeId("Cell.Setpoint", ns), "Setpoint", 1.5)
    await sp.set_writable()
    await obj.add_variable(ua.NodeId("Cell.Count", ns), "Count", 7, ua.VariantType.Int64)
    await obj.add_variable(ua.NodeId("Cell.Name", ns), "Name", "press 4")
    await obj.add_variable(ua.NodeId("Cell.Profile", ns), "Profile", [1.0, 2.0, 3.0])


def test_browse_tree_and_toml_skeleton():
    plc = Plc(free_port(), PlcShape(extra=_extra)).start()
    try:
        with LoopThread("browse") as loop:

            async def go():
                async with one_shot_session(plc.url) as client:
                    return await browse_tree(client, None, 4)

            ns, nodes = loop.run(go(), timeout=30)
    finally:
        plc.close()
    text = render_tree(ns, nodes)
    assert NS_URI in text and "http://opcfoundation.org/UA/" in text
    by_path = {n.path: n for n in nodes}
    sp = by_path["Cell.Setpoint"]
    assert sp.node_id == f"nsu={NS_URI};s=Cell.Setpoint" and sp.access == "RW" and sp.data_type == "Double"
    assert by_path["Cell.Count"].data_type == "Int64" and by_path["Cell.Count"].access == "R"
    assert by_path["Cell.Profile"].is_array
    # tree: a child is printed one level deeper than its parent, right after it
    lines = text.splitlines()

    def indent(line: str) -> int:
        return len(line) - len(line.lstrip("│├└─ "))

    cell = next(k for k, line in enumerate(lines) if line.lstrip("│├└─ ").startswith("Cell "))
    children = lines[cell + 1 : cell + 5]
    assert all(indent(c) == indent(lines[cell]) + 4 for c in children), children
    assert {c.lstrip("│├└─ ").split()[0] for c in children} == {"Setpoint", "Count", "Name", "Profile"}
    assert children[-1].lstrip("│ ").startswith("└──") and children[0].lstrip("│ ").startswith("├──")
    cfg = parse_config(toml_skeleton(plc.url, ns, nodes), "skeleton.toml")
    tags = {t.node_id: t for t in cfg.tags}
    assert tags[f"nsu={NS_URI};s=Cell.Setpoint"].writable
    assert tags[f"nsu={NS_URI};s=Cell.Count"].data_type == "int"
    assert f"nsu={NS_URI};s=Cell.Profile" not in tags  # a numeric array: one element per tag, by hand
    assert (
        tags[f"nsu={NS_URI};s=Cell.Name"].data_type == "text"
        and not tags[f"nsu={NS_URI};s=Cell.Name"].writable
    )
