"""Config marked secret stays a Pulumi secret in every resource input it reaches.

``pulumi config set --secret`` (a ``secure:`` value in the stack file) gives the program a plain
string; passed on as is, it would reach the provider and the state in plain text. A stack
transformation marks every input string equal to a secret config value as a Pulumi secret, so
the engine encrypts it in state and masks it in previews, diffs and logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pulumi

__all__ = ["keep_config_secrets", "mark_secrets"]


def keep_config_secrets(secret_values: Iterable[str]) -> None:
    """Register the stack transformation for `secret_values` (none: nothing to do)."""
    values = frozenset(v for v in secret_values if v)
    if not values:
        return

    def transformation(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult:
        return pulumi.ResourceTransformationResult(mark_secrets(args.props, values), args.opts)

    pulumi.runtime.register_stack_transformation(transformation)


def mark_secrets(value: Any, secrets: frozenset[str]) -> Any:
    """`value` with every string in `secrets` (in plain dicts and lists) made a Pulumi secret."""
    if isinstance(value, str):
        return pulumi.Output.secret(value) if value in secrets else value
    if isinstance(value, dict):
        return {key: mark_secrets(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mark_secrets(item, secrets) for item in value]
    return value
