"""Audit trail: who did what, when, and whether it was allowed (EventKind.AUDIT events).

An action is audited *before* it takes effect (the journal commits the row,
then the state changes), and a refused attempt is audited too. Passwords
never reach this module: a failed log-in records the name tried, not what
was typed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.users import REQUIRED_ROLE, Action, PermissionDenied, User, UserStore, allowed


@dataclass(frozen=True, slots=True)
class Origin:
    """Where and when a command was made when another station of the line made it (or this one,
    while the plant link was down): carried into the audit row and the transitions it causes."""

    station: str
    made_at: float  # the originating station's clock
    seq: int | None = None  # its place in the line's database order (None: not merged yet)

    def audit_data(self) -> dict[str, object]:
        return {"station": self.station, "made_at": self.made_at, "seq": self.seq}


LOGIN_NEEDS_CHANGE = "password change required"  # a log-in's result while the first password stands


class EventSink(Protocol):
    def write_event(self, ev: JournalEvent) -> int: ...


class Auditor:
    def __init__(self, journal: EventSink, clock: Callable[[], float] = time.time):
        self._journal = journal
        self._clock = clock

    def record(
        self,
        user: User | str | None,
        action: Action | str,
        *,
        target: str = "",
        result: str = "ok",
        detail: str = "",
        data: dict[str, Any] | None = None,
    ) -> int:
        """Journal one audit row (blocks until committed) and return its id."""
        name = user.name if isinstance(user, User) else (user or "")
        role = user.role.label if isinstance(user, User) else ""
        who = f"{name} ({role})" if role else (name or "nobody")
        text = f"{who}: {action}" + (f" {target}" if target else "") + f" - {result}"
        if detail:
            text += f": {detail}"
        payload: dict[str, Any] = {"action": str(action), "target": target, "result": result, "role": role}
        if detail:
            payload["detail"] = detail
        if data:
            payload.update(data)
        sev = Severity.INFO if result == "ok" else Severity.WARNING
        return self._journal.write_event(
            JournalEvent(
                EventKind.AUDIT, text, source=target, user=name, severity=sev, data=payload, ts=self._clock()
            )
        )

    def check(self, user: User | None, action: Action, target: str = "") -> None:
        """Raise PermissionDenied (after journaling the refusal) unless the user may do the action."""
        if allowed(user, action):
            return
        exc = PermissionDenied(user, action, REQUIRED_ROLE[action])
        self.record(
            user,
            action,
            target=target,
            result="refused",
            detail=str(exc),
            data={"required_role": REQUIRED_ROLE[action].label},
        )
        raise exc

    def login(self, store: UserStore, name: str, password: str) -> User | None:
        """The user (None: refused), audited with the credential that matched; a user who must change
        their password comes back flagged so whichever way they logged in: the caller completes the
        log-in only after the change (LoginDialog) or refuses it (the review, `linehmi write`)."""
        login = store.check(name, password)
        if login is None:
            self.record(name, "login", result="refused", detail="unknown user or wrong password")
            return None
        user = login.user
        # A user who must first change the password is not in yet: the row says so, and the log-in
        # is journaled "ok" only once the change is made (change_password). A cancelled change then
        # leaves no "login - ok" and no logout of a session that never began (qa12 Q12-3).
        self.record(
            user,
            "login",
            result=LOGIN_NEEDS_CHANGE if user.must_change_password else "ok",
            data={"must_change_password": user.must_change_password, "credential": login.credential.value},
        )
        return user

    def change_password(self, store: UserStore, user: User, new_password: str) -> None:
        """`user` sets their own password (audited; the password is never journaled). For a log-in
        that waited on this change (`user.must_change_password`), the log-in completes now: "login - ok"."""
        store.set_password(user.name, new_password)
        self.record(user, "change_password", target=user.name)
        if user.must_change_password:
            self.record(user, "login", data={"must_change_password": False, "after_password_change": True})

    def logout(self, user: User) -> None:
        self.record(user, "logout")
