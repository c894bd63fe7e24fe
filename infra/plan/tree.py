"""The plan as people read it: a resource tree, a summary and the stack outputs."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.text import Text
from rich.tree import Tree

from components.recording import RecordedResource
from infra.plan.critical_path import provisioning_seconds
from infra.plan.model import Plan
from infra.previous import REPLACEMENT_KEYS_OUTPUT

__all__ = ["render_plan", "short_type"]


def short_type(type_token: str) -> str:
    """``azure-native:storage:StorageAccount`` -> ``storage:StorageAccount``."""
    return type_token.removeprefix("azure-native:")


def render_plan(plan: Plan) -> RenderableType:
    children: dict[str, list[RecordedResource]] = defaultdict(list)
    for resource in plan.resources:
        children[resource.parent].append(resource)
    roots = children.get("", [])
    tree = Tree(f"[bold]{escape(plan.project)}[/] / [bold]{escape(plan.stack)}[/]")
    for root in roots:
        _add(tree, root, children)
    return Group(
        tree, Text(""), _summary(plan), *_outputs(plan), *_policies(plan), *_warnings(plan)
    )


def _add(
    branch: Tree, resource: RecordedResource, children: dict[str, list[RecordedResource]]
) -> None:
    label = f"[cyan]{escape(short_type(resource.type))}[/] {escape(resource.name)}"
    azure_name = resource.outputs.get("name")
    if resource.custom and isinstance(azure_name, str) and azure_name != resource.name:
        label += f" [dim]→ {escape(azure_name)}[/]"
    if resource.protect:
        label += " [yellow](protected)[/]"
    node = branch.add(label)
    kids = sorted(children.get(resource.urn, []), key=lambda r: (r.custom, r.type, r.name))
    for child in kids:
        _add(node, child, children)


def _summary(plan: Plan) -> Text:
    custom = [r for r in plan.resources if r.custom]
    components = [r for r in plan.resources if not r.custom and r.type != "pulumi:pulumi:Stack"]
    counts = Counter(short_type(r.type) for r in custom)
    protected = sum(1 for r in custom if r.protect)
    lines = [
        f"{len(custom)} resources in {len(components)} component{'s' * (len(components) != 1)}, "
        f"{protected} protected:",
        *(f"  {count:>4}  {kind}" for kind, count in sorted(counts.items())),
    ]
    return Text("\n".join([*lines, *_critical_path(plan)]))


def _critical_path(plan: Plan) -> list[str]:
    """The estimated deployment time and the chain of resources that sets it, one per line."""
    path = plan.critical_path
    if not path.resources:
        return []
    by_urn = {r.urn: r for r in plan.resources}
    steps = [by_urn[urn] for urn in path.resources if urn in by_urn]
    lines = [
        f"critical path: about {_duration(path.seconds)} to deploy, through {len(steps)} "
        "resources (typical Azure provisioning times, infra/plan/critical_path.py):"
    ]
    for resource in steps:
        seconds = provisioning_seconds(resource.type, resource.inputs)
        lines.append(f"  {seconds:>5} s  {short_type(resource.type)} {resource.name}")
    return lines


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _outputs(plan: Plan) -> list[RenderableType]:
    # What the next run reads back to compare is for the CrossGuard pack, not for people (the
    # plan JSON keeps it).
    shown = {k: v for k, v in plan.outputs.items() if k != REPLACEMENT_KEYS_OUTPUT}
    if not shown:
        return []
    return [
        Text("\nstack outputs:", style="bold"),
        Text(json.dumps(shown, indent=2, sort_keys=True)),
    ]


_LEVEL_STYLES = {"mandatory": "bold red", "advisory": "yellow", "waived": "cyan"}


def _policies(plan: Plan) -> list[RenderableType]:
    """Violations and waivers of the baseline's rules, worst first."""
    if not plan.policies:
        return [Text("\npolicies: every baseline rule of this stack's tier holds", style="green")]
    counts = Counter(p.level for p in plan.policies)
    summary = ", ".join(f"{counts[level]} {level}" for level in _LEVEL_STYLES if counts[level])
    lines: list[RenderableType] = [Text(f"\npolicies: {summary}", style="bold")]
    names = {r.urn: r.name for r in plan.resources}
    for result in sorted(plan.policies, key=lambda p: list(_LEVEL_STYLES).index(p.level)):
        line = Text(f"  {result.level:<9}", style=_LEVEL_STYLES[result.level])
        line.append(f" {result.policy} ({names.get(result.urn, result.urn)}): {result.message}")
        lines.append(line)
    return lines


def _warnings(plan: Plan) -> list[RenderableType]:
    return [Text(f"warning: {warning}", style="yellow") for warning in plan.warnings]
