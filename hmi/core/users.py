"""Users, roles and passwords (no Qt, no plaintext anywhere).

Roles are ordered: viewer < operator < supervisor < engineer < admin; an
action needs a minimum role (``REQUIRED_ROLE``). Users live in a JSON file
(``users.json`` next to the journal files by default) holding, per user, the
role and a salted scrypt hash of the password: never the password itself,
and the password never goes into a log line or a journal event.

The file is rewritten atomically (write a temporary file, then rename) with
owner-only permissions.
"""

from __future__ import annotations

import argparse
import base64
import enum
import getpass
import hashlib
import hmac
import json
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from hmi.core.atomic_file import write_json_atomic

USERS_FILE = "users.json"


class Role(enum.IntEnum):
    VIEWER = 0
    OPERATOR = 1
    SUPERVISOR = 2
    ENGINEER = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Role) -> Role:
        if isinstance(value, Role):
            return value
        if isinstance(value, int):
            return cls(value)
        key = str(value).strip().upper()
        if key not in cls.__members__:
            raise ValueError(f"unknown role {value!r} (use {', '.join(r.label for r in cls)})")
        return cls[key]


class Action(enum.StrEnum):
    VIEW = "view"
    ACKNOWLEDGE = "acknowledge"
    RESET = "reset"  # reset a latched alarm
    UNSHELVE = "unshelve"
    WRITE_SETPOINT = "write_setpoint"
    SHELVE = "shelve"
    OUT_OF_SERVICE = "out_of_service"
    RETURN_TO_SERVICE = "return_to_service"
    CHANGE_LIMITS = "change_limits"
    MANAGE_USERS = "manage_users"
    TRUST_CERTIFICATE = "trust_certificate"  # trust an OPC UA server's certificate
    BROWSE_SERVER = "browse_server"  # browse the OPC UA server's address space (tag browser)
    # Stop reasons (hmi.core.production.stops): classify, split and note a stop.
    CLASSIFY_STOP = "classify_stop"
    SPLIT_STOP = "split_stop"
    NOTE_STOP = "note_stop"


REQUIRED_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.ACKNOWLEDGE: Role.OPERATOR,
    Action.RESET: Role.OPERATOR,
    # Unshelving early only brings an alarm back: no reason to restrict it further.
    Action.UNSHELVE: Role.OPERATOR,
    Action.WRITE_SETPOINT: Role.OPERATOR,
    Action.SHELVE: Role.SUPERVISOR,
    Action.OUT_OF_SERVICE: Role.SUPERVISOR,
    Action.RETURN_TO_SERVICE: Role.SUPERVISOR,
    Action.CHANGE_LIMITS: Role.ENGINEER,
    Action.MANAGE_USERS: Role.ADMIN,
    # Trusting a server decides who gets the session and the password: an engineer's call.
    Action.TRUST_CERTIFICATE: Role.ENGINEER,
    Action.BROWSE_SERVER: Role.ENGINEER,
    Action.CLASSIFY_STOP: Role.SUPERVISOR,
    Action.SPLIT_STOP: Role.SUPERVISOR,
    Action.NOTE_STOP: Role.SUPERVISOR,
}

_ACTION_TEXT = {
    Action.VIEW: "view the line",
    Action.ACKNOWLEDGE: "acknowledge alarms",
    Action.RESET: "reset latched alarms",
    Action.UNSHELVE: "unshelve alarms",
    Action.WRITE_SETPOINT: "write setpoints",
    Action.SHELVE: "shelve alarms",
    Action.OUT_OF_SERVICE: "take alarms out of service",
    Action.RETURN_TO_SERVICE: "return alarms to service",
    Action.CHANGE_LIMITS: "change alarm limits",
    Action.MANAGE_USERS: "manage users",
    Action.TRUST_CERTIFICATE: "trust a server certificate",
    Action.BROWSE_SERVER: "browse the PLC's address space",
    Action.CLASSIFY_STOP: "classify stops",
    Action.SPLIT_STOP: "split stops",
    Action.NOTE_STOP: "add notes to stops",
}


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    display_name: str = ""
    must_change_password: bool = False

    def can(self, action: Action | str) -> bool:
        return allowed(self, action)

    def __str__(self) -> str:
        return f"{self.name} ({self.role.label})"


