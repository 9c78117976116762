"""The station's OPC UA PKI folder: its own certificate and the server certificates it trusts.

Layout (OPC UA Part 12 style, one folder per station)::

    pki/own/cert.der        this station's application instance certificate
    pki/own/private/key.pem its key (mode 0600)
    pki/trusted/            server certificates (or CAs) a person trusted
    pki/rejected/           server certificates seen and refused (until someone trusts them)
    pki/issuers/            CA certificates used to build chains, not trusted by themselves
    pki/crl/                certificate revocation lists

Trust is never implicit: an unknown server certificate is stored under
`rejected/` and the connection is refused until someone trusts it (`linehmi
certs trust FINGERPRINT` or the GUI dialog). Certificates are generated and
checked with asyncua's `cert_gen`/`CertificateValidator`/`TrustStore` and
`cryptography`; nothing here does its own cryptography.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from asyncua.crypto import cert_gen
from asyncua.crypto.truststore import TrustStore
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from connectors.session_lifecycle import ConnectRefused

# Renew the own certificate when it has less than this left (a station may be
# off for weeks; a certificate that expires while running would stop the line).
RENEW_BEFORE = dt.timedelta(days=30)
OWN_VALIDITY_DAYS = 5 * 365


def default_application_uri(line_id: str, host: str | None = None) -> str:
    return f"urn:{host or socket.gethostname()}:linehmi:{line_id}"


def pki_root(pki_dir: str, journal_dir: Path | str) -> Path:
    """The station's PKI folder: server.security.pki_dir, else "pki" in the journal directory."""
    return Path(pki_dir) if pki_dir else Path(journal_dir) / "pki"


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as the colon-separated upper-case hex that certificate tools print."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _fp_key(text: str) -> str:
    return text.replace(":", "").replace(" ", "").lower()


