"""Who may see the owner's full phone number (SPEC S6.5)."""

from __future__ import annotations

from complaint_tui.operators import Operator
from complaint_tui.policy import Policy
from complaint_tui.validation import mask_phone


def can_see_phone(viewer: Operator | None, policy: Policy, assignee_id: int | None = None) -> bool:
    if viewer is None:
        return False
    return viewer.role.value in policy.pii_roles or (assignee_id is not None and viewer.id == assignee_id)


def shown_phone(phone: str, viewer: Operator | None, policy: Policy, assignee_id: int | None = None) -> str:
    return phone if can_see_phone(viewer, policy, assignee_id) else mask_phone(phone)
