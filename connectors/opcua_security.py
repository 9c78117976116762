"""Choosing an endpoint and securing a session before any secret leaves the station.

Order of checks on every (re)connect: ask the server for its endpoints over an
unsecured discovery channel (that is what GetEndpoints is for), pick the one
the config asks for (or say what the server offers), check the server's
certificate against the PKI trust list, then decide whether the password
would travel in clear. Only then does asyncua open the secure channel and
send credentials.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from asyncua import Client, ua
from asyncua.client.client import _first_cert_from_chain  # the leaf of a server's chain
from asyncua.crypto import security_policies
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from connectors.opcua_pki import CertificateRefused, CertInfo, Pki, fingerprint, load_der_or_pem
from connectors.session_lifecycle import ConnectRefused
from hmi.core.config import SecurityConfig

log = logging.getLogger(__name__)

# Config names (the ones OPC UA tools show) -> asyncua's classes.
POLICIES: dict[str, type[security_policies.SecurityPolicy]] = {
    "None": security_policies.SecurityPolicyNone,
    "Basic256Sha256": security_policies.SecurityPolicyBasic256Sha256,
    "Aes128_Sha256_RsaOaep": security_policies.SecurityPolicyAes128Sha256RsaOaep,
    "Aes256_Sha256_RsaPss": security_policies.SecurityPolicyAes256Sha256RsaPss,
}
_MODES = {
    "None": ua.MessageSecurityMode.None_,
    "Sign": ua.MessageSecurityMode.Sign,
    "SignAndEncrypt": ua.MessageSecurityMode.SignAndEncrypt,
}
_URI_TO_NAME = {cls.URI: name for name, cls in POLICIES.items()}


def _policy_name(uri: str) -> str:
    return _URI_TO_NAME.get(uri, uri.rsplit("#", 1)[-1] or "None")


def describe_endpoints(endpoints: list[ua.EndpointDescription]) -> str:
    offers = sorted(
        {f"{_policy_name(e.SecurityPolicyUri)}/{e.SecurityMode.name.rstrip('_')}" for e in endpoints}
    )
    return ", ".join(offers) or "nothing"


class NoMatchingEndpoint(ConnectRefused):
    pass


class InsecurePasswordRefused(ConnectRefused):
    pass


@dataclass(frozen=True, slots=True)
class SessionSecurity:
    """What was agreed for this session (for the journal and the identity watchdog)."""

    policy: str
    mode: str
    server_cert: CertInfo | None
    password_in_clear: bool  # only ever True with allow_insecure_password


def password_from_env(sec: SecurityConfig) -> str | None:
    if not sec.username or not sec.password_env:
        return None
    pwd = os.environ.get(sec.password_env)
    if pwd is None:
        raise ConnectRefused(
            f"server.security.password_env names ${sec.password_env}, which is not set in LineHMI's "
            "environment; set it and restart"
        )
    return pwd


def select_endpoint(
    endpoints: list[ua.EndpointDescription], sec: SecurityConfig, url: str
) -> ua.EndpointDescription:
    want_uri, want_mode = POLICIES[sec.policy].URI, _MODES[sec.mode]
    for ep in endpoints:
        if ep.SecurityPolicyUri == want_uri and ep.SecurityMode == want_mode:
            return ep
    raise NoMatchingEndpoint(
        f"{url} has no endpoint with security {sec.policy}/{sec.mode} (server.security.policy/mode); "
        f"it offers: {describe_endpoints(endpoints)}"
    )


def _username_token(ep: ua.EndpointDescription) -> ua.UserTokenPolicy | None:
    return next((t for t in ep.UserIdentityTokens or [] if t.TokenType == ua.UserTokenType.UserName), None)


def password_in_clear(ep: ua.EndpointDescription) -> bool:
    """True when a password sent on this endpoint could be read on the wire: the token is not
    encrypted on its own (token policy None) and the channel does not encrypt either."""
    token = _username_token(ep)
    token_uri = (token.SecurityPolicyUri if token else "") or ep.SecurityPolicyUri
    token_encrypted = token_uri not in ("", security_policies.SecurityPolicyNone.URI)
    return not token_encrypted and ep.SecurityMode != ua.MessageSecurityMode.SignAndEncrypt


async def _server_certificate(ep: ua.EndpointDescription) -> x509.Certificate:
    return x509.load_der_x509_certificate(_first_cert_from_chain(ep.ServerCertificate))


async def check_server_certificate(sec: SecurityConfig, pki: Pki, cert: x509.Certificate) -> CertInfo:
    """Pinned certificate (server_certificate in the config) or the PKI trust list."""
    if sec.server_certificate:
        try:
            with open(sec.server_certificate, "rb") as f:
                pinned = load_der_or_pem(f.read())
        except (OSError, ValueError) as exc:
            raise ConnectRefused(
                f"server.security.server_certificate {sec.server_certificate!r} cannot be read: {exc}"
            ) from None
        if fingerprint(pinned) == fingerprint(cert):
            return CertInfo.of(cert, "trusted", pki.trusted)
        raise CertificateRefused(
            pki.store_rejected(cert), changed_from=CertInfo.of(pinned, "trusted", pki.trusted)
        )
    return await pki.check_server(cert)


async def secure_client(
    client: Client, sec: SecurityConfig, pki: Pki, own_cert: tuple[str, str] | None
) -> SessionSecurity:
    """Configure `client` for the endpoint the config asks for. Raises ConnectRefused (or its
    subclass CertificateRefused) for everything a retry cannot fix."""
    url = client.server_url.geturl()
    password = password_from_env(sec)
    endpoints = await client.connect_and_get_server_endpoints()
    ep = select_endpoint(endpoints, sec, url)
    server_cert: CertInfo | None = None
    if sec.policy != "None":
        cert = await _server_certificate(ep)
        server_cert = await check_server_certificate(sec, pki, cert)
        assert own_cert is not None
        await client.set_security(
            POLICIES[sec.policy],
            own_cert[0],
            own_cert[1],
            server_certificate=x509_der(cert),
            mode=_MODES[sec.mode],
        )
    clear = False
    if sec.username:
        if _username_token(ep) is None:
            offered = ", ".join(t.TokenType.name for t in ep.UserIdentityTokens or []) or "none"
            raise ConnectRefused(
                f"{url} ({sec.policy}/{sec.mode}) accepts no user name log-in (it accepts: {offered}); "
                "remove server.security.username or choose another endpoint"
            )
        clear = password_in_clear(ep)
        if clear and not sec.allow_insecure_password:
            raise InsecurePasswordRefused(
                f"the password for {sec.username!r} would travel unencrypted to {url} "
                f"({sec.policy}/{sec.mode}); use policy Basic256Sha256 with SignAndEncrypt, or set "
                "server.security.allow_insecure_password = true if this network is isolated"
            )
        client.set_user(sec.username)
        if password is not None:
            client.set_password(password)
    return SessionSecurity(sec.policy, sec.mode, server_cert, clear)


def x509_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


async def probe_server_certificate(
    url: str, sec: SecurityConfig, timeout_s: float
) -> x509.Certificate | None:
    """The certificate the server at `url` presents now for our endpoint (None if unreachable)."""
    probe = Client(url, timeout=timeout_s)
    try:
        endpoints = await probe.connect_and_get_server_endpoints()
    except Exception:
        return None
    try:
        return await _server_certificate(select_endpoint(endpoints, sec, url))
    except (ConnectRefused, ValueError):
        return None
