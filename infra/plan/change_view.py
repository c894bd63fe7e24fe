"""The changes since a deployed plan as people read them: numbered steps, each changed input.

Like ``terraform plan`` and ``pulumi preview --diff``: ``+`` create, ``~`` update, ``-`` delete;
a replacement is its delete and its create (in the engine's order), and under each update or
re-create the changed inputs with their old and new values, "forces replacement" where the
change replaces, and a warning where Azure cannot make the change in place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.text import Text

from infra.plan.changes import ABSENT, Change, Diff, Step, show_value
from infra.plan.model import short_type

__all__ = ["render_changes"]

_MARK = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red")}


def render_changes(
    changes: Sequence[Change], steps: Sequence[Step], *, since: str, allow: Sequence[str] = ()
) -> Text:
    """The steps from the plan `since` names, and what ``amlstack:allowReplace`` allows."""
    counts = Counter(change.op for change in changes)
    summary = ", ".join(
        f"{counts[op]} to {op}" for op in ("create", "update", "replace", "delete") if counts[op]
    )
    text = Text(f"\nchanges since {since}", style="bold")
    if not steps:
        text.append("\n  no changes", style="green")
        return text
    text.append(f", in the order pulumi up makes them ({summary}):", style="bold")
    for index, step in enumerate(steps, start=1):
        text.append("\n")
        text.append_text(_step(index, step))
    if allow:
        text.append("\namlstack:allowReplace (replacing or deleting these is intended): ")
        text.append(", ".join(allow))
    return text


def _step(index: int, step: Step) -> Text:
    change = step.change
    resource = change.resource
    mark, style = _MARK[step.op]
    line = Text(f"{index:>3}. ")
    line.append(f"{mark} {step.op:<7}", style=style)
    line.append(f" {short_type(resource.type)} {resource.name}")
    note = _note(step)
    if note:
        line.append(f"  ({note})", style="dim")
    if step.op != "delete":
        for diff in change.diffs:
            line.append("\n")
            line.append_text(_diff(diff, replaced=change.op == "replace"))
    return line


def _note(step: Step) -> str:
    change = step.change
    if change.op == "replace":
        if step.op == "delete":
            why = change.because or "the old one goes first, its Azure name stays the same"
            return f"replace: {why}"
        return "replace" if change.delete_first else "replace: the old one is deleted last"
    if change.moved_from and step.op == "update":
        return f"moved from {change.moved_from}"
    return ""


def _diff(diff: Diff, *, replaced: bool) -> Text:
    mark = "+" if diff.old is ABSENT else "-" if diff.new is ABSENT else "~"
    line = Text(f"         {mark} {diff.path}: ")
    if diff.old is ABSENT:
        line.append(show_value(diff.new))
    elif diff.new is ABSENT:
        line.append(show_value(diff.old))
    else:
        line.append(f"{show_value(diff.old)} -> {show_value(diff.new)}")
    if diff.replaces:
        line.append("  forces replacement", style="bold red")
    elif diff.fixed and not replaced:
        line.append(
            "  Azure cannot change this in place: pulumi up fails or leaves it", style="bold red"
        )
    return line
