"""Stack references in the offline plan: a referenced stack of the project is run offline too.

``pulumi.StackReference`` reads another stack's outputs from the Pulumi backend; offline there is
no backend, so the plan runs the referenced stack's program first (from its own
``Pulumi.<stack>.yaml``) and gives its outputs to the mocks. Only stacks of the same project can
be resolved this way.
"""

from __future__ import annotations

from components.errors import ConfigError
from infra.plan.stack_files import Project, StackFile

__all__ = ["STACK_REFERENCE_KEYS", "stack_references"]

STACK_REFERENCE_KEYS = ("registryStack",)
"""Config keys whose value is a fully qualified stack name the program references."""


def stack_references(project: Project, stack_file: StackFile) -> dict[str, str]:
    """Each referenced stack: its fully qualified name -> the stack name of its local file."""
    references: dict[str, str] = {}
    for key in STACK_REFERENCE_KEYS:
        full_key = f"{project.name}:{key}"
        value = stack_file.config.get(full_key)
        parts = value.split("/") if isinstance(value, str) else []
        if len(parts) != 3:
            continue  # absent, or malformed: config validation names the problem
        if parts[1] != project.name:
            raise ConfigError.single(
                full_key,
                value,
                f"the offline plan resolves stacks of project {project.name!r} only",
            )
        if not project.stack_file(parts[2]).is_file():
            known = ", ".join(project.stacks()) or "none"
            raise ConfigError.single(
                full_key,
                value,
                f"expected a stack with a Pulumi.{parts[2]}.yaml file; stacks: {known}",
            )
        references[str(value)] = parts[2]
    return references
