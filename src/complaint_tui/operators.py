"""The signed-in staff member on whose behalf the desk works: ``Operator``.

Services act for an operator and queries show what an operator may see; both import it from
here, so the queries never depend on the services (the import-linter layers in pyproject.toml).
"""

from __future__ import annotations

from dataclasses import dataclass

from complaint_tui.models import Role, Staff
from complaint_tui.workflow import Actor


@dataclass(frozen=True)
class Operator:
    """The signed-in staff member on whose behalf a verb runs."""

    id: int
    login: str
    name: str
    role: Role
    department: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.department)

    @classmethod
    def of(cls, staff: Staff) -> Operator:
        assert staff.id is not None
        return cls(staff.id, staff.login, staff.name, Role(staff.role), staff.department)
