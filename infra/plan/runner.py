"""Run the real Pulumi program of a stack under Pulumi's mock runtime: no cloud, no Pulumi CLI."""

from __future__ import annotations

import runpy

import pulumi

from components._fake_azure import PLACEHOLDER_SUBSCRIPTION, PLACEHOLDER_TENANT
from components.errors import ConfigError
from components.testing import RecordingMocks, record
from infra.plan.critical_path import estimate
from infra.plan.model import Plan
from infra.plan.references import stack_references
from infra.plan.stack_files import Project, read_stack_file

__all__ = ["run_plan"]


def run_plan(project: Project, stack: str, *, referenced_by: tuple[str, ...] = ()) -> Plan:
    """Plan `stack`: its config file goes to the program exactly as ``pulumi up`` would pass it.

    The subscription and tenant are ``azure-native:subscriptionId`` / ``azure-native:tenantId``
    from the stack file when set, placeholders otherwise. A stack the config references (the
    registry's owner) is planned first and its outputs answer the StackReference. Raises
    `ConfigError` on invalid config.
    """
    stack_file = read_stack_file(project, stack)
    outputs_of = {}
    for name, local in stack_references(project, stack_file).items():
        if local in (*referenced_by, stack):
            chain = " -> ".join((*referenced_by, stack, local))
            raise ConfigError.single(name, chain, "stack references must not form a cycle")
        outputs_of[name] = run_plan(project, local, referenced_by=(*referenced_by, stack)).outputs
    mocks = RecordingMocks(
        subscription_id=str(
            stack_file.config.get("azure-native:subscriptionId", PLACEHOLDER_SUBSCRIPTION)
        ),
        tenant_id=str(stack_file.config.get("azure-native:tenantId", PLACEHOLDER_TENANT)),
        stack_references=outputs_of,
    )
    try:
        recording = record(
            lambda: runpy.run_path(str(project.main), run_name="__main__"),
            project=project.name,
            stack=stack,
            config=stack_file.config,
            secret_keys=stack_file.secret_keys,
            mocks=mocks,
            root_directory=str(project.directory),
        )
    except pulumi.RunError as error:
        if isinstance(error.__cause__, ConfigError):
            raise error.__cause__ from None
        raise
    return Plan(
        project=project.name,
        stack=stack,
        resources=tuple(sorted(recording.resources, key=lambda r: r.urn)),
        outputs=recording.outputs,
        critical_path=estimate(recording.resources),
        warnings=stack_file.warnings,
    )
