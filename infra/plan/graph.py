"""The plan's dependency graph as a picture: SVG through Graphviz when it is installed,
Mermaid otherwise (GitHub renders Mermaid in Markdown).

By default (``components`` detail) the graph is drawn for people: one node per component or
significant resource, a box per workspace and per endpoint, the attachments of a resource (role
assignments, locks, diagnostic settings, blob service settings, DNS records) folded into the node
they belong to, and only the edges that are not implied by others. The critical path is drawn in
colour, each of its nodes with its minutes. ``full`` detail draws every resource and every edge.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

from components.recording import RecordedResource
from infra.plan.critical_path import provisioning_seconds
from infra.plan.errors import PlanFileError
from infra.plan.files import write_file
from infra.plan.model import Plan, short_type

__all__ = [
    "BOX_TYPES",
    "FOLDED_TYPES",
    "GRAPH_DETAILS",
    "GRAPH_SUFFIXES",
    "Graph",
    "GraphDetail",
    "check_graph_path",
    "plan_graph",
    "to_dot",
    "to_mermaid",
    "transitive_reduction",
    "write_graph",
]

GRAPH_SUFFIXES = (".svg", ".dot", ".gv", ".mmd", ".md")
GraphDetail = Literal["components", "full"]
GRAPH_DETAILS: tuple[GraphDetail, ...] = ("components", "full")

BOX_TYPES = frozenset({"amlstack:ml:Workspace", "amlstack:ml:OnlineEndpoint"})
"""Components drawn as a box around their members; every other component is one node."""

FOLDED_TYPES: Mapping[str, str] = {
    "azure-native:authorization:RoleAssignment": "role",
    "azure-native:authorization:ManagementLockByScope": "lock",
    "azure-native:authorization:ManagementLockAtResourceLevel": "lock",
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": "lock",
    "azure-native:monitor:DiagnosticSetting": "diagnostics",
    "azure-native:storage:BlobServiceProperties": "blob settings",
    "azure-native:network:PrivateDnsZoneGroup": "DNS zone group",
    "azure-native:privatedns:VirtualNetworkLink": "VNet link",
}
"""Attachments drawn inside the node of the resource they belong to, by the word for them."""

_SCOPE_INPUTS = ("scope", "resourceUri")
_CRITICAL = "#c0392b"
_STACK = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Node:
    id: str
    label: tuple[str, ...]
    box: str | None
    critical_seconds: int = 0


@dataclass(frozen=True)
class Box:
    id: str
    label: str
    parent: str | None


@dataclass(frozen=True)
class Graph:
    """What is drawn: nodes in boxes, edges from a node to what waits on it, and the critical
    path's edges and total seconds."""

    nodes: tuple[Node, ...]
    boxes: tuple[Box, ...]
    edges: tuple[tuple[str, str], ...]
    critical_edges: frozenset[tuple[str, str]]
    critical_seconds: int


def check_graph_path(path: Path, *, option: str = "--graph") -> str:
    """The format `path`'s suffix asks for (one of `GRAPH_SUFFIXES`), else `PlanFileError`."""
    suffix = path.suffix.lower()
    if suffix not in GRAPH_SUFFIXES:
        raise PlanFileError(
            option,
            path,
            f"suffix {suffix or '(none)'!r} is no graph format",
            f"expected one of {', '.join(GRAPH_SUFFIXES)}",
        )
    return suffix


def plan_graph(plan: Plan, detail: GraphDetail = "components") -> Graph:
    """The graph of `plan` at `detail` (see the module doc)."""
    by_urn = {r.urn: r for r in plan.resources}
    boxes = _boxes(plan, by_urn, detail)
    owner = _owners(plan, by_urn, boxes, detail)
    members: dict[str, list[RecordedResource]] = defaultdict(list)
    for urn, node in owner.items():
        members[node].append(by_urn[urn])
    ids = {urn: f"n{index}" for index, urn in enumerate(sorted(members))}
    chain = _dedupe(ids[owner[urn]] for urn in plan.critical_path.resources if urn in owner)
    on_path = set(plan.critical_path.resources)
    critical_nodes = {
        ids[node]: sum(provisioning_seconds(r.type, r.inputs) for r in group if r.urn in on_path)
        for node, group in members.items()
        if ids[node] in chain
    }
    edges = {
        (ids[owner[dependency]], ids[owner[r.urn]])
        for r in plan.resources
        if r.urn in owner
        for dependency in r.dependencies
        if dependency in owner and owner[dependency] != owner[r.urn]
    }
    critical_edges = frozenset(pairwise(chain))
    if detail == "components":
        edges = transitive_reduction(edges) | critical_edges
    box_ids = {urn: f"b{index}" for index, urn in enumerate(sorted(boxes))}
    nodes = tuple(
        Node(
            id=ids[urn],
            label=_node_label(by_urn[urn], group, detail),
            box=box_ids.get(_box_of(by_urn[urn], by_urn, boxes) or ""),
            critical_seconds=critical_nodes.get(ids[urn], 0),
        )
        for urn, group in sorted(members.items())
    )
    return Graph(
        nodes=nodes,
        boxes=tuple(
            Box(
                id=box_ids[urn],
                label=f"{_kind(by_urn[urn].type)} {by_urn[urn].name}",
                parent=box_ids.get(_box_of(by_urn[urn], by_urn, boxes) or ""),
            )
            for urn in sorted(boxes)
        ),
        edges=tuple(sorted(edges)),
        critical_edges=critical_edges,
        critical_seconds=plan.critical_path.seconds,
    )


