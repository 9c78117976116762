"""`linehmi certs`: the station's PKI folder from the command line.

    linehmi certs list  --config FILE          own, trusted, rejected and issuer certificates
    linehmi certs show  FINGERPRINT --config FILE
    linehmi certs trust FINGERPRINT --config FILE   (after checking the fingerprint with the server's admin)
    linehmi certs reject FINGERPRINT --config FILE
    linehmi certs own   --config FILE          create (first time) and show this station's certificate

FINGERPRINT is the SHA-256 shown in the refusal message (at least 8 hex digits, colons optional).
Each trust/reject is appended to pki/trust.log with the operating-system user.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from connectors.opcua_pki import CertInfo, Pki, default_application_uri, load_der_or_pem, pki_root
from hmi.core.config import LineConfig, load_config_or_exit


def pki_for(config: LineConfig, override: str | None = None, journal_dir: str | None = None) -> Pki:
    """The same folder the running HMI uses."""
    return Pki(override or pki_root(config.server.security.pki_dir, journal_dir or config.journal.directory))


def _row(info: CertInfo) -> str:
    return (
        f"{info.status:<9} {info.sha256[:23]}  {info.not_after:%Y-%m-%d}  "
        f"{info.application_uri or '-':<36} {info.subject}"
    )


def certs_cli_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi certs", description="the station's OPC UA PKI folder")
    p.add_argument("action", choices=["list", "show", "trust", "reject", "own"])
    p.add_argument("fingerprint", nargs="?", help="SHA-256 (prefix of at least 8 hex digits)")
    p.add_argument("--config", required=True, help="line config (it names the PKI folder)")
    p.add_argument("--pki", help="PKI folder (default: server.security.pki_dir or <journal dir>/pki)")
    p.add_argument("--journal-dir", help="as given to `linehmi run` (the default PKI folder lives there)")
    args = p.parse_args(argv)
    cfg = load_config_or_exit(args.config)
    pki = pki_for(cfg, args.pki, args.journal_dir)
    if args.action == "list":
        infos = pki.list()
        if not infos:
            print(f"{pki.root}: no certificates yet (the HMI creates its own at the first secured connect)")
        for info in infos:
            print(_row(info))
        return 0
    if args.action == "own":
        sec = cfg.server.security
        own = pki.ensure_own_certificate(sec.application_uri or default_application_uri(cfg.line.id))
        info = CertInfo.of(load_der_or_pem(own.cert_path.read_bytes()), "own", own.cert_path)
        print(("created\n" if own.created else "") + info.describe())
        return 0
    if not args.fingerprint:
        print(f"linehmi certs {args.action}: give the certificate's fingerprint", file=sys.stderr)
        return 2
    try:
        if args.action == "show":
            print(pki.find(args.fingerprint).describe())
        elif args.action == "trust":
            info = pki.trust(args.fingerprint, by=getpass.getuser())
            print(f"trusted: {_row(info)}\na running HMI notices within a few seconds and connects")
        else:
            info = pki.reject(args.fingerprint, by=getpass.getuser())
            print(f"rejected: {_row(info)}")
    except KeyError as exc:
        print(f"linehmi certs: {exc.args[0]}", file=sys.stderr)
        return 1
    return 0
