"""Onboarding a server: its address space as a tree, and a config skeleton from it.

`linehmi browse` opens a one-shot session (secured like the line's own when a
config is given), walks the address space depth-first and prints, for every
variable, the data type, array shape, access level and minimum sampling
interval, with `nsu=` node ids that stay valid when the server re-orders its
namespaces. `--toml` writes `[[tags]]` for the variables of the subtree.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asyncua import Client, Node, ua

from connectors.opcua_limits import call_chunked, read_operation_limits
from connectors.opcua_pki import Pki, default_application_uri
from connectors.opcua_security import secure_client
from hmi.core.config import LineConfig

_NUMERIC = {
    "Boolean": "bool",
    "SByte": "int",
    "Byte": "int",
    "Int16": "int",
    "UInt16": "int",
    "Int32": "int",
    "UInt32": "int",
    "Int64": "int",
    "UInt64": "int",
    "Float": "float",
    "Double": "float",
    "Enumeration": "enum",
}
_VAR_ATTRS = (
    ua.AttributeIds.DataType,
    ua.AttributeIds.ValueRank,
    ua.AttributeIds.AccessLevel,
    ua.AttributeIds.MinimumSamplingInterval,
)


@dataclass(frozen=True, slots=True)
class BrowsedNode:
    node_id: str  # nsu= form (namespace URI, not index)
    browse_name: str
    node_class: str
    depth: int  # 1 = child of the root
    path: str  # browse names from the root, dot-separated
    data_type: str = ""
    value_rank: int = -1  # -1 scalar, >= 1 array dimensions
    access: str = ""  # "R", "W", "RW" or "" (none)
    min_sampling_ms: float | None = None  # None: the server does not say

    @property
    def is_array(self) -> bool:
        return self.value_rank >= 0

    def type_text(self) -> str:
        return f"{self.data_type}[]" if self.is_array else self.data_type


def nsu_id(node_id: ua.NodeId, ns_array: list[str]) -> str:
    text = node_id.to_string()
    if node_id.NamespaceIndex == 0 or node_id.NamespaceIndex >= len(ns_array):
        return text
    return f"nsu={ns_array[node_id.NamespaceIndex]};" + text.split(";", 1)[1]


@contextlib.asynccontextmanager
async def one_shot_session(
    endpoint: str, config: LineConfig | None = None, pki: Pki | None = None, timeout_s: float = 5.0
) -> AsyncIterator[Client]:
    """A short session for a command-line tool, with the line's security when a config is
    given (the same certificate checks as the HMI: an untrusted server is refused)."""
    client = Client(endpoint, timeout=timeout_s)
    client.name = client.description = "LineHMI tool"
    if config is not None:
        sec = config.server.security
        client.application_uri = sec.application_uri or default_application_uri(config.line.id)
        assert pki is not None
        own = None
        if sec.policy != "None":
            if sec.certificate:
                own = (sec.certificate, sec.private_key)
            else:
                made = pki.ensure_own_certificate(client.application_uri)
                own = (str(made.cert_path), str(made.key_path))
        await secure_client(client, sec, pki, own)
    await client.connect()
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await client.disconnect()


async def browse_tree(
    client: Client, root: str | None = None, max_depth: int = 4, limit: int = 5000
) -> tuple[list[str], list[BrowsedNode]]:
    """Depth-first (tree order) walk below `root` (default: Objects)."""
    ns_array = await client.get_namespace_array()
    limits = await read_operation_limits(client)
    start = client.get_node(root) if root else client.nodes.objects
    out: list[BrowsedNode] = []
    type_names: dict[str, str] = {}

    async def type_name(dt_id: ua.NodeId) -> str:
        key = dt_id.to_string()
        if key not in type_names:
            try:
                type_names[key] = (await client.get_node(dt_id).read_browse_name()).Name
            except Exception:
                type_names[key] = key
        return type_names[key]

    async def walk(node: Node, depth: int, path: str) -> None:
        if depth >= max_depth or len(out) >= limit:
            return
        refs = await node.get_children_descriptions()
        children = [r for r in refs if r.NodeClass in (ua.NodeClass.Object, ua.NodeClass.Variable)]
        variables = [r for r in children if r.NodeClass == ua.NodeClass.Variable]
        attrs: dict[str, list[ua.DataValue]] = {}
        if variables:
            reads = [(r.NodeId, a) for r in variables for a in _VAR_ATTRS]

            async def read_chunk(chunk: list[tuple[ua.NodeId, ua.AttributeIds]]) -> list[ua.DataValue]:
                params = ua.ReadParameters()
                for nid, attr in chunk:
                    rv = ua.ReadValueId()
                    rv.NodeId, rv.AttributeId = nid, attr
                    params.NodesToRead.append(rv)
                return list(await client.uaclient.read(params))

            dvs = await call_chunked(reads, limits.chunk("max_nodes_per_read"), read_chunk)
            n = len(_VAR_ATTRS)
            for k, r in enumerate(variables):
                attrs[r.NodeId.to_string()] = dvs[k * n : (k + 1) * n]
        for ref in children:
            if len(out) >= limit:
                return
            name = ref.BrowseName.Name
            child_path = f"{path}.{name}" if path else name
            entry = BrowsedNode(nsu_id(ref.NodeId, ns_array), name, ref.NodeClass.name, depth + 1, child_path)
            vals = attrs.get(ref.NodeId.to_string())
            if vals is not None:
                dtype, rank, access, min_s = (dv.Value.Value if dv.Value is not None else None for dv in vals)
                entry = BrowsedNode(
                    entry.node_id,
                    name,
                    entry.node_class,
                    entry.depth,
                    child_path,
                    await type_name(dtype) if isinstance(dtype, ua.NodeId) else "",
                    int(rank) if isinstance(rank, int) else -1,
                    _access_text(access),
                    float(min_s) if isinstance(min_s, int | float) and min_s >= 0 else None,
                )
            out.append(entry)
            if ref.NodeClass == ua.NodeClass.Object:
                await walk(client.get_node(ref.NodeId), depth + 1, child_path)

    await walk(start, 0, "")
    return ns_array, out


def _access_text(level: object) -> str:
    if not isinstance(level, int):
        return ""
    return ("R" if level & ua.AccessLevel.CurrentRead.mask else "") + (
        "W" if level & ua.AccessLevel.CurrentWrite.mask else ""
    )


def render_tree(ns_array: list[str], nodes: list[BrowsedNode]) -> str:
    lines = ["namespaces:"]
    lines += [f"  ns={i}  {uri}" for i, uri in enumerate(ns_array)]
    lines.append("")
    lines.append(f"{'node':<48} {'type':<20} {'access':<6} {'min sampling':>12}  node id")
    for k, n in enumerate(nodes):
        last = not any(m.depth == n.depth for m in _siblings_after(nodes, k))
        prefix = "".join("    " if _closed(nodes, k, d) else "│   " for d in range(1, n.depth)) + (
            "└── " if last else "├── "
        )
        label = (prefix + n.browse_name)[:48]
        if n.node_class == "Variable":
            ms = "-" if n.min_sampling_ms is None else f"{n.min_sampling_ms:g} ms"
            lines.append(f"{label:<48} {n.type_text()[:20]:<20} {n.access or '-':<6} {ms:>12}  {n.node_id}")
        else:
            lines.append(f"{label:<48} {'(object)':<20} {'':<6} {'':>12}  {n.node_id}")
    return "\n".join(lines)


def _siblings_after(nodes: list[BrowsedNode], k: int) -> list[BrowsedNode]:
    """Nodes after k up to the end of k's parent (depth < k's depth)."""
    out = []
    for m in nodes[k + 1 :]:
        if m.depth < nodes[k].depth:
            break
        out.append(m)
    return out


def _closed(nodes: list[BrowsedNode], k: int, depth: int) -> bool:
    """True when the ancestor of node k at `depth` was the last child of its parent."""
    anc = k
    while nodes[anc].depth > depth:
        anc -= 1
    return not any(m.depth == depth for m in _siblings_after(nodes, anc))


def _tag_name(path: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", path)
    return name if name[:1].isalpha() else f"t_{name}"


def toml_skeleton(endpoint: str, ns_array: list[str], nodes: list[BrowsedNode]) -> str:
    """[[tags]] for every variable LineHMI can trend; the rest listed as comments with why."""
    out = [
        "# Generated by `linehmi browse --toml`: check names, units, ranges and alarms before use.",
        "[line]",
        'id = "line1"',
        'name = "Line 1"',
        "",
        "[server]",
        f'endpoint = "{endpoint}"',
        "",
    ]
    standard = 0
    for n in nodes:
        if n.node_class != "Variable":
            continue
        if not n.node_id.startswith("nsu="):  # the server's own diagnostics (namespace 0)
            standard += 1
            continue
        kind = _NUMERIC.get(n.data_type)
        if kind is None or n.is_array or "R" not in n.access:
            why = (
                "array"
                if n.is_array
                else "not readable"
                if "R" not in n.access
                else f"type {n.data_type or '?'} is not trended"
            )
            out.append(f"# {n.path} ({n.node_id}): skipped, {why}")
            continue
        if kind == "enum":
            kind = "int"  # states tables are the engineer's to write
        sampling = max(100.0, n.min_sampling_ms or 0.0)
        out += [
            "[[tags]]",
            f'name = "{_tag_name(n.path)}"',
            f'node_id = "{n.node_id}"',
            f'data_type = "{kind}"',
            f"sampling_ms = {sampling:g}",
        ]
        if "W" in n.access:
            out.append("writable = true")
        out.append("")
    if standard:
        out.append(f"# {standard} variables of the OPC UA standard namespace (server diagnostics) left out")
    return "\n".join(out) + "\n"
