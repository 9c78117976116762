"""Trusting a refused OPC UA server certificate from a screen: role-checked and audited.

The connector refuses an unknown or changed server certificate and stores it
under pki/rejected; this service lists those and trusts one for a user whose
role allows it (Action.TRUST_CERTIFICATE, engineer). The refusal or the act
is audited before the certificate moves, then the connector is asked to
connect at once. Work that waits for the disk runs on the given executor.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable

from connectors.opcua_pki import CertInfo, Pki
from hmi.core.audit import Auditor
from hmi.core.users import Action, User


class CertificateTrust:
    def __init__(
        self,
        pki: Pki,
        auditor: Auditor,
        retry_connection: Callable[[], None],
        executor: concurrent.futures.Executor,
    ) -> None:
        self.pki = pki
        self._auditor = auditor
        self._retry = retry_connection
        self._executor = executor

    def refused(self) -> list[CertInfo]:
        """Refused server certificates, newest first."""
        infos = [i for i in self.pki.list() if i.status == "rejected"]
        return sorted(infos, key=lambda i: i.path.stat().st_mtime, reverse=True)

    def trust(self, sha256: str, user: User | None) -> concurrent.futures.Future[CertInfo]:
        """The future raises PermissionDenied (refusal audited) or KeyError (no such certificate)."""
        return self._executor.submit(self._trust, sha256, user)

    def _trust(self, sha256: str, user: User | None) -> CertInfo:
        info = self.pki.find(sha256)
        self._auditor.check(user, Action.TRUST_CERTIFICATE, target=info.sha256)
        assert user is not None  # check() refuses nobody-logged-in
        self._auditor.record(
            user,
            Action.TRUST_CERTIFICATE,
            target=info.sha256,
            detail=f"server certificate {info.subject}",
            data={"sha256": info.sha256, "subject": info.subject, "application_uri": info.application_uri},
        )
        trusted = self.pki.trust(info.sha256, by=user.name)
        self._retry()
        return trusted
