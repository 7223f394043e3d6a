"""Small builders shared by the tests."""

from __future__ import annotations

from typing import Any

from complaint_tui.services import IntakeForm


def intake_form(**changes: Any) -> IntakeForm:
    """A typical hotline complaint, with any field changed."""
    values: dict[str, Any] = {
        "channel": "hotline",
        "owner_name": "张伟",
        "phone": "138 1234 5678",
        "building": "3栋",
        "unit": "2",
        "room": "1502",
        "object_kind": "property_part",
        "object_text": "卫生间天花板",
        "matter_what": "楼上漏水，天花板滴水",
        "matter_when": "昨晚十点起",
        "matter_where": "主卫",
        "matter_state": "仍在滴水",
        "demand": "尽快维修并查明原因",
        "category": "repair",
        "urgency": "normal",
        "contact_confirmed": True,
    }
    values.update(changes)
    return IntakeForm(**values)
