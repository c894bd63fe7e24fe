"""Azure's built-in policy definitions, the MCSB initiative and the aliases, as tests read them from
the shared folder (``azure-policy/``: definitions as published, ``benchmark.json``,
``aliases.json``), and the evaluation of one definition against a resource of a stack.

Effects: a resource that matches the ``if`` condition is non-compliant under ``audit``, ``deny``,
``modify`` and ``append``; under ``auditIfNotExists`` and ``deployIfNotExists`` it is compliant
when a *related* resource (``details.type``, ``details.name``) satisfies the existence condition.
Related resources are those under the evaluated one (children, and extension resources such as
diagnostic settings, whose id starts with the resource's id), or of the same resource group when
``details.type`` is not under it. ``disabled`` and ``manual`` are not evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from tests.azure_policy.conditions import ArmResource, Context, holds
from tests.azure_policy.expressions import ExpressionError, resolve

__all__ = [
    "RUNTIME_TYPES",
    "Benchmark",
    "Definition",
    "Outcome",
    "Result",
    "evaluate_definition",
    "load_aliases",
    "load_benchmark",
    "load_definitions",
]

Outcome = Literal["compliant", "non-compliant", "not-applicable", "disabled", "undecidable"]

RUNTIME_TYPES = frozenset({"microsoft.security/assessments"})
"""Related resources that exist only at run time (Defender assessments): no plan can show them."""

EXTENSION_TYPES = frozenset(
    {
        "microsoft.insights/diagnosticsettings",
        "microsoft.security/assessments",
        "microsoft.dataprotection/backupinstances",
        "microsoft.recoveryservices/backupprotecteditems",
    }
)
"""Extension resources: they live under the resource they extend (``<id>/providers/<type>/..``)."""

ParameterValue = Any | Callable[[ArmResource], Any]
"""An assignment's value for a parameter: a value, or one per evaluated resource (the Log
Analytics workspace of the resource's own workspace)."""


@dataclass(frozen=True)
class Definition:
    """One built-in policy definition as published."""

    id: str
    display_name: str
    mode: str
    parameters: Mapping[str, Mapping[str, Any]]
    rule: Mapping[str, Any]
    path: str = ""

    @property
    def short_id(self) -> str:
        return self.id[:8]

    @cached_property
    def subject_types(self) -> frozenset[str]:
        """The resource types (lower case) the ``if`` condition names with ``field: type``; empty
        when it names none (the rule then applies to any type)."""
        return frozenset(t.lower() for t in _type_conditions(self.rule["if"]))

    @property
    def details(self) -> Mapping[str, Any]:
        details = self.rule.get("then", {}).get("details")
        return details if isinstance(details, Mapping) else {}


def _type_conditions(condition: Any) -> list[str]:
    if isinstance(condition, list):
        return [t for c in condition for t in _type_conditions(c)]
    if not isinstance(condition, Mapping):
        return []
    keys = {k.lower(): v for k, v in condition.items()}
    if str(keys.get("field", "")).lower() == "type":
        value = keys.get("equals", keys.get("in", []))
        return [value] if isinstance(value, str) else list(value)
    if "not" in keys:
        return []
    return [t for k in ("allof", "anyof") if k in keys for t in _type_conditions(keys[k])]


@dataclass(frozen=True)
class Benchmark:
    """An initiative's membership: definition id -> the effect the initiative assigns it."""

    id: str
    display_name: str
    effects: Mapping[str, str | None]

    def includes(self, definition_id: str) -> bool:
        return definition_id in self.effects

    def enabled(self, definition_id: str) -> bool:
        """Member and not shipped ``Disabled`` by the initiative."""
        return self.includes(definition_id) and (
            str(self.effects[definition_id]).lower() != "disabled"
        )


def load_definitions(directory: Path) -> dict[str, Definition]:
    """Every definition under ``directory/definitions``, by id."""
    definitions = {}
    for file in sorted((directory / "definitions").glob("*/*.json")):
        raw = json.loads(file.read_text())
        properties = raw["properties"]
        definitions[raw["name"]] = Definition(
            id=raw["name"],
            display_name=properties["displayName"],
            mode=properties.get("mode", "All"),
            parameters=properties.get("parameters", {}),
            rule=properties["policyRule"],
            path=str(file.relative_to(directory / "definitions")),
        )
    return definitions


def load_aliases(directory: Path) -> dict[str, str]:
    """Alias (lower case) -> its default ARM path."""
    raw = json.loads((directory / "aliases.json").read_text())["aliases"]
    return {alias.lower(): path for alias, path in raw.items()}


