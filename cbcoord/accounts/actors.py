"""Who acts: a signed-in user, the anonymous public, or the system (the command line).

Every door and service takes an ``Actor``. Commands act as ``SYSTEM``: shell access to the
server is more than any role, so the system reads and writes as the secretariat does; it is
never a database row, so records it writes name no user (``user_record``).
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from cbcoord.accounts.models import Role, User


class SystemActor:
    """The operator at the command line (``cbcoord import_iati``, ``cbcoord export``, …)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = True
    is_staff = True
    role = Role.SECRETARIAT
    organisation = None
    organisation_id = None
    pk = None
    id = None
    username = "cbcoord"

    def __str__(self) -> str:
        return "cbcoord (command line)"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()

Actor: TypeAlias = User | AnonymousUser | SystemActor


def user_record(actor: Actor | None) -> User | None:
    """The user to record as author of a write (history, ``created_by``): None for the
    system and the public."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None
