"""``amlstack init``: a commented first stack file that plans and meets its tier's rules.

`new_stack_file` turns what the user chose (flags or answers to prompts) into the text of
``Pulumi.<stack>.yaml``, after validating it exactly as the plan would, so a bad value fails
with the option, the value and what is allowed before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import yaml

from components.access import PrincipalType, check_object_id
from components.errors import MISSING, ConfigError, ConfigProblem
from infra.config import parse_stack_config
from infra.reference.schema import SCHEMA_FILE
from infra.tiers import Tier
from infra.yaml_files import load_yaml

__all__ = ["ROLE_OPTIONS", "StackChoices", "check_stack_name", "new_stack_file", "parse_principal"]

ROLE_OPTIONS: Mapping[str, str] = {
    "owner": "owner",
    "contributor": "contributor",
    "reader": "reader",
    "data-scientist": "dataScientist",
    "metrics-writer": "metricsWriter",
    "compute-operator": "computeOperator",
}
"""``amlstack init`` option (``--data-scientist``) -> workspace access key."""

_STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TYPES: dict[str, str] = {t.lower(): t for t in get_args(PrincipalType)} | {
    "sp": "ServicePrincipal"
}
PRINCIPAL_FORMAT = "TYPE:OBJECT_ID[:NAME] with TYPE User, Group or ServicePrincipal (or sp)"


@dataclass(frozen=True)
class StackChoices:
    """What goes into a new stack file."""

    stack: str
    location: str
    tier: Tier = "prod"
    workspaces: tuple[str, ...] = ("main",)
    access: Mapping[str, tuple[dict[str, str], ...]] = field(default_factory=dict)
    """Access key (``dataScientist``) -> principals ``{objectId, type[, name]}``."""
    cluster: str | None = None
    personal_instances: bool = False
    endpoint: str | None = None
    subnet: str | None = None
    """ARM id of the subnet for the workspaces' private endpoints (required for prod, whose
    public doors are closed)."""


def check_stack_name(stack: str) -> str:
    """`stack` when Pulumi accepts it as a stack name; ConfigError otherwise."""
    if not _STACK_NAME.fullmatch(stack):
        raise ConfigError.single(
            "STACK", stack, "expected letters, digits, '-', '_' or '.', starting with a letter"
        )
    return stack


def parse_principal(option: str, value: str) -> dict[str, str]:
    """``User:<object id>[:name]`` -> ``{objectId, type, name}``; ConfigError naming `option`."""
    kind, _, rest = value.partition(":")
    object_id, _, name = rest.partition(":")
    principal_type = _TYPES.get(kind.strip().lower())
    if principal_type is None or not object_id:
        raise ConfigError.single(option, value, f"expected {PRINCIPAL_FORMAT}")
    try:
        principal = {"objectId": check_object_id(object_id.strip()), "type": principal_type}
    except ValueError as error:
        raise ConfigError.single(option, value, f"object id: {error}") from None
    return principal | ({"name": name.strip()} if name.strip() else {})


def new_stack_file(choices: StackChoices, *, root: Path) -> str:
    """The text of ``Pulumi.<stack>.yaml`` for `choices`, validated like the plan validates it
    (`root` is the project directory): what is validated is the text itself, parsed back. Raises
    ConfigError on an invalid choice."""
    text = "\n".join(_document(choices)) + "\n"
    raw = {k.removeprefix("amlstack:"): v for k, v in load_yaml(text)["config"].items()}
    problems: list[ConfigProblem] = []
    closed = choices.tier == "prod" and not choices.subnet
    if closed:
        problems.append(
            ConfigProblem(
                "--subnet",
                MISSING,
                "a prod stack closes every public door, so people and the deployer come in "
                "through private endpoints: give the ARM id of a subnet in their network "
                "(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/"
                "virtualNetworks/<network>/subnets/<subnet>), or choose --tier dev",
            )
        )
    try:
        parse_stack_config(raw, root=root)
    except ConfigError as error:
        # Without --subnet, "no way into the workspace" is the problem above, said in options.
        problems += [
            p
            for p in error.problems
            if not (closed and p.field.endswith(".network.privateEndpoints"))
        ]
    if problems:
        raise ConfigError(problems)
    return text


_TIER_NOTES = {
    "dev": [
        "# tier dev: workspaces start from relaxed presets (public network access, LRS storage,",
        "# Basic registry, no protect) that still meet the security baseline's dev column.",
    ],
    "prod": [
        "# tier prod: every secure default (no public network access, managed network with",
        "# approved outbound only, geo-redundant storage, protect and delete locks).",
    ],
}


def _document(choices: StackChoices) -> list[str]:
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_FILE}",
        f"# Stack {choices.stack!r}, written by `amlstack init`. Every key and its default:",
        "# docs/reference/stack.md. Plan it offline (no Azure needed):",
        f"#   uv run amlstack plan {choices.stack}",
        "config:",
        "  # Azure region of every resource of the stack.",
        f"  amlstack:location: {_scalar(choices.location)}",
        *(f"  {line}" for line in _TIER_NOTES[choices.tier]),
        f"  amlstack:tier: {choices.tier}",
        "  # One entry per workspace (say, one per team); names are 2-24 lowercase letters,",
        "  # digits and hyphens.",
        "  amlstack:workspaces:",
    ]
    for name in choices.workspaces:
        lines += _workspace(name, choices)
    return lines


def _workspace(name: str, choices: StackChoices) -> list[str]:
    lines = [f"    - name: {_scalar(name)}"]
    if choices.subnet:
        lines += [
            "      # People, the deployer's runner and studio reach the closed workspace, its",
            "      # storage, key vault and registry through private endpoints in this subnet.",
            "      network:",
            "        privateEndpoints:",
            f"          subnetId: {_scalar(choices.subnet)}",
        ]
    if choices.access:
        lines += [
            "      # Who gets which role on the workspace, by Microsoft Entra object id",
            "      # (az ad user show --id alice@contoso.com --query id -o tsv); name is a label.",
            "      access:",
        ]
        for key, people in choices.access.items():
            lines.append(f"        {key}:")
            for person in people:
                lines += _mapping(person, indent="          - ", rest="            ")
    if choices.cluster or choices.personal_instances:
        lines.append("      computes:")
    if choices.cluster:
        lines += [
            "        # A CPU cluster for jobs: no nodes (and no cost) while idle, at most 4.",
            "        clusters:",
            f"          - name: {_scalar(choices.cluster)}",
            "            vmSize: Standard_DS3_v2",
        ]
    if choices.personal_instances:
        lines += [
            "        # One compute instance per User in access.dataScientist, stopped after 30",
            "        # idle minutes.",
            "        personalInstances:",
            "          idleTimeBeforeShutdown: PT30M",
        ]
    if choices.endpoint:
        lines += [
            "      # A managed online endpoint (token auth). Add deployments and their split:",
            "      #   deployments:",
            "      #     - name: blue",
            "      #       model: azureml:<model>:<version>",
            "      #   traffic: {blue: 100}",
            "      endpoints:",
            f"        - name: {_scalar(choices.endpoint)}",
        ]
    return lines


def _mapping(values: Mapping[str, str], *, indent: str, rest: str) -> list[str]:
    lines = []
    for index, (key, value) in enumerate(values.items()):
        lines.append(f"{indent if index == 0 else rest}{key}: {_scalar(value)}")
    return lines


def _scalar(value: str) -> str:
    """`value` as a YAML scalar, quoted only where YAML needs it."""
    text: str = yaml.safe_dump(value, default_flow_style=True, width=2**31)  # never folded
    return text.removesuffix("\n...\n").strip()


def principals_by_role(
    values: Mapping[str, Sequence[str]],
) -> dict[str, tuple[dict[str, str], ...]]:
    """Option name (``data-scientist``) -> its values -> access key -> parsed principals."""
    return {
        ROLE_OPTIONS[option]: tuple(parse_principal(f"--{option}", v) for v in given)
        for option, given in values.items()
        if given
    }
