"""The authenticated caller, handed to every service call."""

from __future__ import annotations

from dataclasses import dataclass, field

from urbangrid.org.roles import Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    jurisdiction_id: int | None = None
    department_id: int | None = None
    grid_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles
