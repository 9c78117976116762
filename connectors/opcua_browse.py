"""Onboarding a server: its address space as a tree, and a config skeleton from it.

`linehmi browse` opens a one-shot session (secured like the line's own when a
config is given), walks the address space depth-first and prints, for every
variable, the data type, array shape, access level and minimum sampling
interval, with `nsu=` node ids that stay valid when the server re-orders its
namespaces. `--toml` writes `[[tags]]` for the variables of the subtree.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asyncua import Client, Node, ua

from connectors.opcua_limits import OperationLimits, call_chunked, read_operation_limits
from connectors.opcua_pki import Pki, default_application_uri
from connectors.opcua_security import secure_client
from connectors.opcua_values import to_text
from hmi.core.config import LineConfig
from hmi.core.quality import status_name

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
# Journaled and shown as text (data_type = "text"), arrays of them as JSON lists.
_TEXT = {"String", "ByteString", "LocalizedText", "DateTime", "Guid", "NodeId", "QualifiedName"}
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
    value: str = ""  # the current value as text (BrowseSession only; "" when not read)

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


class _Reader:
    """One level of the address space at a time: children of a node with their attributes
    (one batched read, chunked by the server's MaxNodesPerRead). The CLI walk and the GUI's
    lazy tree both read through it."""

    def __init__(self, client: Client, ns_array: list[str], limits: OperationLimits) -> None:
        self.client = client
        self.ns_array = ns_array
        self.limits = limits
        self._type_names: dict[str, str] = {}
        self.ids: dict[str, ua.NodeId] = {}  # nsu= text -> the server's node id, for nodes seen

    async def type_name(self, dt_id: ua.NodeId) -> str:
        key = dt_id.to_string()
        if key not in self._type_names:
            try:
                self._type_names[key] = (await self.client.get_node(dt_id).read_browse_name()).Name
            except Exception:
                self._type_names[key] = key
        return self._type_names[key]

    async def read(self, reads: list[tuple[ua.NodeId, ua.AttributeIds]]) -> list[ua.DataValue]:
        async def read_chunk(chunk: list[tuple[ua.NodeId, ua.AttributeIds]]) -> list[ua.DataValue]:
            params = ua.ReadParameters()
            for nid, attr in chunk:
                rv = ua.ReadValueId()
                rv.NodeId, rv.AttributeId = nid, attr
                params.NodesToRead.append(rv)
            return list(await self.client.uaclient.read(params))

        return await call_chunked(reads, self.limits.chunk("max_nodes_per_read"), read_chunk)

    async def children(self, node: Node, depth: int, path: str, values: bool = False) -> list[BrowsedNode]:
        refs = await node.get_children_descriptions()
        children = [r for r in refs if r.NodeClass in (ua.NodeClass.Object, ua.NodeClass.Variable)]
        variables = [r for r in children if r.NodeClass == ua.NodeClass.Variable]
        wanted = (*_VAR_ATTRS, ua.AttributeIds.Value) if values else _VAR_ATTRS
        attrs: dict[str, list[ua.DataValue]] = {}
        if variables:
            dvs = await self.read([(r.NodeId, a) for r in variables for a in wanted])
            n = len(wanted)
            for k, r in enumerate(variables):
                attrs[r.NodeId.to_string()] = dvs[k * n : (k + 1) * n]
        out = []
        for ref in children:
            name = ref.BrowseName.Name
            child_path = f"{path}.{name}" if path else name
            node_id = nsu_id(ref.NodeId, self.ns_array)
            self.ids[node_id] = ref.NodeId
            entry = BrowsedNode(node_id, name, ref.NodeClass.name, depth + 1, child_path)
            vals = attrs.get(ref.NodeId.to_string())
            if vals is not None:
                dtype, rank, access, min_s = (
                    dv.Value.Value if dv.Value is not None else None for dv in vals[:4]
                )
                entry = BrowsedNode(
                    entry.node_id,
                    name,
                    entry.node_class,
                    entry.depth,
                    child_path,
                    await self.type_name(dtype) if isinstance(dtype, ua.NodeId) else "",
                    int(rank) if isinstance(rank, int) else -1,
                    _access_text(access),
                    float(min_s) if isinstance(min_s, int | float) and min_s >= 0 else None,
                    _value_text(vals[4]) if values else "",
                )
            out.append(entry)
        return out


def _value_text(dv: ua.DataValue, limit: int = 80) -> str:
    """A current value as a browser shows it: short, with its quality when not Good."""
    code = dv.StatusCode.value if dv.StatusCode is not None else 0
    if code & 0x80000000:
        return f"({status_name(code)})"
    try:
        text = to_text(dv.Value.Value if dv.Value is not None else None) or ""
    except TypeError:
        text = f"({type(dv.Value.Value).__name__})" if dv.Value is not None else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def browse_tree(
    client: Client, root: str | None = None, max_depth: int = 4, limit: int = 5000
) -> tuple[list[str], list[BrowsedNode]]:
    """Depth-first (tree order) walk below `root` (default: Objects)."""
    reader = _Reader(client, await client.get_namespace_array(), await read_operation_limits(client))
    start = client.get_node(root) if root else client.nodes.objects
    ns_array, out = await _walk(reader, start, max_depth, limit)
    return ns_array, out


async def _walk(
    reader: _Reader, start: Node, max_depth: int, limit: int, base_depth: int = 0, base_path: str = ""
) -> tuple[list[str], list[BrowsedNode]]:
    out: list[BrowsedNode] = []

    async def walk(node: Node, depth: int, path: str) -> None:
        if depth >= base_depth + max_depth or len(out) >= limit:
            return
        for entry in await reader.children(node, depth, path):
            if len(out) >= limit:
                return
            out.append(entry)
            if entry.node_class == "Object":
                await walk(reader.client.get_node(reader.ids[entry.node_id]), depth + 1, entry.path)

    await walk(start, base_depth, base_path)
    return reader.ns_array, out


class BrowseSession:
    """The GUI tag browser's view of a server: one session kept open while the browser is,
    children read level by level (with current values), a search below a node, and the
    config skeleton of a subtree (the same `toml_skeleton` as `linehmi browse --toml`).
    Node ids in and out are the `nsu=` texts of nodes this session has listed."""

    def __init__(self, endpoint: str, config: LineConfig | None = None, pki: Pki | None = None) -> None:
        self.endpoint = endpoint
        self._config = config
        self._pki = pki
        self._stack: contextlib.AsyncExitStack | None = None
        self._reader: _Reader | None = None
        self._lock: asyncio.Lock | None = None  # made on the loop that runs the session

    @property
    def namespaces(self) -> list[str]:
        return list(self._reader.ns_array) if self._reader is not None else []

    async def _open(self) -> _Reader:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # two quick expands must not open two sessions
            if self._reader is None:
                stack = contextlib.AsyncExitStack()
                client = await stack.enter_async_context(
                    one_shot_session(self.endpoint, self._config, self._pki)
                )
                try:
                    ns_array = await client.get_namespace_array()
                    limits = await read_operation_limits(client)
                except BaseException:
                    await stack.aclose()
                    raise
                self._stack = stack
                self._reader = _Reader(client, ns_array, limits)
        return self._reader

    def _node(self, reader: _Reader, node_id: str | None) -> Node:
        if node_id is None:
            return reader.client.nodes.objects
        if node_id not in reader.ids:
            raise KeyError(f"{node_id} was not listed by this browser (expand its parent first)")
        return reader.client.get_node(reader.ids[node_id])

    async def children(self, node_id: str | None = None, depth: int = 0, path: str = "") -> list[BrowsedNode]:
        """The objects and variables directly below a node (Objects when None), with values."""
        reader = await self._open()
        return await reader.children(self._node(reader, node_id), depth, path, values=True)

    async def search(
        self, text: str, node_id: str | None = None, path: str = "", max_depth: int = 8, limit: int = 5000
    ) -> list[BrowsedNode]:
        """Nodes below `node_id` whose browse path contains `text` (case-insensitive); the walk
        stops after `limit` nodes so a huge server cannot hold the browser."""
        reader = await self._open()
        _ns, nodes = await _walk(reader, self._node(reader, node_id), max_depth, limit, 0, path)
        needle = text.lower()
        return [n for n in nodes if needle in n.path.lower() or needle in n.node_id.lower()]

    async def skeleton(
        self, node_id: str | None = None, path: str = "", max_depth: int = 8, limit: int = 5000
    ) -> str:
        """`[[tags]]` TOML for the subtree below `node_id` (see `toml_skeleton`); tag names
        start with the subtree's own browse path."""
        reader = await self._open()
        ns, nodes = await _walk(reader, self._node(reader, node_id), max_depth, limit, 0, path)
        return toml_skeleton(self.endpoint, ns, nodes)

    async def close(self) -> None:
        stack, self._stack, self._reader = self._stack, None, None
        if stack is not None:
            await stack.aclose()


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
    """[[tags]] for every variable LineHMI can trend or show as text; the rest listed as comments
    with why."""
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
        if n.data_type == "DateTime" and not n.is_array:
            kind: str | None = "float"  # POSIX seconds: trendable
        elif n.data_type in _TEXT:
            kind = "text"  # an array of them: a JSON list
        else:
            kind = _NUMERIC.get(n.data_type)
        if kind is None or (n.is_array and kind != "text") or "R" not in n.access:
            why = (
                "not readable"
                if "R" not in n.access
                else "array (add element = N to trend one element)"
                if n.is_array and kind is not None
                else f"type {n.data_type or '?'} has no number or text form"
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
        if "W" in n.access and kind != "text":
            out.append("writable = true")
        out.append("")
    if standard:
        out.append(f"# {standard} variables of the OPC UA standard namespace (server diagnostics) left out")
    return "\n".join(out) + "\n"