def _boxes(plan: Plan, by_urn: Mapping[str, RecordedResource], detail: GraphDetail) -> set[str]:
    """The components drawn as boxes: every component in full detail, else those of
    `BOX_TYPES` whose enclosing components are boxes too."""
    if detail == "full":
        return {r.urn for r in plan.resources if not r.custom and r.type != _STACK}
    return {
        r.urn for r in plan.resources if r.type in BOX_TYPES and _ancestors_are_boxes(r, by_urn)
    }


def _parents(
    resource: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> Iterator[RecordedResource]:
    """The components that enclose `resource`, innermost first (the stack last)."""
    parent = by_urn.get(resource.parent)
    while parent is not None:
        yield parent
        parent = by_urn.get(parent.parent)


def _ancestors_are_boxes(
    resource: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> bool:
    for parent in _parents(resource, by_urn):
        if parent.type == _STACK:
            break
        if parent.type not in BOX_TYPES:
            return False
    return True


def _box_of(
    resource: RecordedResource, by_urn: Mapping[str, RecordedResource], boxes: set[str]
) -> str | None:
    return next((parent.urn for parent in _parents(resource, by_urn) if parent.urn in boxes), None)


def _owners(
    plan: Plan,
    by_urn: Mapping[str, RecordedResource],
    boxes: set[str],
    detail: GraphDetail,
) -> dict[str, str]:
    """Each drawn resource's URN -> the URN of the node it is drawn in."""
    owner: dict[str, str] = {}
    for resource in plan.resources:
        if not resource.custom:
            continue
        if detail == "full":
            owner[resource.urn] = resource.urn
            continue
        top = resource
        for parent in _parents(resource, by_urn):
            if parent.type == _STACK or parent.urn in boxes:
                break
            top = parent
        owner[resource.urn] = top.urn
    if detail == "full":
        return owner
    for resource in plan.resources:
        if resource.type in FOLDED_TYPES and owner.get(resource.urn) == resource.urn:
            target = _attached_to(resource, by_urn)
            if target is not None and target.urn in owner:
                owner[resource.urn] = owner[target.urn]
    return owner


def _attached_to(
    resource: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> RecordedResource | None:
    """The resource an attachment belongs to: the one whose id its scope starts with (the
    longest), else the dependency with the same parent."""
    dependencies = [by_urn[d] for d in resource.dependencies if d in by_urn]
    scope = next((resource.inputs[k] for k in _SCOPE_INPUTS if k in resource.inputs), None)
    if isinstance(scope, str):
        scoped = [
            d
            for d in dependencies
            if isinstance(d.outputs.get("id"), str)
            and scope.lower().startswith(str(d.outputs["id"]).lower())
        ]
        if scoped:
            return max(scoped, key=lambda d: len(str(d.outputs["id"])))
    siblings = [d for d in dependencies if d.parent == resource.parent and d.custom]
    return siblings[0] if siblings else None


_PREFIXES = ("amlstack:ml:", "pulumi-python:dynamic/amlstack:", "pulumi:pulumi:")


def _kind(type_token: str) -> str:
    """``amlstack:ml:Datastore`` -> ``Datastore``; Azure types keep their (short) module."""
    short = short_type(type_token)
    for prefix in _PREFIXES:
        short = short.removeprefix(prefix)
    return short.replace("machinelearningservices:", "ml:")


def _node_label(
    head: RecordedResource, group: list[RecordedResource], detail: GraphDetail
) -> tuple[str, ...]:
    lines = [_kind(head.type), head.name]
    if detail == "full":
        return tuple(lines)
    folded = Counter(FOLDED_TYPES[r.type] for r in group if r.type in FOLDED_TYPES)
    parts = [
        f"{count} {_plural(word)}" if count > 1 else word for word, count in sorted(folded.items())
    ]
    if parts:
        lines.append("+ " + ", ".join(parts))
    return tuple(lines)


def _dedupe(items: Iterable[str]) -> list[str]:
    chain: list[str] = []
    for item in items:
        if not chain or chain[-1] != item:
            chain.append(item)
    return chain


def transitive_reduction(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The transitive reduction: drop an edge a -> c when c is reachable from a otherwise."""
    successors: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        successors[source].add(target)

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen: set[str] = set()
        stack = [t for t in successors[start] if (start, t) != skip]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(successors[node])
        return seen

    return {(a, c) for a, c in edges if c not in reachable(a, (a, c))}


def _minutes(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"


def _lines(node: Node) -> list[str]:
    lines = list(node.label)
    if node.critical_seconds:
        lines.append(f"critical: {_minutes(node.critical_seconds)}")
    return [line.replace('"', "'") for line in lines]


def to_dot(plan: Plan, detail: GraphDetail = "components") -> str:
    """A Graphviz digraph: boxes as clusters, the critical path in colour."""
    graph = plan_graph(plan, detail)
    lines = [
        "digraph plan {",
        "  rankdir=LR;",
        '  graph [fontname="Helvetica", fontsize=11, labelloc=t, '
        f'label="{plan.project} / {plan.stack}{_critical_caption(graph)}"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f7f7f7", fontname="Helvetica", '
        "fontsize=10];",
        '  edge [color="#888888"];',
    ]

    def node_line(node: Node, indent: str) -> str:
        label = "\\n".join(_lines(node))
        style = f', color="{_CRITICAL}", penwidth=2.5, fontcolor="{_CRITICAL}"' * bool(
            node.critical_seconds
        )
        return f'{indent}{node.id} [label="{label}"{style}];'

    def box_lines(parent: str | None, indent: str) -> list[str]:
        out = [node_line(n, indent) for n in graph.nodes if n.box == parent]
        for box in (b for b in graph.boxes if b.parent == parent):
            out.append(f"{indent}subgraph cluster_{box.id} {{")
            out.append(f'{indent}  label="{box.label}"; style=rounded; color="#4a6fa5";')
            out += box_lines(box.id, indent + "  ")
            out.append(f"{indent}}}")
        return out

    lines += box_lines(None, "  ")
    for source, target in graph.edges:
        style = (
            f' [color="{_CRITICAL}", penwidth=2.5]'
            if (source, target) in graph.critical_edges
            else ""
        )
        lines.append(f"  {source} -> {target}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(plan: Plan, detail: GraphDetail = "components") -> str:
    """A Mermaid flowchart: boxes as subgraphs, the critical path in colour."""
    graph = plan_graph(plan, detail)
    lines = ["flowchart LR"]
    if graph.critical_seconds:
        lines.append(f"  %% critical path{_critical_caption(graph)}")

    def box_lines(parent: str | None, indent: str) -> list[str]:
        out = [
            f'{indent}{n.id}["{"<br/>".join(_lines(n))}"]' for n in graph.nodes if n.box == parent
        ]
        for box in (b for b in graph.boxes if b.parent == parent):
            out.append(f'{indent}subgraph {box.id}["{box.label}"]')
            out += box_lines(box.id, indent + "  ")
            out.append(f"{indent}end")
        return out

    lines += box_lines(None, "  ")
    lines += [f"  {source} --> {target}" for source, target in graph.edges]
    critical = [n.id for n in graph.nodes if n.critical_seconds]
    if critical:
        lines.append(f"  classDef critical stroke:{_CRITICAL},stroke-width:3px,color:{_CRITICAL}")
        lines.append(f"  class {','.join(critical)} critical")
        indexes = [str(i) for i, edge in enumerate(graph.edges) if edge in graph.critical_edges]
        if indexes:
            lines.append(f"  linkStyle {','.join(indexes)} stroke:{_CRITICAL},stroke-width:3px")
    return "\n".join(lines) + "\n"


def _critical_caption(graph: Graph) -> str:
    if not graph.critical_seconds:
        return ""
    return f": critical path (red) about {_minutes(graph.critical_seconds)} to deploy"


def write_graph(
    plan: Plan, path: Path, detail: GraphDetail = "components", *, option: str = "--graph"
) -> Path:
    """Write the graph in the format `path`'s suffix asks for; returns the file written.

    ``.svg`` needs Graphviz's ``dot``; without it the Mermaid text goes to ``<path>.mmd`` instead.
    A suffix of no graph format, an unwritable path or a failing ``dot`` is a `PlanFileError`.
    """
    suffix = check_graph_path(path, option=option)
    if suffix == ".svg":
        dot = shutil.which("dot")
        if dot is None:
            path = path.with_suffix(".mmd")
            text = to_mermaid(plan, detail)
        else:
            text = _svg(dot, to_dot(plan, detail), path, option)
    elif suffix in (".dot", ".gv"):
        text = to_dot(plan, detail)
    elif suffix == ".md":
        text = f"```mermaid\n{to_mermaid(plan, detail)}```\n"
    else:
        text = to_mermaid(plan, detail)
    write_file(path, text, option=option)
    return path


def _svg(dot: str, source: str, path: Path, option: str) -> str:
    try:
        done = subprocess.run(
            [dot, "-Tsvg"], input=source, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", None) or str(error)
        raise PlanFileError(
            option,
            path,
            f"Graphviz failed to draw it ({detail.strip()})",
            "expected a working 'dot'; or write .dot, .mmd or .md instead",
        ) from None
    return done.stdout


def _plural(word: str) -> str:
    return word if word.endswith("s") else f"{word}s"
