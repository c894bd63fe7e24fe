"""The plan as people read it: a resource tree, a summary, the stack outputs, the policy results
and the network paths (who reaches what, and how)."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.tree import Tree

from components.recording import RecordedResource
from infra.plan.critical_path import provisioning_seconds
from infra.plan.guard import GUARD_POLICIES
from infra.plan.model import Plan, PolicyResult, short_type
from infra.policy.fixes import config_fix
from infra.policy.reachability import short_name
from infra.policy.rules import workspace_of
from infra.previous import REPLACEMENT_KEYS_OUTPUT

__all__ = ["failure_summary", "print_plan", "render_plan", "short_type"]


def print_plan(plan: Plan, console: Console) -> None:
    """Print the plan: the tree and summary, then the stack outputs as JSON that is never
    wrapped (it stays valid JSON when piped), then the policy results and warnings."""
    console.print(render_plan(plan))
    # What the next run reads back to compare is for the CrossGuard pack, not for people (the
    # plan JSON keeps it).
    shown = {k: v for k, v in plan.outputs.items() if k != REPLACEMENT_KEYS_OUTPUT}
    if shown:
        console.print("\nstack outputs:", style="bold", highlight=False)
        console.print(
            json.dumps(shown, indent=2, sort_keys=True),
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
    console.print(
        Group(*_not_managed(plan), *_policies(plan), *_reachability(plan), *_warnings(plan))
    )


def render_plan(plan: Plan) -> RenderableType:
    """The resource tree and the summary (with the critical path)."""
    children: dict[str, list[RecordedResource]] = defaultdict(list)
    for resource in plan.resources:
        children[resource.parent].append(resource)
    roots = children.get("", [])
    tree = _Tree(
        Text.assemble((plan.project, "bold"), " / ", (plan.stack, "bold")),
        [_node(root, children, plan.principals) for root in roots],
    )
    return Group(tree, Text(""), _summary(plan))


def _node(
    resource: RecordedResource,
    children: dict[str, list[RecordedResource]],
    principals: Mapping[str, str],
) -> _Tree:
    label = Text.assemble((short_type(resource.type), "cyan"), " ", resource.name)
    azure_name = resource.outputs.get("name")
    if resource.custom and isinstance(azure_name, str) and azure_name != resource.name:
        label.append(" ").append(f"→ {azure_name}", "dim")
    people = sorted(set(_people(resource.inputs, principals)))
    if resource.custom and people:
        label.append(" ").append(f"for {', '.join(people)}", "green")
    if resource.protect:
        label.append(" ").append("(protected)", "yellow")
    kids = sorted(children.get(resource.urn, []), key=lambda r: (r.custom, r.type, r.name))
    return _Tree(label, [_node(child, children, principals) for child in kids])


@dataclass(frozen=True)
class _Tree:
    """A tree drawn as rich's `Tree` draws it (its guides, its ``tree`` and ``tree.line``
    styles, a label wrapped under its guides when it does not fit), but each label (one line of
    text) written or wrapped directly instead of being laid out as a renderable of its own:
    rich's layout of every label took most of the time of printing a large plan
    (benchmarks/plan_bench.py)."""

    label: Text
    children: list[_Tree]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        space, more, fork, last = Tree.ASCII_GUIDES if options.ascii_only else Tree.TREE_GUIDES[0]
        guide = console.get_style("tree.line", default="") or Style.null()
        style = console.get_style("tree", default="") or Style.null()
        plain = Style(bold=False, underline2=False)

        def draw(node: _Tree, first: str, rest: str) -> Iterator[Segment]:
            width = options.max_width - cell_len(first)
            label = node.label
            wrapped = [label] if label.cell_len <= width else label.wrap(console, width)
            lines = [Segment.apply_style(line.render(console), style) for line in wrapped]
            for index, line in enumerate(lines):
                prefix = first if index == 0 else rest
                if prefix:
                    yield from Segment.apply_style(
                        [Segment(prefix, guide)], style.background_style, post_style=plain
                    )
                yield from line
                yield Segment.line()
            for index, child in enumerate(node.children):
                end = index == len(node.children) - 1
                yield from draw(
                    child, rest + (last if end else fork), rest + (space if end else more)
                )

        yield from draw(self, "", "")


def _people(value: object, principals: Mapping[str, str]) -> Iterator[str]:
    """The names of the principals whose object ids appear in `value` (a resource's inputs)."""
    if isinstance(value, str):
        if value in principals:
            yield principals[value]
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _people(item, principals)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _people(item, principals)


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
    steps = [
        (by_urn[urn], reason)
        for urn, reason in itertools.zip_longest(path.resources, path.reasons, fillvalue="")
        if urn in by_urn
    ]
    lines = [
        f"critical path: about {_duration(path.seconds)} to deploy, through {len(steps)} "
        "resources (typical Azure provisioning times, infra/plan/critical_path.py):"
    ]
    for resource, reason in steps:
        seconds = provisioning_seconds(resource.type, resource.inputs)
        lines.append(f"  {seconds:>5} s  {short_type(resource.type)} {resource.name}")
        if reason:
            lines.append(f"           after the one above: {reason}")
    return lines


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


_LEVEL_STYLES = {
    "mandatory": "bold red",
    "advisory": "yellow",
    "waived": "cyan",
    "relaxed": "blue",
}


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


def _not_managed(plan: Plan) -> list[RenderableType]:
    """Existing resources: amlstack uses them, applies some guards, and leaves the rest."""
    if not plan.not_managed:
        return []
    lines: list[RenderableType] = [
        Text("\nnot managed by amlstack (existing resources the workspaces use):", style="bold")
    ]
    for entry in plan.not_managed:
        lines.append(Text(f"  {entry.workspace}: {entry.kind} {entry.id}"))
        applied = ", ".join(entry.applied) or "nothing"
        lines.append(Text(f"    amlstack applies: {applied}", style="green"))
        lines.append(Text(f"    left to its owner: {', '.join(entry.left_to_owner)}", style="dim"))
    return lines


def _warnings(plan: Plan) -> list[RenderableType]:
    return [Text(f"warning: {warning}", style="yellow") for warning in plan.warnings]


def failure_summary(plan: Plan, *, namespace: str = "amlstack") -> str:
    """The failed mandatory rules: how many findings, grouped per rule with the resources and
    the config key that makes the rule hold."""
    failed = plan.failed_mandatory
    by_rule: dict[str, list[PolicyResult]] = defaultdict(list)
    for result in failed:
        by_rule[result.policy].append(result)
    workspaces = list(plan.outputs.get("workspaces") or {})
    names = {r.urn: r.name for r in plan.resources}
    count = len(failed)
    lines = [
        f"{count} mandatory finding{'s' * (count != 1)} of {len(by_rule)} "
        f"rule{'s' * (len(by_rule) != 1)} failed:"
    ]
    for rule, results in sorted(by_rule.items()):
        resources = sorted(names.get(r.urn, r.urn) for r in results)
        fixes = sorted(
            {
                fix
                for name in resources
                if (fix := config_fix(rule, workspace_of(name, workspaces), namespace=namespace))
            }
        )
        if rule in GUARD_POLICIES:
            fix = f"change the config back, or name them in {namespace}:allowReplace"
        else:
            fix = f"set {'; '.join(fixes)}" if fixes else "no stack config key sets this"
        lines.append(f"  {rule} ({len(results)}: {', '.join(resources)}): {fix}")
    if any(rule not in GUARD_POLICIES for rule in by_rule):
        lines.append("meet each rule, or waive it by id in amlstack:waivers with a reason")
    return "\n".join(lines)
