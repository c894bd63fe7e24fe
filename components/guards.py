"""Data-loss guards beyond Pulumi ``protect``: a CanNotDelete management lock on a resource.

A lock stops deletion from outside the stack (portal, CLI, another pipeline) and a replacement
by Pulumi; ``pulumi destroy`` deletes the lock first, so ``protect`` guards against that. Azure
applies a lock to the resource's children and extension resources too: while locked, role
assignments and diagnostic settings on the resource cannot be deleted either.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from components.placement import Placement

__all__ = ["DELETE_LOCK_NAME", "delete_lock"]

DELETE_LOCK_NAME = "amlstack-cannot-delete"
"""The Azure name of the lock amlstack puts on each stateful resource."""


def delete_lock(
    name: str, resource_id: pulumi.Input[str], *, placement: Placement
) -> authorization.ManagementLockByScope:
    """A ``CanNotDelete`` lock on the resource `resource_id` (the lock's scope)."""
    return authorization.ManagementLockByScope(
        name,
        scope=resource_id,
        lock_name=DELETE_LOCK_NAME,
        level=authorization.LockLevel.CAN_NOT_DELETE,
        notes="amlstack data-loss guard; to delete the resource, set deleteLock: false and deploy",
        opts=placement.options(),
    )
