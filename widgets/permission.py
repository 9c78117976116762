"""Action buttons gated by the user's role, one rule for all (hmi.core.users.role_refusal).

A button that starts something a role may not do is disabled *before* anybody tries, and says
why in its tooltip, the same way everywhere (alarm actions, setpoints, stop classification).
Each such button carries the action it needs as the Qt property `requiresAction`, so a check can
walk every button of a window for every role (tests/ui/test_action_rights.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton

from hmi.core.users import Action, User, role_refusal

REQUIRES = "requiresAction"


def mark(button: QAbstractButton, action: Action) -> None:
    """Declare the action the button starts (read by `gate` and by the rights check)."""
    button.setProperty(REQUIRES, action.value)


def required(button: QAbstractButton) -> Action | None:
    value = button.property(REQUIRES)
    return Action(value) if value else None


def gate(button: QAbstractButton, user: User | None, *, otherwise: str = "", ready: str = "") -> bool:
    """Enable the marked button for `user`: disabled with the role's refusal as tooltip, else
    disabled with `otherwise` (nothing to act on, no writable tag...) when given, else enabled
    with `ready`. Returns whether it is enabled."""
    action = required(button)
    assert action is not None, f"{button.objectName()}: mark() the button's action first"
    refusal = role_refusal(user, action)
    why = refusal or otherwise
    button.setEnabled(not why)
    button.setToolTip(why or ready)
    button.setStatusTip(why or ready)
    return not why