class PermissionDenied(Exception):
    """An action the user's role does not allow; str() is the message to show."""

    def __init__(self, user: User | None, action: Action, required: Role):
        self.user = user
        self.action = action
        self.required = required
        who = f"{user.name!r} (role {user.role.label})" if user else "nobody is logged in:"
        what = _ACTION_TEXT.get(action, str(action))
        if user:
            msg = f"{who} may not {what}: needs {required.label} or higher"
        else:
            msg = f"{who} log in as {required.label} or higher to {what}"
        super().__init__(msg)


def allowed(user: User | None, action: Action | str) -> bool:
    required = REQUIRED_ROLE[Action(action)]
    return user is not None and user.role >= required


def role_refusal(user: User | None, action: Action | str) -> str:
    """Why a user may not do an action ('' when allowed): the one text every action button shows
    (tooltip, rights line) before anybody tries, from the same rule that refuses the request."""
    act = Action(action)
    if allowed(user, act):
        return ""
    need = REQUIRED_ROLE[act].label
    if user is None:
        return f"Nobody is logged in: log in as {need} or higher"
    return f"Needs {need} or higher (you are {user.name}, {user.role.label})"


def password_change_needed(user: User) -> str:
    """Why a log-in that cannot show the password change (the review, `linehmi write`) is refused:
    the one wording, from the flag only `UserStore.set_password` clears ('' when not flagged)."""
    if not user.must_change_password:
        return ""
    return (
        f"{user.name} must choose a new password at the first log-in: log in once at the line's "
        "LineHMI (password or PIN), then here with the new password."
    )


def require(user: User | None, action: Action | str) -> None:
    """Raise PermissionDenied unless the user's role allows the action (does not journal: see audit.py)."""
    act = Action(action)
    if not allowed(user, act):
        raise PermissionDenied(user, act, REQUIRED_ROLE[act])


# --- password hashing -----------------------------------------------------------------------------

# scrypt (RFC 7914), memory-hard: n=2**14, r=8 uses 16 MiB and ~50 ms per check on a PC.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh 16-byte random salt."""
    if not password:
        raise ValueError("the password must not be empty")
    salt = secrets.token_bytes(16)
    dk = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=_MAXMEM)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(dk)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison of a password against a stored hash."""
    try:
        algo, n, r, p, salt_b64, dk_b64 = stored.split("$")
        if algo != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        want = base64.b64decode(dk_b64)
        dk = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(want), maxmem=_MAXMEM
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(dk, want)


# Checked against for unknown user names, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

_NAME = re.compile(r"[a-z][a-z0-9_.\-]{0,31}")

# `linehmi demo` only: documented in docs/alarms.md, flagged must-change. Never created by `linehmi run`.
DEMO_USERS: dict[str, Role] = {
    "viewer": Role.VIEWER,
    "operator": Role.OPERATOR,
    "supervisor": Role.SUPERVISOR,
    "engineer": Role.ENGINEER,
    "admin": Role.ADMIN,
}


def demo_password(name: str) -> str:
    """The documented initial demo password of a demo user: ``<name>-demo``."""
    return f"{name}-demo"


# A PIN lets someone log in on a touch screen with the on-screen number pad (no keyboard). It is
# hashed exactly like a password and checked in the same call; 4 to 8 digits.
PIN = re.compile(r"[0-9]{4,8}")


def demo_pin(name: str) -> str:
    """The documented demo PIN: its place in DEMO_USERS, four times (viewer 1111 .. admin 5555)."""
    return str(list(DEMO_USERS).index(name) + 1) * 4


# A users-file entry's flag: its PIN was set while the account had to change its first password.
_PIN_PROVISIONAL = "pin_provisional"


class Credential(enum.StrEnum):
    """What a log-in proved itself with (journaled with the log-in, never the secret itself)."""

    PASSWORD = "password"
    PIN = "pin"


@dataclass(frozen=True, slots=True)
class Login:
    user: User
    credential: Credential


class UserStoreError(Exception):
    pass


_MAX_USERS_FILE_BYTES = 4 * 1024 * 1024  # thousands of users; anything bigger is not a users file


def _entry_problem(name: object, entry: object) -> str | None:
    """Why one users-file entry cannot be used, or None."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return "the name must be lower-case letters, digits, '_', '.', '-' (max 32)"
    if not isinstance(entry, dict):
        return f"must be an object with role and password, got {type(entry).__name__}"
    role = entry.get("role")
    if not isinstance(role, str) or role.strip().upper() not in Role.__members__:
        return f"role must be one of {', '.join(r.label for r in Role)}, got {role!r}"
    if not isinstance(entry.get("password"), str):
        return "password must be a scrypt hash string (set it with `linehmi users passwd`)"
    if not isinstance(entry.get("display_name", ""), str):
        return f"display_name must be a string, got {entry.get('display_name')!r}"
    if not isinstance(entry.get("must_change_password", False), bool):
        return f"must_change_password must be true or false, got {entry.get('must_change_password')!r}"
    if not isinstance(entry.get(_PIN_PROVISIONAL, False), bool):
        return f"{_PIN_PROVISIONAL} must be true or false, got {entry.get(_PIN_PROVISIONAL)!r}"
    return None


