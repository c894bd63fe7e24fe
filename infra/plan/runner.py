"""Run the real Pulumi program of a stack under Pulumi's mock runtime: no cloud, no Pulumi CLI."""

from __future__ import annotations

import runpy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pulumi
from pydantic import BaseModel

from components._fake_azure import PLACEHOLDER_SUBSCRIPTION, PLACEHOLDER_TENANT
from components.access import Principal
from components.errors import AmlStackError, ConfigError
from components.existing import NotManaged, not_managed
from components.recording import RecordedResource, Recording, RecordingMocks, record
from infra.cache_entries import cache_directory
from infra.config import StackConfig
from infra.plan.changes import Change, Step, changes
from infra.plan.critical_path import estimate
from infra.plan.guard import guard, live_traffic
from infra.plan.model import Plan, PolicyResult
from infra.plan.references import stack_references
from infra.plan.stack_files import Project, StackFile, read_stack_file
from infra.policy import PolicyContext, Subject, evaluate, unused_waivers
from infra.policy.evaluate import allowed_by
from infra.policy.reachability import reachability
from infra.previous import own_stack_reference_name
from infra.schedule_cache import cached_jobs

__all__ = ["not_managed_of", "policy_subjects", "principal_names", "run_plan"]


def run_plan(
    project: Project,
    stack: str,
    *,
    previous: Mapping[str, Any] | None = None,
    since: Sequence[RecordedResource] | None = None,
) -> Plan:
    """Plan `stack`: its config file goes to the program exactly as ``pulumi up`` would pass it.

    The subscription and tenant are ``azure-native:subscriptionId`` / ``azure-native:tenantId``
    from the stack file when set, placeholders otherwise. A stack the config references (the
    registry's owner) is recorded first (its program run, not planned) and its outputs answer
    the StackReference. `previous` are
    the outputs of the deployed stack (``pulumi stack output --json``), which the program reads
    back to refuse changes Azure cannot make; none means a stack that was never deployed. The
    baseline's rules and the reachability check (with the referenced stacks' resources as the
    world outside) run over the recorded resources. `since` are the resources of the deployed
    stack's plan (``--since``): the plan then holds the changes from there, and the data-loss
    guard's findings join the policy results (`infra.plan.guard`). Raises `ConfigError` on
    invalid config.
    """
    stack_file = read_stack_file(project, stack)
    recording, config, referenced = _record_stack(project, stack, stack_file, previous=previous)
    context = PolicyContext.from_config(config, namespace=project.name)
    findings = evaluate(policy_subjects(recording.resources), context)
    unused = [
        f"waiver of {w.rule!r}{f' for workspace {w.workspace!r}' if w.workspace else ''} "
        "relaxes nothing (the rule holds); remove it"
        for w in unused_waivers(findings, context)
    ]
    known = [*recording.resources, *(since or ())]
    unused += _allow_warnings(config.allow_replace, known)
    policies = [PolicyResult(f.rule.id, f.urn, f.level, f.message) for f in findings]
    found: tuple[Change, ...] | None = None
    steps: tuple[Step, ...] = ()
    if since is not None:
        found, steps = changes(since, recording.resources)
        guarded = guard(found, allow=config.allow_replace, live=live_traffic(since))
        policies += guarded.results
        unused += [
            f"amlstack:allowReplace entry {entry!r} allows nothing that changes since the "
            "deployed plan; remove it"
            for entry in guarded.unused_allows
            if _names_a_resource(entry, known)
        ]
    return Plan(
        project=project.name,
        stack=stack,
        resources=tuple(sorted(recording.resources, key=lambda r: r.urn)),
        outputs=recording.outputs,
        policies=tuple(policies),
        critical_path=estimate(recording.resources),
        warnings=(*stack_file.warnings, *unused),
        changes=found,
        steps=steps,
        allow_replace=config.allow_replace,
        principals=principal_names(config),
        reachability=reachability(
            recording.resources,
            context.consumers,
            external=[
                r
                for recorded in referenced.values()
                for r in sorted(recorded.resources, key=lambda r: r.urn)
            ],
        ),
        not_managed=not_managed_of(config),
    )


def not_managed_of(config: StackConfig) -> tuple[NotManaged, ...]:
    """The existing resources of every workspace, in config order."""
    return tuple(
        entry
        for workspace in config.workspaces
        for entry in not_managed(
            workspace.name,
            workspace.existing,
            private_endpoints=workspace.network.private_endpoints is not None,
        )
    )


