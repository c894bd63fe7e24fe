"""The plan's dependency graph as a picture: SVG through Graphviz when it is installed,
Mermaid otherwise (GitHub renders Mermaid in Markdown)."""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from components.recording import RecordedResource
from infra.plan.errors import PlanFileError
from infra.plan.files import write_file
from infra.plan.model import Plan
from infra.plan.tree import short_type

__all__ = ["GRAPH_SUFFIXES", "graph_format", "to_dot", "to_mermaid", "write_graph"]

GRAPH_SUFFIXES = (".svg", ".dot", ".gv", ".mmd", ".md")


def to_mermaid(plan: Plan) -> str:
    """A Mermaid flowchart: components as subgraphs, arrows from a resource to what waits on it."""
    ids = _node_ids(plan)
    lines = ["flowchart LR"]
    groups, loose = _layout(plan)
    lines += [f'  {ids[r.urn]}["{_label(r)}"]' for r in loose]
    for component, members in groups:
        lines.append(f'  subgraph {ids[component.urn]}["{_label(component)}"]')
        lines += [f'    {ids[m.urn]}["{_label(m)}"]' for m in members]
        lines.append("  end")
    lines += [f"  {ids[src]} --> {ids[dst]}" for src, dst in _edges(plan)]
    return "\n".join(lines) + "\n"


def to_dot(plan: Plan) -> str:
    """A Graphviz digraph with one cluster per component."""
    ids = _node_ids(plan)
    lines = [
        "digraph plan {",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
    ]
    groups, loose = _layout(plan)
    lines += [f'  {ids[r.urn]} [label="{_label(r, newline=chr(92) + "n")}"];' for r in loose]
    for component, members in groups:
        lines.append(f"  subgraph cluster_{ids[component.urn]} {{")
        lines.append(f'    label="{_label(component, newline=chr(92) + "n")}";')
        lines += [
            f'    {ids[m.urn]} [label="{_label(m, newline=chr(92) + "n")}"];' for m in members
        ]
        lines.append("  }")
    lines += [f"  {ids[src]} -> {ids[dst]};" for src, dst in _edges(plan)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_format(path: Path, *, option: str = "--graph") -> str:
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


def write_graph(plan: Plan, path: Path, *, option: str = "--graph") -> Path:
    """Write the graph in the format `path`'s suffix asks for; returns the file written.

    ``.svg`` needs Graphviz's ``dot``; without it the Mermaid text goes to ``<path>.mmd`` instead.
    A path that cannot be written, or a suffix of no format, is a `PlanFileError`.
    """
    suffix = graph_format(path, option=option)
    if suffix == ".svg":
        dot = shutil.which("dot")
        if dot is None:
            path = path.with_suffix(".mmd")
            text = to_mermaid(plan)
        else:
            text = _svg(dot, plan, path, option)
    elif suffix in (".dot", ".gv"):
        text = to_dot(plan)
    elif suffix == ".md":
        text = f"```mermaid\n{to_mermaid(plan)}```\n"
    else:
        text = to_mermaid(plan)
    write_file(path, text, option=option)
    return path


def _svg(dot: str, plan: Plan, path: Path, option: str) -> str:
    try:
        done = subprocess.run(
            [dot, "-Tsvg"], input=to_dot(plan), capture_output=True, text=True, check=True
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


def _node_ids(plan: Plan) -> dict[str, str]:
    return {r.urn: f"n{index}" for index, r in enumerate(plan.resources)}


def _layout(
    plan: Plan,
) -> tuple[list[tuple[RecordedResource, list[RecordedResource]]], list[RecordedResource]]:
    """Custom resources grouped under their parent component, and those directly in the stack."""
    by_urn = {r.urn: r for r in plan.resources}
    members: dict[str, list[RecordedResource]] = defaultdict(list)
    loose: list[RecordedResource] = []
    for resource in plan.resources:
        if resource.custom:
            parent = by_urn.get(resource.parent)
            if parent is not None and not parent.custom and parent.type != "pulumi:pulumi:Stack":
                members[parent.urn].append(resource)
            else:
                loose.append(resource)
    return [(by_urn[urn], group) for urn, group in members.items()], loose


def _edges(plan: Plan) -> list[tuple[str, str]]:
    drawn = {r.urn for r in plan.resources if r.custom}
    return sorted(
        (dependency, r.urn)
        for r in plan.resources
        if r.custom
        for dependency in r.dependencies
        if dependency in drawn
    )


def _label(resource: RecordedResource, newline: str = "<br/>") -> str:
    return f"{short_type(resource.type)}{newline}{resource.name}".replace('"', "'")
