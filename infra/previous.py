"""What the stack's last deployment left in Azure, for config changes Azure cannot perform.

The program exports each workspace's managed network mode (output ``networkIsolation``) and reads
it back on the next run (and the inputs that decide a replacement, ``replacementKeys``, which the
CrossGuard pack reads back) through a StackReference to its own stack (Pulumi's documented way to
read a stack's previous outputs). The offline plan answers that reference from ``--previous
FILE`` (``pulumi stack output --json`` of the deployed stack), or with nothing: a new stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.network import check_isolation_change
from components.outputs import StackOutputs
from components.recording import sync_await
from infra.config import StackConfig

__all__ = [
    "NETWORK_ISOLATION_OUTPUT",
    "REPLACEMENT_KEYS_OUTPUT",
    "deployed_network_isolation",
    "own_stack_reference_name",
    "refuse_impossible_changes",
]

NETWORK_ISOLATION_OUTPUT = StackOutputs.key("network_isolation")
"""Stack output: workspace key to the managed network mode deployed."""
REPLACEMENT_KEYS_OUTPUT = "replacementKeys"
"""Stack output: URN -> {type, name, inputs, replaceOnChanges} of each resource the data-loss
guard watches, read back by the CrossGuard pack on the next run (`infra.replacements`)."""


def own_stack_reference_name(project: str, stack: str, organization: str | None) -> str:
    """The fully qualified name of a stack (``organization`` is the DIY backends' placeholder)."""
    return f"{organization or 'organization'}/{project}/{stack}"


def deployed_network_isolation() -> dict[str, str]:
    """Managed network mode per workspace key, as this stack last deployed it ({} when new).

    Reads the running stack's own outputs through a StackReference, synchronously, so that an
    impossible change is refused before any resource is registered.
    """
    name = own_stack_reference_name(
        pulumi.get_project(), pulumi.get_stack(), pulumi.get_organization()
    )
    reference = pulumi.StackReference(name)
    # The SDK's own synchronous invokes wait like this; a program has no public sync read.
    details = sync_await(reference.get_output_details(NETWORK_ISOLATION_OUTPUT))
    value: Any = details.value
    if not isinstance(value, Mapping):
        return {}
    return {str(key): str(mode) for key, mode in value.items()}


def refuse_impossible_changes(config: StackConfig, deployed: Mapping[str, str]) -> None:
    """Raise `ConfigError` when the config asks Azure for a change it cannot make."""
    for workspace in config.workspaces:
        check_isolation_change(
            f"{pulumi.get_project()}:workspaces[{workspace.name}].network.isolationMode",
            deployed.get(workspace.name),
            workspace.network.isolation_mode,
        )
