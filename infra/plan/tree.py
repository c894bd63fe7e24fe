"""The plan as people read it: a resource tree, a summary, the stack outputs, the policy results
and the network paths (who reaches what, and how)."""

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
from infra.policy.reachability import short_name

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
        tree,
        Text(""),
        _summary(plan),
        *_outputs(plan),
        *_policies(plan),
        *_reachability(plan),
        *_warnings(plan),
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
    if not plan.outputs:
        return []
    return [
        Text("\nstack outputs:", style="bold"),
        Text(json.dumps(plan.outputs, indent=2, sort_keys=True)),
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


def _reachability(plan: Plan) -> list[RenderableType]:
    """One line per consumer -> target path: how it gets there; why not, and the fix, when it
    does not."""
    if not plan.reachability:
        return []
    failed = plan.unreachable
    counts = Counter(p.via for p in plan.reachability if p.reachable)
    ways = ", ".join(f"{n} {via}" for via, n in sorted(counts.items()))
    head = (
        f"\nreachability: {len(failed)} of {len(plan.reachability)} paths unreachable"
        if failed
        else f"\nreachability: all {len(plan.reachability)} paths reachable ({ways})"
    )
    lines: list[RenderableType] = [Text(head, style="bold red" if failed else "green")]
    rows = [(short_name(p.consumer), short_name(p.target), p) for p in plan.reachability]
    width = max(len(consumer) for consumer, _, _ in rows)
    for consumer, target, path in rows:
        line = Text(f"  {consumer:<{width}}  ", style="" if path.reachable else "red")
        line.append(f"{path.via:<15} {target}")
        lines.append(line)
        if not path.reachable:
            lines.append(Text(f"      {path.reason}", style="red"))
    return lines


def _warnings(plan: Plan) -> list[RenderableType]:
    return [Text(f"warning: {warning}", style="yellow") for warning in plan.warnings]
