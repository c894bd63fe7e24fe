"""Where a stack is: its workspace coordinates, computes, environments, datastores and registry.

Everything the jobs package knows about a stack comes from the stack's outputs (README, "Stack
outputs"), found in this order:

1. ``--outputs FILE``: what ``pulumi stack output --json`` printed;
2. the environment: ``AMLSTACK_OUTPUTS_<STACK>`` (e.g. ``AMLSTACK_OUTPUTS_DEV``), then
   ``AMLSTACK_OUTPUTS``, each the same JSON document (CI sets it from ``pulumi stack output``);
3. the Pulumi Automation API, when a Pulumi CLI is installed and the stack exists;
4. only where nothing real is needed (a dry run): the offline plan of ``Pulumi.<stack>.yaml``,
   whose subscription is a placeholder unless the stack file sets one.

When none is available, `StackContextError` says what was tried and how to provide one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from components.args import config_error_from
from components.errors import AmlStackError, StackContextError

__all__ = [
    "OUTPUTS_ENV",
    "BatchEndpointOutput",
    "ComputeOutput",
    "DatastoreOutput",
    "EndpointOutput",
    "EnvironmentOutput",
    "RegistryOutput",
    "ScheduleOutput",
    "StackContext",
    "StackOutputs",
    "WorkspaceOutput",
    "load_context",
    "outputs_env_var",
    "parse_outputs",
]

OUTPUTS_ENV = "AMLSTACK_OUTPUTS"
"""Environment variable holding a stack's outputs as JSON (``AMLSTACK_OUTPUTS_<STACK>`` first)."""