def load_der_or_pem(data: bytes) -> x509.Certificate:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def application_uris(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return list(san.value.get_values_for_type(x509.UniformResourceIdentifier))


@dataclass(frozen=True, slots=True)
class CertInfo:
    """What a person needs to decide whether to trust a certificate."""

    status: str  # "trusted" | "rejected" | "issuer" | "own"
    path: Path
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    application_uri: str

    @classmethod
    def of(cls, cert: x509.Certificate, status: str, path: Path) -> CertInfo:
        uris = application_uris(cert)
        return cls(
            status,
            path,
            cert.subject.rfc4514_string(),
            cert.issuer.rfc4514_string(),
            cert.not_valid_before_utc,
            cert.not_valid_after_utc,
            fingerprint(cert),
            uris[0] if uris else "",
        )

    def describe(self) -> str:
        return (
            f"subject:   {self.subject}\n"
            f"issuer:    {self.issuer}{' (self-signed)' if self.subject == self.issuer else ''}\n"
            f"valid:     {self.not_before:%Y-%m-%d %H:%M} UTC .. {self.not_after:%Y-%m-%d %H:%M} UTC\n"
            f"app URI:   {self.application_uri or '(none)'}\n"
            f"SHA-256:   {self.sha256}\n"
            f"status:    {self.status} ({self.path})"
        )


class CertificateRefused(ConnectRefused):
    """The server's certificate is not trusted (yet). `changed` when it replaces a trusted one."""

    def __init__(self, info: CertInfo, changed_from: CertInfo | None = None, reason: str = "") -> None:
        self.info = info
        self.changed_from = changed_from
        short = info.sha256[:23]
        if changed_from is not None:
            msg = (
                f"server certificate CHANGED: it now presents {short}... ({info.subject}), "
                f"trusted was {changed_from.sha256[:23]}...; refused. If the change is expected, "
                f"trust the new one: linehmi certs trust {short}"
            )
        elif reason:
            msg = f"server certificate {short}... ({info.subject}) refused: {reason}"
        else:
            msg = (
                f"server certificate {short}... ({info.subject}) is not trusted; stored as {info.path}. "
                f"Check its fingerprint with the server's administrator, then trust it: "
                f"linehmi certs trust {short} (or in the HMI: Connection > Trust certificate)"
            )
        super().__init__(msg)


@dataclass(frozen=True, slots=True)
class OwnCertificate:
    cert_path: Path
    key_path: Path
    application_uri: str
    created: bool  # made or renewed just now


class Pki:
    """One station's PKI folder. Plain files, so an administrator can inspect it with openssl."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.own = self.root / "own"
        self.trusted = self.root / "trusted"
        self.rejected = self.root / "rejected"
        self.issuers = self.root / "issuers"
        self.crl = self.root / "crl"

    def ensure_dirs(self) -> Pki:
        for d in (self.own / "private", self.trusted, self.rejected, self.issuers, self.crl):
            d.mkdir(parents=True, exist_ok=True)
        # The key folder is the station's identity: only its owner may read it.
        os.chmod(self.own / "private", 0o700)
        return self

    # --- own certificate ------------------------------------------------------------------

    @property
    def own_cert_path(self) -> Path:
        return self.own / "cert.der"

    @property
    def own_key_path(self) -> Path:
        return self.own / "private" / "key.pem"

    def ensure_own_certificate(
        self, application_uri: str, host: str | None = None, now: dt.datetime | None = None
    ) -> OwnCertificate:
        """Create the station's certificate and key on first use; renew the certificate (same
        key) when it expires within RENEW_BEFORE or no longer carries the application URI."""
        self.ensure_dirs()
        host = host or socket.gethostname()
        now = now or dt.datetime.now(dt.UTC)
        key_path, cert_path = self.own_key_path, self.own_cert_path
        if key_path.is_file():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        else:
            key = cert_gen.generate_private_key()
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(cert_gen.dump_private_key_as_pem(key))
        os.chmod(key_path, 0o600)  # also repairs a key copied in with looser permissions
        need = True
        if cert_path.is_file():
            cert = load_der_or_pem(cert_path.read_bytes())
            need = (
                cert.not_valid_after_utc - now < RENEW_BEFORE
                or application_uri not in application_uris(cert)
                or cert.public_key() != key.public_key()
            )
        if need:
            cert = cert_gen.generate_self_signed_app_certificate(
                key,  # type: ignore[arg-type]  # generated/loaded as RSA above
                f"LineHMI {application_uri.rsplit(':', 1)[-1]}@{host}",
                {"organizationName": "LineHMI"},
                [x509.UniformResourceIdentifier(application_uri), x509.DNSName(host)],
                [ExtendedKeyUsageOID.CLIENT_AUTH],
                days=OWN_VALIDITY_DAYS,
            )
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        return OwnCertificate(cert_path, key_path, application_uri, need)

    # --- server certificates --------------------------------------------------------------

    def _certs_in(self, folder: Path, status: str) -> list[tuple[x509.Certificate, CertInfo]]:
        out = []
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.suffix.lower() not in (".der", ".pem", ".crt"):
                    continue
                try:
                    cert = load_der_or_pem(p.read_bytes())
                except ValueError:
                    continue
                out.append((cert, CertInfo.of(cert, status, p)))
        return out

    def list(self) -> list[CertInfo]:
        infos = (
            [CertInfo.of(load_der_or_pem(self.own_cert_path.read_bytes()), "own", self.own_cert_path)]
            if (self.own_cert_path.is_file())
            else []
        )
        for folder, status in (
            (self.trusted, "trusted"),
            (self.rejected, "rejected"),
            (self.issuers, "issuer"),
        ):
            infos += [info for _, info in self._certs_in(folder, status)]
        return infos

    def is_trusted(self, sha256: str) -> bool:
        return any(i.sha256 == sha256 for _, i in self._certs_in(self.trusted, "trusted"))

    def find(self, fingerprint_prefix: str) -> CertInfo:
        """The one certificate whose SHA-256 starts with the prefix (colons optional)."""
        key = _fp_key(fingerprint_prefix)
        if len(key) < 8:
            raise KeyError(f"give at least 8 hex digits of the fingerprint, got {fingerprint_prefix!r}")
        hits = [i for i in self.list() if _fp_key(i.sha256).startswith(key)]
        if not hits:
            raise KeyError(f"no certificate with fingerprint {fingerprint_prefix} in {self.root}")
        if len({h.sha256 for h in hits}) > 1:
            raise KeyError(f"fingerprint prefix {fingerprint_prefix} is ambiguous: give more digits")
        return hits[0]

    def _file_name(self, cert: x509.Certificate) -> str:
        cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        label = "".join(
            c if c.isalnum() or c in "-_." else "_" for c in (str(cn[0].value) if cn else "server")
        )
        return f"{label[:40]} [{_fp_key(fingerprint(cert))[:16]}].der"

    def trust(self, fingerprint_prefix: str, by: str) -> CertInfo:
        """Move a rejected certificate to trusted. Other trusted certificates for the same
        application URI are kept (a planned certificate change may briefly need both)."""
        info = self.find(fingerprint_prefix)
        if info.status in ("trusted", "own"):
            return info
        return self._move(info, self.trusted, "trusted", by)

    def reject(self, fingerprint_prefix: str, by: str) -> CertInfo:
        """Withdraw trust: move a trusted certificate to rejected."""
        info = self.find(fingerprint_prefix)
        if info.status == "own":
            raise KeyError("that is this station's own certificate, not a server's")
        if info.status == "rejected":
            return info
        return self._move(info, self.rejected, "rejected", by)

    def _move(self, info: CertInfo, folder: Path, status: str, by: str) -> CertInfo:
        self.ensure_dirs()
        dest = folder / info.path.name
        info.path.replace(dest)
        self._log(status, info, by)
        return CertInfo.of(load_der_or_pem(dest.read_bytes()), status, dest)

    @property
    def trust_log(self) -> Path:
        return self.root / "trust.log"

    def _log(self, what: str, info: CertInfo, by: str) -> None:
        # Trust decisions are evidence: kept with the PKI (whichever tool made them), one line
        # each; the GUI also audits them in the journal.
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.trust_log.open("a", encoding="utf-8") as f:
            f.write(f"{stamp}\t{what}\t{info.sha256}\t{info.subject}\tby {by}\n")

    def store_rejected(self, cert: x509.Certificate) -> CertInfo:
        self.ensure_dirs()
        path = self.rejected / self._file_name(cert)
        if not path.exists():
            path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        return CertInfo.of(cert, "rejected", path)

    async def check_server(self, cert: x509.Certificate) -> CertInfo:
        """Accept a server certificate that is trusted directly or through a trusted CA and
        not revoked; otherwise store it under rejected/ and raise CertificateRefused."""
        fp = fingerprint(cert)
        trusted = self._certs_in(self.trusted, "trusted")
        for _, info in trusted:
            if info.sha256 == fp:
                return info
        now = dt.datetime.now(dt.UTC)
        store = TrustStore([self.trusted], [self.crl])
        await store.load_crl()
        if store.is_revoked(cert):
            raise CertificateRefused(self.store_rejected(cert), reason="it is revoked (CRL in pki/crl)")
        chain_ok = False
        if trusted:  # a CA in trusted/ that signed it (TrustStore refuses an empty store)
            await store.load_trust()
            chain_ok = _quiet_is_trusted(store, cert)
        if chain_ok and cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return CertInfo.of(cert, "trusted", self.trusted)
        info = self.store_rejected(cert)
        uris = set(application_uris(cert))
        previous = next((i for _, i in trusted if i.application_uri and i.application_uri in uris), None)
        raise CertificateRefused(info, changed_from=previous)


def _quiet_is_trusted(store: TrustStore, cert: x509.Certificate) -> bool:
    # TrustStore logs a traceback for every untrusted certificate; an untrusted one is
    # an expected answer here, reported once by the caller.
    import logging

    lg = logging.getLogger("asyncua.crypto.truststore")
    level = lg.level
    lg.setLevel(logging.CRITICAL)
    try:
        return store.is_trusted(cert)
    finally:
        lg.setLevel(level)
