"""The GUI tag browser's service: the line's server, browsed by an engineer.

One browsing session (`connectors.opcua_browse.BrowseSession`, with the line's
security settings and PKI: an untrusted server is refused here as in the
connector) is opened on the runtime's I/O loop when the browser first asks and
closed when it closes. Every call is role-checked (Action.BROWSE_SERVER,
engineer): a refusal is audited like any other. Browsing reads the address
space and current values; it writes nothing to the PLC and nothing to the line
config, so there is nothing else to audit (a skeleton is only text for the
engineer to review and paste).

The calls block until the server answers: the screens run them with
`widgets.background.run_in_background`, never on the GUI thread.
"""

from __future__ import annotations

from connectors.loop_thread import LoopThread
from connectors.opcua_browse import BrowsedNode, BrowseSession
from connectors.opcua_pki import Pki
from hmi.core.audit import Auditor
from hmi.core.config import LineConfig
from hmi.core.users import REQUIRED_ROLE, Action, PermissionDenied, User, allowed


class ServerBrowser:
    def __init__(
        self,
        config: LineConfig,
        endpoint: str,
        pki: Pki,
        io: LoopThread,
        auditor: Auditor,
        timeout_s: float = 30.0,
    ) -> None:
        self.endpoint = endpoint
        self._config = config
        self._pki = pki
        self._io = io
        self._auditor = auditor
        self._timeout = timeout_s
        self._session: BrowseSession | None = None

    def may_browse(self, user: User | None) -> str:
        """Why `user` may not browse ("" when they may): shown before anyone tries."""
        if allowed(user, Action.BROWSE_SERVER):
            return ""
        return str(PermissionDenied(user, Action.BROWSE_SERVER, REQUIRED_ROLE[Action.BROWSE_SERVER]))

    def _open(self, user: User | None, target: str) -> BrowseSession:
        self._auditor.check(user, Action.BROWSE_SERVER, target=target or self.endpoint)
        if not self._io.running:
            raise ConnectionError("the line's I/O loop is not running (the runtime was stopped)")
        if self._session is None:
            self._session = BrowseSession(self.endpoint, self._config, self._pki)
        return self._session

    def namespaces(self) -> list[str]:
        return self._session.namespaces if self._session is not None else []

    def children(self, user: User | None, node: BrowsedNode | None = None) -> list[BrowsedNode]:
        """Objects and variables directly below `node` (the Objects folder when None)."""
        session = self._open(user, node.node_id if node else "")
        depth, path = (node.depth, node.path) if node else (0, "")
        return self._io.run(
            session.children(node.node_id if node else None, depth, path), timeout=self._timeout
        )

    def search(self, user: User | None, text: str, node: BrowsedNode | None = None) -> list[BrowsedNode]:
        """Nodes below `node` whose browse path or node id contains `text`."""
        session = self._open(user, node.node_id if node else "")
        return self._io.run(
            session.search(text, node.node_id if node else None, node.path if node else ""),
            timeout=self._timeout,
        )

    def skeleton(self, user: User | None, node: BrowsedNode | None = None) -> str:
        """Config skeleton (`[[tags]]` with nsu= node ids) of the subtree below `node`."""
        session = self._open(user, node.node_id if node else "")
        return self._io.run(
            session.skeleton(node.node_id if node else None, node.path if node else ""),
            timeout=self._timeout,
        )

    def close(self) -> None:
        """End the browsing session (the browser closed); the next call opens a new one."""
        session, self._session = self._session, None
        if session is not None and self._io.running:
            self._io.run(session.close(), timeout=10)
