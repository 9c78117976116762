"""Reading one line of the plant historian: which database, line and station, and the password.

`linehmi review|report|ask` take a URL such as ``postgresql://engineer@historian/plant?line=line3``
(``&station=ws1`` to pick a station); `line` and `station` are LineHMI's, the rest is libpq's
(``sslmode``, ``sslrootcert``...). As for ``[plant]``, the password is never in the URL: libpq's
``PGPASSWORD``/``~/.pgpass``, or an environment variable or a 0600 file named on the command line.
Sessions are read-only (``default_transaction_read_only``): a review never writes to the historian.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import ValidationError

from connectors.plant.forwarder import PlantError, read_password
from connectors.plant.schema import SCHEMA_VERSION, current_version
from hmi.core.config import PlantConfig


def is_plant_url(text: str) -> bool:
    return str(text).startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without anything after a user name's colon (what messages may show)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")
    netloc = f"{host[0].split(':')[0]}@{host[2]}" if host[1] else parts.netloc
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class PlantTarget:
    url: str  # libpq URL, without LineHMI's own parameters
    line_id: str
    station_id: str | None  # None: the line's station that forwarded most recently
    password: str | None

    @classmethod
    def parse(
        cls,
        url: str,
        line: str | None = None,
        station: str | None = None,
        password_env: str = "",
        password_file: str = "",
    ) -> PlantTarget:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        if "password" in query or parts.password is not None:
            raise PlantError(
                f"{redact(url)}: a password in the URL is refused; use --password-env or --password-file"
            )
        line = line or query.pop("line", None)
        station = station or query.pop("station", None)
        query.pop("line", None)
        query.pop("station", None)
        if not line:
            raise PlantError(f"{redact(url)}: which line? add ?line=LINE_ID to the URL or pass --line")
        clean = urlunsplit(parts._replace(query=urlencode(query)))
        try:
            cfg = PlantConfig(database=clean, password_env=password_env, password_file=password_file)
        except ValidationError as exc:  # its text would quote the URL: only the reasons
            reasons = "; ".join(str(e["msg"]) for e in exc.errors())
            raise PlantError(f"{redact(url)}: {reasons}") from None
        return cls(clean, line, station, read_password(cfg))

    def __str__(self) -> str:
        at = f", station {self.station_id}" if self.station_id else ""
        return f"{redact(self.url)} (line {self.line_id}{at})"


class ReadPool:
    """Read-only connections to the plant database, one per concurrent reader (trend workers, the GUI)."""

    def __init__(self, target: PlantTarget) -> None:
        self.target = target
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def _open(self) -> Any:
        import psycopg

        try:
            conn = psycopg.connect(
                self.target.url,
                password=self.target.password,
                autocommit=True,
                connect_timeout=5,
                options="-c default_transaction_read_only=on",
            )
        except psycopg.OperationalError as exc:
            raise PlantError(f"cannot connect to {redact(self.target.url)}: {str(exc).strip()}") from None
        return conn

    @contextmanager
    def connection(self) -> Iterator[Any]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._open()
        ok = False
        try:
            yield conn
            ok = True
        finally:
            if ok and not conn.closed:
                self._idle.put(conn)
            else:
                conn.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def resolve_station(conn: Any, target: PlantTarget) -> tuple[str, list[int]]:
    """(station id, its journal ids) of the target: the one named, else the line's station that
    forwarded most recently. Stations of a line journal the same tags; reads take one station's record."""
    have = current_version(conn)
    if have < SCHEMA_VERSION:
        raise PlantError(
            f"{target}: the plant database has schema version {have}, this LineHMI reads version {SCHEMA_VERSION}:"
            f" run `linehmi plant init {redact(target.url)}` with a writing account (it migrates)"
        )
    rows = conn.execute(
        "SELECT s.station_id, max(p.updated_at) AS last FROM stations s"
        " LEFT JOIN forward_progress p ON p.station_id = s.station_id WHERE s.line_id = %s"
        " GROUP BY s.station_id ORDER BY last DESC NULLS LAST, s.station_id",
        (target.line_id,),
    ).fetchall()
    stations = [r[0] for r in rows]
    if not stations:
        lines = [r[0] for r in conn.execute("SELECT DISTINCT line_id FROM stations ORDER BY 1")]
        raise PlantError(
            f"{target}: no station of line {target.line_id!r} has forwarded to this database"
            f" (lines there: {', '.join(lines) or 'none'})"
        )
    station = target.station_id or stations[0]
    if station not in stations:
        raise PlantError(
            f"{target}: station {station!r} is not one of line {target.line_id!r}'s: {', '.join(stations)}"
        )
    origins = [
        int(r[0])
        for r in conn.execute("SELECT id FROM journals WHERE station_id = %s ORDER BY id", (station,))
    ]
    return station, origins