def load_benchmark(directory: Path, initiative: str = "mcsb") -> Benchmark:
    raw = json.loads((directory / "benchmark.json").read_text())["initiatives"][initiative]
    return Benchmark(
        id=raw["id"],
        display_name=raw["displayName"],
        effects={k: v.get("initiativeEffect") for k, v in raw["members"].items()},
    )


@dataclass(frozen=True)
class Result:
    """One definition on one resource."""

    definition: Definition
    resource: ArmResource
    outcome: Outcome
    reason: str = ""
    effect: str = ""


@dataclass(frozen=True)
class Stack:
    """The resources a definition may look at beyond the evaluated one (existence conditions)."""

    resources: tuple[ArmResource, ...]
    by_type: dict[str, list[ArmResource]] = field(default_factory=dict, compare=False)

    def of_type(self, arm_type: str) -> list[ArmResource]:
        if not self.by_type:
            for resource in self.resources:
                self.by_type.setdefault(resource.type.lower(), []).append(resource)
        return self.by_type.get(arm_type.lower(), [])


def evaluate_definition(
    definition: Definition,
    resource: ArmResource,
    *,
    stack: Iterable[ArmResource] | Stack = (),
    aliases: Mapping[str, str],
    assignment: Mapping[str, ParameterValue] | None = None,
) -> Result:
    """`definition` on `resource`, with the assignment's parameter values (defaults otherwise)."""
    related = stack if isinstance(stack, Stack) else Stack(tuple(stack))
    parameters = _parameters(definition, resource, assignment or {})
    context = Context(resource=resource, aliases=aliases, parameters=parameters)
    mode = definition.mode.lower()
    if mode == "indexed" and "location" not in {k.lower() for k in resource.body}:
        return Result(definition, resource, "not-applicable", "mode Indexed: no location")
    try:
        if not holds(definition.rule["if"], context):
            return Result(definition, resource, "not-applicable")
        effect = str(resolve(definition.rule["then"]["effect"], context)).lower()
        if effect in ("disabled", "manual"):
            return Result(definition, resource, "disabled", effect=effect)
        if effect not in ("auditifnotexists", "deployifnotexists"):
            return Result(definition, resource, "non-compliant", "the if condition holds", effect)
        return _existence(definition, resource, related, context, effect)
    except ExpressionError as error:
        return Result(definition, resource, "undecidable", str(error))


def _parameters(
    definition: Definition, resource: ArmResource, assignment: Mapping[str, ParameterValue]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    given = {k.lower(): v for k, v in assignment.items()}
    for name, spec in definition.parameters.items():
        if name.lower() in given:
            value = given[name.lower()]
            values[name] = value(resource) if callable(value) else value
        elif "defaultValue" in spec:
            values[name] = spec["defaultValue"]
    return values


def _related(resource: ArmResource, candidate: ArmResource, related_type: str) -> bool:
    """Whether `candidate` (of `related_type`) is related to `resource`: directly under it (an
    extension on it, or its child of that type), else in its resource group."""
    lowered = related_type.lower()
    if lowered in EXTENSION_TYPES:
        prefix = f"{resource.id}/providers/{related_type}/".lower()
        leaf = candidate.id.lower().removeprefix(prefix)
        return candidate.id.lower().startswith(prefix) and "/" not in leaf
    if lowered.startswith(resource.type.lower() + "/"):
        child_types = lowered.removeprefix(resource.type.lower() + "/").split("/")
        rest = candidate.id.lower().removeprefix(resource.id.lower() + "/").split("/")
        return (
            candidate.id.lower().startswith(resource.id.lower() + "/")
            and rest[::2] == child_types
            and len(rest) == 2 * len(child_types)
        )
    return candidate.resource_group.lower() == resource.resource_group.lower()


def _existence(
    definition: Definition,
    resource: ArmResource,
    stack: Stack,
    context: Context,
    effect: str,
) -> Result:
    details = definition.details
    related_type = str(details["type"])
    if related_type.lower() in RUNTIME_TYPES:
        return Result(
            definition, resource, "undecidable", f"{related_type} exists only at run time", effect
        )
    name = resolve(details["name"], context) if "name" in details else None
    candidates = [
        r
        for r in stack.of_type(related_type)
        if _related(resource, r, related_type)
        and (name is None or r.name.lower() == str(name).lower())
    ]
    condition = details.get("existenceCondition")
    for candidate in candidates:
        if condition is None or holds(
            condition, Context(candidate, context.aliases, context.parameters, resource)
        ):
            return Result(definition, resource, "compliant", f"{candidate.label}", effect)
    named = f" named {name!r}" if name is not None else ""
    why = (
        f"no {related_type}{named}"
        if not candidates
        else f"no {related_type}{named} meets the existence condition "
        f"({', '.join(c.label for c in candidates)})"
    )
    return Result(definition, resource, "non-compliant", why, effect)
