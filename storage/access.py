"""Permission rules on top of `Storage.get_membership`, the same for every backend.

Roles: the owner does everything; an editor enters and undoes numbers; a viewer only reads.
"""

from __future__ import annotations

from enum import StrEnum

from storage.base import Storage
from storage.models import Role


class DenyReason(StrEnum):
    NOT_MEMBER = "not_member"  # no membership (or the project no longer exists)
    READ_ONLY = "read_only"  # a viewer tried to change something
    NOT_OWNER = "not_owner"  # an owner-only action


class AccessDenied(Exception):
    def __init__(self, reason: DenyReason, *, user_id: int | None = None,
                 project_id: int | None = None, role: Role | None = None) -> None:
        self.reason = DenyReason(reason)
        self.user_id = user_id
        self.project_id = project_id
        self.role = role
        super().__init__(f"user {user_id} may not do this in project {project_id}: {reason}")

    @property
    def code(self) -> str:
        return self.reason.value


async def require_role(storage: Storage, user_id: int, project_id: int, *, edit: bool = False,
                       owner: bool = False) -> Role:
    """The user's role in the project; AccessDenied when they are not a member, or when
    `edit` asks for editor/owner rights or `owner` for the owner and they lack them."""
    role = await storage.get_membership(user_id, project_id)
    if role is None:
        raise AccessDenied(DenyReason.NOT_MEMBER, user_id=user_id, project_id=project_id)
    if owner and not role.is_owner:
        raise AccessDenied(DenyReason.NOT_OWNER, user_id=user_id, project_id=project_id,
                           role=role)
    if edit and not role.can_edit:
        raise AccessDenied(DenyReason.READ_ONLY, user_id=user_id, project_id=project_id,
                           role=role)
    return role