class UserStore:
    """Users in a JSON file; thread-safe; every change rewrites the file atomically.

    A bad file never stops the caller: an unreadable one (truncated, not JSON, nested absurdly
    deep) leaves no users and `problem` saying why, and is never overwritten (changes raise
    UserStoreError until it is fixed); a bad entry refuses that user only (`entry_problems`)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._users: dict[str, dict[str, object]] = {}
        self._ignored: dict[str, object] = {}  # bad entries: written back untouched, for a person to fix
        self.problem: str | None = None
        self.entry_problems: list[str] = []
        self.reload()

    @property
    def problems(self) -> list[str]:
        """Everything wrong with the file, each naming it: for the journal and the screen."""
        return ([self.problem] if self.problem else []) + self.entry_problems

    @classmethod
    def in_directory(cls, directory: Path | str) -> UserStore:
        return cls(Path(directory) / USERS_FILE)

    def reload(self) -> None:
        with self._lock:
            self._users, self._ignored, self.problem, self.entry_problems = {}, {}, None, []
            if not self.path.exists():
                return
            try:
                if self.path.stat().st_size > _MAX_USERS_FILE_BYTES:
                    raise ValueError(f"larger than {_MAX_USERS_FILE_BYTES // 1024 // 1024} MB")
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(doc, dict) or "users" not in doc:
                    raise ValueError('expected an object with a "users" object')
                users = doc["users"]
                if not isinstance(users, dict):
                    raise ValueError(f"'users' must be an object, got {type(users).__name__}")
            except RecursionError:
                self.problem = f"users file {self.path}: unreadable (nested too deeply); nobody can log in"
                return
            except (OSError, ValueError) as exc:
                self.problem = f"users file {self.path}: unreadable ({exc}); nobody can log in"
                return
            for name, entry in users.items():
                why = _entry_problem(name, entry)
                if why is None:
                    self._users[name] = entry
                else:
                    self._ignored[name] = entry
                    self.entry_problems.append(f"users file {self.path}: user {name!r} ignored: {why}")

    def _save(self) -> None:
        if self.problem:  # rewriting would throw away whatever in it can still be saved by hand
            raise UserStoreError(f"{self.problem}; fix or move it away before changing users")
        doc = {"format": "linehmi-users/1", "hash": "scrypt", "users": {**self._ignored, **self._users}}
        write_json_atomic(self.path, doc, private=True, indent=2, sort_keys=True)

    def _user(self, name: str, entry: dict[str, object]) -> User:
        return User(
            name=name,
            role=Role.parse(str(entry["role"])),
            display_name=str(entry.get("display_name", "")),
            must_change_password=bool(entry.get("must_change_password", False)),
        )

    # --- queries ----------------------------------------------------------------------------
    def users(self) -> list[User]:
        with self._lock:
            return [self._user(n, e) for n, e in sorted(self._users.items())]

    def get(self, name: str) -> User | None:
        with self._lock:
            e = self._users.get(name)
            return self._user(name, e) if e is not None else None

    def __len__(self) -> int:
        return len(self._users)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password (or the PIN) matches, else None (same cost for an unknown name)."""
        login = self.check(name, password)
        return login.user if login is not None else None

    def check(self, name: str, secret: str) -> Login | None:
        """The user and which credential matched (the password or the PIN), else None.

        Either credential proves who it is, neither proves the account's first password was
        replaced: `must_change_password` is the stored flag whatever was typed, and only
        `set_password` clears it. A PIN log-in that skipped it left the documented demo accounts
        (PINs 1111-5555) open for good behind their initial passwords (IEC 62443-4-2 CR 1.5)."""
        with self._lock:
            entry = self._users.get(name)
            stored = str(entry["password"]) if entry is not None else _DUMMY_HASH
            pin = str(entry.get("pin", "")) if entry is not None else ""
        if verify_password(secret, stored) and entry is not None:
            return Login(self._user(name, entry), Credential.PASSWORD)
        if pin and PIN.fullmatch(secret) and verify_password(secret, pin) and entry is not None:
            return Login(self._user(name, entry), Credential.PIN)
        return None

    def has_pin(self, name: str) -> bool:
        with self._lock:
            return bool(self._users.get(name, {}).get("pin"))

    # --- changes ----------------------------------------------------------------------------
    def add(
        self, name: str, role: Role | str, password: str, *, display_name: str = "", must_change: bool = False
    ) -> User:
        if not _NAME.fullmatch(name):
            raise ValueError(f"user name {name!r}: lower-case letters, digits, '_', '.', '-' (max 32)")
        r = Role.parse(role)
        entry: dict[str, object] = {
            "role": r.label,
            "password": hash_password(password),
            "display_name": display_name,
            "must_change_password": must_change,
            "changed": time.time(),
        }
        with self._lock:
            if name in self._users or name in self._ignored:
                raise ValueError(f"user {name!r} already exists")
            self._users[name] = entry
            self._save()
        return self._user(name, entry)

    def set_password(self, name: str, password: str, *, must_change: bool = False) -> None:
        """Set the password. The first real change (the must-change flag cleared) also removes a PIN
        set while that flag stood (`set_pin`): such a PIN is as provisional as the first password.
        The demo accounts' PINs 1111-5555 are in the documentation; kept past the password change they
        stayed a known way in for good (IEC 62443-4-2 CR 1.5: initial authenticators are changed)."""
        digest = hash_password(password)
        with self._lock:
            if name not in self._users:
                raise KeyError(f"no user {name!r}")
            entry = self._users[name]
            if not must_change and entry.pop(_PIN_PROVISIONAL, False):
                entry.pop("pin", None)
            entry.update(password=digest, must_change_password=must_change, changed=time.time())
            self._save()

    def pin_is_provisional(self, name: str) -> bool:
        """The user's PIN goes with their first password (see `set_password`)."""
        with self._lock:
            return bool(self._users.get(name, {}).get(_PIN_PROVISIONAL, False))

    def set_pin(self, name: str, pin: str) -> None:
        """Set (or with "" remove) a user's PIN for the on-screen number pad."""
        if pin and not PIN.fullmatch(pin):
            raise ValueError(f"PIN of {name!r}: 4 to 8 digits")
        digest = hash_password(pin) if pin else ""
        with self._lock:
            if name not in self._users:
                raise KeyError(f"no user {name!r}")
            entry = self._users[name]
            if digest:
                entry["pin"] = digest
                # Set while the account must still change its first password: provisional as well.
                entry[_PIN_PROVISIONAL] = bool(entry.get("must_change_password", False))
            else:
                entry.pop("pin", None)
                entry.pop(_PIN_PROVISIONAL, None)
            self._save()

    def set_role(self, name: str, role: Role | str) -> User:
        with self._lock:
            if name not in self._users:
                raise KeyError(f"no user {name!r}")
            self._users[name]["role"] = Role.parse(role).label
            self._save()
            return self._user(name, self._users[name])

    def remove(self, name: str) -> None:
        with self._lock:
            if self._users.pop(name, None) is None:
                raise KeyError(f"no user {name!r}")
            self._save()

    def ensure_demo_users(self) -> list[str]:
        """Create the documented demo users that are missing (for `linehmi demo` only)."""
        added = []
        for name, role in DEMO_USERS.items():
            if self.get(name) is None:
                self.add(name, role, demo_password(name), display_name=f"Demo {role.label}", must_change=True)
                self.set_pin(name, demo_pin(name))
                added.append(name)
        return added


