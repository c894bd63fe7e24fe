"""Where a stack is: its workspace coordinates, computes, environments, datastores and registry.

Everything the jobs package knows about a stack comes from the stack's outputs, whose shape is
`components.outputs.StackOutputs` (docs/reference/stack-outputs.md), found in this order:

1. ``--outputs FILE``: what ``pulumi stack output --json`` printed;
2. the environment: ``AMLSTACK_OUTPUTS_<STACK>`` (e.g. ``AMLSTACK_OUTPUTS_DEV``), then
   ``AMLSTACK_OUTPUTS``, each the same JSON document (CI sets it from ``pulumi stack output``);
3. the Pulumi Automation API, when a Pulumi CLI is installed and the stack exists;
4. only where nothing real is needed (a dry run), when the caller hands one over: the offline
   plan of ``Pulumi.<stack>.yaml`` (`PlanOutputs`; the ``amlstack`` command hands over
   ``infra.entrypoint.plan_outputs``), whose subscription is a placeholder unless the stack
   file sets one. The plan lives in ``infra``, which this package does not import.

When none is available, `StackContextError` says what was tried and how to provide one; when
the outputs found do not match the contract, it names each key that differs and the stack.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from components.args import config_error_from
from components.errors import AmlStackError
from components.outputs import RegistryOutput, StackOutputs, WorkspaceOutput
from components.suggest import did_you_mean
from jobs.errors import StackContextError

__all__ = [
    "OUTPUTS_ENV",
    "PlanOutputs",
    "StackContext",
    "load_context",
    "outputs_env_var",
    "parse_outputs",
]

OUTPUTS_ENV = "AMLSTACK_OUTPUTS"
"""Environment variable holding a stack's outputs as JSON (``AMLSTACK_OUTPUTS_<STACK>`` first)."""
_REFERENCE = "docs/reference/stack-outputs.md"

PlanOutputs = Callable[[str, Path], Mapping[str, Any]]
"""The offline plan's outputs of a stack, from the stack name and the project directory (or a
directory below it); raises `AmlStackError` when the stack cannot be planned."""


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
        """The workspace jobs go to."""
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


def parse_outputs(document: object, *, stack: str, source: str) -> StackOutputs:
    """Validate an outputs document against the contract; a missing, renamed or unknown key
    raises `StackContextError` naming the key and the stack."""
    if isinstance(document, Mapping) and "outputs" in document and "version" in document:
        document = document["outputs"]  # a whole plan JSON document was given
    try:
        return StackOutputs.model_validate(document)
    except ValidationError as error:
        problems = config_error_from(error, model=StackOutputs, at="").problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise StackContextError(
            f"the outputs of stack {stack!r} from {source} do not match the stack outputs "
            f"amlstack writes ({_REFERENCE}):\n{lines}\nWere they written by another amlstack "
            "version? Run pulumi up with this one, then export the outputs again."
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
    offline_plan: PlanOutputs | None = None,
    env: Mapping[str, str] | None = None,
) -> StackContext:
    """The context of `stack` from the first source that has its outputs (see module doc).

    `workspace` is a workspace key of the stack (default: the first one). `offline_plan` stands in
    for a deployed stack when no source has its outputs: only for dry runs, since its ids may be
    synthesized.
    """
    env = os.environ if env is None else env
    source, document = _find_outputs(stack, outputs_file, project_dir, offline_plan, env)
    outputs = parse_outputs(document, stack=stack, source=source)
    keys = list(outputs.workspaces)
    if not keys:
        raise StackContextError(
            f"stack {stack!r} has no workspace (its outputs from {source} list none); jobs and "
            "models need one: add a workspace to its config and deploy"
        )
    key = workspace if workspace is not None else _first_workspace(outputs)
    if key not in outputs.workspaces:
        raise StackContextError(
            f"--workspace {key!r}: stack {stack!r} has no workspace {key!r}; "
            f"{did_you_mean(key, keys)}its workspaces: {', '.join(keys)}"
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
    offline_plan: PlanOutputs | None,
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
    if offline_plan is not None:
        return f"plan of Pulumi.{stack}.yaml (offline)", offline_plan(stack, project_dir)
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

    try:
        # The Pulumi CLI finds Pulumi.yaml in the working directory or the nearest parent.
        selected = automation.select_stack(stack_name=stack, work_dir=str(project_dir.resolve()))
        outputs = selected.outputs()
    except automation.errors.CommandError as error:
        first = str(error).strip().splitlines()
        raise StackContextError(first[0] if first else "pulumi failed") from None
    return {key: value.value for key, value in outputs.items() if not value.secret}
