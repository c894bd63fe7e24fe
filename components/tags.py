"""The Azure tags amlstack puts on what it creates: who manages it, and which stack it is."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MANAGED_BY", "stack_tags"]

MANAGED_BY = "amlstack"
"""The value of the ``managed-by`` tag on every resource amlstack creates."""


def stack_tags(stack: str, *extra: Mapping[str, str], **named: str) -> dict[str, str]:
    """``managed-by`` and ``stack``, then `named` tags (``workspace="main"``), then each of `extra`
    in order (config tags last, so a stack's own tags win)."""
    tags = {"managed-by": MANAGED_BY, "stack": stack, **named}
    for mapping in extra:
        tags.update(mapping)
    return tags