class _Output(BaseModel):
    """Outputs are read leniently: keys added by later versions of the program are ignored."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", alias_generator=to_camel, validate_by_name=True
    )


class ComputeOutput(_Output):
    """One compute of a workspace."""

    kind: Literal["AmlCompute", "ComputeInstance"]
    id: str
    vm_size: str = ""
    min_nodes: int | None = None
    max_nodes: int | None = None


class EnvironmentOutput(_Output):
    """One environment: a workspace environment version, or a curated one in a registry."""

    kind: Literal["curated", "system-managed", "user-managed"]
    version: str
    id: str


class DatastoreOutput(_Output):
    """One datastore of a workspace."""

    type: str
    id: str


class EndpointOutput(_Output):
    """One online endpoint, its deployments and their traffic."""

    scoring_uri: str = ""
    deployments: tuple[str, ...] = ()
    traffic: dict[str, int] = Field(default_factory=dict)


class BatchEndpointOutput(_Output):
    """One batch endpoint, its deployments and its default deployment."""

    name: str = ""
    scoring_uri: str = ""
    deployments: tuple[str, ...] = ()
    default_deployment: str | None = None


class ScheduleOutput(_Output):
    """One job schedule of a workspace."""

    name: str
    id: str = ""
    enabled: bool = True


class WorkspaceOutput(_Output):
    """One workspace of the stack and what it holds."""

    name: str
    id: str
    storage_account: str = ""
    key_vault: str = ""
    container_registry: str = ""
    application_insights: str = ""
    identity_client_id: str = ""
    identity_principal_id: str = ""
    computes: dict[str, ComputeOutput] = Field(default_factory=dict)
    environments: dict[str, EnvironmentOutput] = Field(default_factory=dict)
    datastores: dict[str, DatastoreOutput] = Field(default_factory=dict)
    endpoints: dict[str, EndpointOutput] = Field(default_factory=dict)
    batch_endpoints: dict[str, BatchEndpointOutput] = Field(default_factory=dict)
    schedules: dict[str, ScheduleOutput] = Field(default_factory=dict)


class RegistryOutput(_Output):
    """The Azure ML registry the stacks share for promotion."""

    name: str
    id: str
    location: str = ""


class StackOutputs(_Output):
    """The document ``pulumi stack output --json`` prints for an amlstack stack."""

    subscription_id: str
    tenant_id: str = ""
    resource_group: str
    location: str = ""
    tier: str = ""
    workspace_name: str = ""
    workspaces: dict[str, WorkspaceOutput] = Field(min_length=1)
    registry: RegistryOutput | None = None


@dataclass(frozen=True)
class StackContext:
    """One workspace of one stack, as the jobs package uses it."""

    stack: str
    source: str
    """Where the outputs came from (a file, an environment variable, Pulumi, the plan)."""
    outputs: StackOutputs
    workspace_key: str

    @property
    def workspace(self) -> WorkspaceOutput:
        return self.outputs.workspaces[self.workspace_key]

    @property
    def subscription_id(self) -> str:
        return self.outputs.subscription_id

    @property
    def resource_group(self) -> str:
        return self.outputs.resource_group

    @property
    def workspace_name(self) -> str:
        return self.workspace.name

    @property
    def workspace_id(self) -> str:
        return self.workspace.id

    @property
    def registry(self) -> RegistryOutput | None:
        return self.outputs.registry

    @property
    def offline(self) -> bool:
        """True when the outputs come from the offline plan: fine for a dry run, not for Azure."""
        return self.source.startswith("plan")


def parse_outputs(document: object, *, source: str) -> StackOutputs:
    """Validate an outputs document; a bad one raises `StackContextError` naming the key."""
    if isinstance(document, Mapping) and "outputs" in document and "version" in document:
        document = document["outputs"]  # a whole plan JSON document was given
    try:
        return StackOutputs.model_validate(document)
    except ValidationError as error:
        problems = config_error_from(error, model=StackOutputs, at="").problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise StackContextError(
            f"the stack outputs from {source} do not look like an amlstack stack's:\n{lines}"
        ) from None


def outputs_env_var(stack: str) -> str:
    """``AMLSTACK_OUTPUTS_<STACK>``: the stack name upper-cased, other characters as ``_``."""
    return f"{OUTPUTS_ENV}_{re.sub(r'[^A-Z0-9]', '_', stack.upper())}"


def load_context(
    stack: str,
    *,
    outputs_file: Path | None = None,
    workspace: str | None = None,
    project_dir: Path = Path(),
    allow_plan: bool = False,
    env: Mapping[str, str] | None = None,
) -> StackContext:
    """The context of `stack` from the first source that has its outputs (see module doc).

    `workspace` is a workspace key of the stack (default: the first one). `allow_plan` lets the
    offline plan stand in for a deployed stack: only for dry runs, since its ids are synthesized.
    """
    env = os.environ if env is None else env
    source, document = _find_outputs(stack, outputs_file, project_dir, allow_plan, env)
    outputs = parse_outputs(document, source=source)
    keys = list(outputs.workspaces)
    key = workspace if workspace is not None else _first_workspace(outputs)
    if key not in outputs.workspaces:
        raise StackContextError(
            f"--workspace {key!r}: stack {stack!r} has no workspace {key!r}; its workspaces: "
            f"{', '.join(keys)}"
        )
    return StackContext(stack=stack, source=source, outputs=outputs, workspace_key=key)


def _first_workspace(outputs: StackOutputs) -> str:
    """The workspace ``workspaceName`` names (the program's first), else the first key."""
    for key, workspace in outputs.workspaces.items():
        if workspace.name == outputs.workspace_name:
            return key
    return next(iter(outputs.workspaces))


def _find_outputs(
    stack: str,
    outputs_file: Path | None,
    project_dir: Path,
    allow_plan: bool,
    env: Mapping[str, str],
) -> tuple[str, Any]:
    if outputs_file is not None:
        return str(outputs_file), _read_outputs_file(outputs_file)
    for name in (outputs_env_var(stack), OUTPUTS_ENV):
        if env.get(name):
            return f"${name}", _parse_json(env[name], f"${name}")
    tried = [
        "--outputs FILE (from `pulumi stack output --json`)",
        f"${outputs_env_var(stack)} / ${OUTPUTS_ENV}",
    ]
    pulumi_cli = shutil.which("pulumi")
    if pulumi_cli is None:
        tried.append("the Pulumi CLI (not installed)")
    else:
        try:
            return f"pulumi stack {stack}", _automation_outputs(stack, project_dir)
        except AmlStackError as error:
            tried.append(f"the Pulumi CLI ({error})")
    if allow_plan:
        return f"plan of Pulumi.{stack}.yaml (offline)", _plan_outputs(stack, project_dir)
    raise StackContextError(
        f"no outputs for stack {stack!r}; tried: {'; '.join(tried)}. Deploy the stack and run "
        f"`pulumi stack output --json > outputs-{stack}.json`, then pass --outputs "
        f"outputs-{stack}.json"
    )


def _read_outputs_file(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as error:
        raise StackContextError(
            f"--outputs {str(path)!r}: cannot read stack outputs ({error.strerror}); expected "
            "the JSON file `pulumi stack output --json` writes"
        ) from None
    return _parse_json(text, f"--outputs {str(path)!r}")


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise StackContextError(
            f"{source} is not JSON ({error.msg} at line {error.lineno}); expected the output of "
            "`pulumi stack output --json`"
        ) from None


def _automation_outputs(stack: str, project_dir: Path) -> dict[str, Any]:
    """The deployed stack's outputs through the Automation API; secrets are never read."""
    from pulumi import automation

    from infra.plan import find_project

    project = find_project(project_dir)
    try:
        selected = automation.select_stack(stack_name=stack, work_dir=str(project.directory))
        outputs = selected.outputs()
    except automation.errors.CommandError as error:
        first = str(error).strip().splitlines()
        raise StackContextError(first[0] if first else "pulumi failed") from None
    return {key: value.value for key, value in outputs.items() if not value.secret}


def _plan_outputs(stack: str, project_dir: Path) -> dict[str, Any]:
    from infra.plan import find_project, run_plan

    return run_plan(find_project(project_dir), stack).outputs