# --- `linehmi users ...` ----------------------------------------------------------------------------


def _read_password(args: argparse.Namespace, prompt: str, min_len: int = 8) -> str:
    if args.password_stdin:
        pw = sys.stdin.readline().rstrip("\n")
    else:
        pw = getpass.getpass(prompt)
        if getpass.getpass("again: ") != pw:
            raise ValueError("the two passwords differ")
    if len(pw) < min_len:
        raise ValueError(f"a password needs at least {min_len} characters")
    return pw


def users_cli_main(argv: list[str] | None = None) -> int:
    """``linehmi users {list,add,passwd,role,remove,demo} --file FILE``: manage the users file.

    Passwords are prompted for (or read from stdin with --password-stdin),
    never taken from the command line where other users could see them.
    """
    p = argparse.ArgumentParser(prog="linehmi users", description="Manage LineHMI users (users.json).")
    p.add_argument("--file", required=True, help="users file (users.json in the journal directory)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="list users and roles")
    a = sub.add_parser("add", help="add a user (prompts for the password)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[r.label for r in Role])
    a.add_argument("--display-name", default="")
    a.add_argument("--password-stdin", action="store_true")
    pw = sub.add_parser("passwd", help="set a user's password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    pn = sub.add_parser(
        "pin", help="set a user's PIN (4-8 digits) for the touch number pad; empty removes it"
    )
    pn.add_argument("name")
    pn.add_argument("--password-stdin", action="store_true", help="read the PIN from stdin")
    ro = sub.add_parser("role", help="change a user's role")
    ro.add_argument("name")
    ro.add_argument("role", choices=[r.label for r in Role])
    rm = sub.add_parser("remove", help="remove a user")
    rm.add_argument("name")
    sub.add_parser("demo", help="create the documented demo users (must change their passwords)")
    args = p.parse_args(argv)
    try:
        store = UserStore(args.file)
        for problem in store.problems:
            print(f"linehmi users: {problem}", file=sys.stderr)
        if args.cmd == "list":
            for u in store.users():
                flag = "  (must change password)" if u.must_change_password else ""
                print(f"{u.name:<16} {u.role.label:<11} {u.display_name}{flag}")
        elif args.cmd == "add":
            store.add(
                args.name,
                args.role,
                _read_password(args, f"password for {args.name}: "),
                display_name=args.display_name,
            )
            print(f"added {args.name} ({args.role})")
        elif args.cmd == "passwd":
            store.set_password(args.name, _read_password(args, f"new password for {args.name}: "))
            print(f"password of {args.name} changed")
        elif args.cmd == "pin":
            store.set_pin(args.name, _read_password(args, f"PIN for {args.name} (4-8 digits): ", min_len=0))
            print(f"PIN of {args.name} set")
        elif args.cmd == "role":
            store.set_role(args.name, args.role)
            print(f"{args.name} is now {args.role}")
        elif args.cmd == "remove":
            store.remove(args.name)
            print(f"removed {args.name}")
        elif args.cmd == "demo":
            added = store.ensure_demo_users()
            print(
                f"demo users added: {', '.join(added) or 'none (already there)'}; "
                "initial password '<name>-demo', change it at first log-in; "
                "PIN for the touch pad: viewer 1111, operator 2222, supervisor 3333, engineer 4444, admin 5555"
            )
    except (ValueError, KeyError, UserStoreError) as exc:
        print(f"linehmi users: {exc}", file=sys.stderr)
        return 2
    return 0