def _allow_warnings(allow: Sequence[str], resources: Sequence[RecordedResource]) -> list[str]:
    """What the plan says about ``amlstack:allowReplace``: the entries that name none of
    `resources` (planned, or in the ``--since`` plan), and that the named ones are unprotected
    while they stay named."""
    unknown = [e for e in allow if not _names_a_resource(e, resources)]
    named = [e for e in allow if e not in unknown]
    warnings = [
        f"amlstack:allowReplace entry {entry!r} names no resource of this stack (expected a "
        "name as the resource tree shows it, or a URN)"
        for entry in unknown
    ]
    if named:
        warnings.append(
            f"amlstack:allowReplace: {', '.join(named)} may be replaced or deleted and are not "
            "protected while named; remove the entries once deployed"
        )
    return warnings


def _names_a_resource(entry: str, resources: Sequence[RecordedResource]) -> bool:
    return any(allowed_by([entry], r.urn, r.name) is not None for r in resources if r.custom)


def _record_stack(
    project: Project,
    stack: str,
    stack_file: StackFile,
    *,
    previous: Mapping[str, Any] | None = None,
    referenced_by: tuple[str, ...] = (),
) -> tuple[Recording, StackConfig, dict[str, Recording]]:
    """Run `stack`'s program (`_record_program`) with the mocks `run_plan` describes: what it
    registered, its config, and the recording of each stack it references, by its full name.
    Those are recorded first, their own references before them; a referenced stack is only
    recorded, not planned (its outputs answer the StackReference, its resources are the world
    outside for reachability)."""
    referenced: dict[str, Recording] = {}
    for name, local in stack_references(project, stack_file).items():
        if local in (*referenced_by, stack):
            chain = " -> ".join((*referenced_by, stack, local))
            raise ConfigError.single(name, chain, "stack references must not form a cycle")
        referenced[name], _, _ = _record_stack(
            project,
            local,
            read_stack_file(project, local),
            referenced_by=(*referenced_by, stack),
        )
    mocks = RecordingMocks(
        subscription_id=str(
            stack_file.config.get("azure-native:subscriptionId", PLACEHOLDER_SUBSCRIPTION)
        ),
        tenant_id=str(stack_file.config.get("azure-native:tenantId", PLACEHOLDER_TENANT)),
        stack_references={
            **{name: recorded.outputs for name, recorded in referenced.items()},
            own_stack_reference_name(project.name, stack, None): previous or {},
        },
    )
    recording, config = _record_program(project, stack, stack_file, mocks)
    return recording, config, referenced


def _record_program(
    project: Project, stack: str, stack_file: StackFile, mocks: RecordingMocks
) -> tuple[Recording, StackConfig]:
    """Run the project's program for `stack` under `mocks`: what it registered, and the
    `StackConfig` it validated before registering anything (the module global `stack_config`),
    which the policies use rather than reading the config again. Schedules' resolved jobs are
    kept in amlstack's cache between plans (`infra.schedule_cache`)."""
    loaded: list[StackConfig] = []

    def program() -> None:
        names = runpy.run_path(str(project.main), run_name="__main__")
        config = names.get("stack_config")
        if not isinstance(config, StackConfig):
            raise ConfigError.single(
                "Pulumi.yaml: main",
                str(project.main.relative_to(project.directory)),
                "expected amlstack's program (infra/), which sets the module global stack_config",
            )
        loaded.append(config)

    try:
        with cached_jobs(cache_directory() / "schedule-jobs"):
            recording = record(
                program,
                project=project.name,
                stack=stack,
                config=stack_file.config,
                secret_keys=stack_file.secret_keys,
                mocks=mocks,
                root_directory=str(project.directory),
            )
    except pulumi.RunError as error:
        if isinstance(error.__cause__, AmlStackError):
            raise error.__cause__ from None
        raise
    return recording, loaded[0]


def principal_names(config: BaseModel) -> dict[str, str]:
    """Object id -> ``name`` label of every principal the config names with one."""
    names: dict[str, str] = {}

    def visit(value: object) -> None:
        if isinstance(value, Principal):
            if value.name:
                names.setdefault(value.object_id, value.name)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(getattr(value, name))
        elif isinstance(value, tuple | list):
            for item in value:
                visit(item)

    visit(config)
    return names


def policy_subjects(resources: Iterable[RecordedResource]) -> list[Subject]:
    """The recorded custom resources as the policy rules see them."""
    return [
        Subject(
            urn=r.urn,
            type=r.type,
            name=r.name,
            inputs=r.inputs,
            protect=r.protect,
            dependencies=frozenset(r.dependencies),
        )
        for r in resources
        if r.custom
    ]
