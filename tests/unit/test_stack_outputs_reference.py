"""docs/reference/stack-outputs.md is generated from the contract (`components.outputs`): the
committed page must be what the model generates.

After changing the model, regenerate the page and review the diff:
``AMLSTACK_UPDATE_DOCS=1 uv run pytest tests/unit/test_stack_outputs_reference.py``.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import os
import types
import typing
from typing import Any

from pydantic import BaseModel

from components import outputs
from components.outputs import Outputs, StackOutputs
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "reference" / "stack-outputs.md"
UPDATE = os.environ.get("AMLSTACK_UPDATE_DOCS") == "1"
COMMAND = "AMLSTACK_UPDATE_DOCS=1 uv run pytest tests/unit/test_stack_outputs_reference.py"

INTRO = """\
What `pulumi stack output --json` prints for an amlstack stack (and what `amlstack plan` shows as
its `outputs`). The jobs package reads it: `amlstack job ...` and `amlstack model ...` find the
workspace, its computes, environments and datastores, and the registry here. No secret is ever
exported.

Every key is required unless it says when it is absent. Reading is strict: a missing key, or an
unknown key inside one of the objects below, is an error that names the key and the stack (exit
code 2). Unknown keys at the top level are ignored: the stack's outputs are shared with whatever
else its program exports. `<key>` and `<name>` stand for the names the stack config gives.
"""


def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """The attribute docstrings of `model`'s fields, read from its source."""
    tree = ast.parse(inspect.getsource(model))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for statement, following in itertools.pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = following.value.value
    return docs


def models_in(annotation: Any) -> list[type[Outputs]]:
    """The `Outputs` models an annotation holds (through Annotated, unions, maps)."""
    if isinstance(annotation, type) and issubclass(annotation, Outputs):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in models_in(arg)]


def type_text(annotation: Any, anchors: dict[type[Outputs], str]) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0], anchors)
    if origin is typing.Literal:
        return " or ".join(f"`{value}`" for value in args)
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        return " or ".join(type_text(arg, anchors) for arg in present)
    if origin is dict:
        return f"map to {type_text(args[1], anchors)}"
    if origin is tuple:
        return f"list of {type_text(args[0], anchors)}"
    if annotation in anchors:
        return f"[{annotation.__name__}](#{anchors[annotation]})"
    return {str: "string", int: "integer", bool: "boolean", typing.Any: "any value"}[annotation]


def sections() -> list[tuple[str, type[Outputs]]]:
    """(key path, model) of every object of the document, top level first."""
    found: list[tuple[str, type[Outputs]]] = [("", StackOutputs)]
    for path, model in found:
        prefix = f"{path}." if path else ""
        for name, info in model.model_fields.items():
            key = f"{prefix}{info.alias}"
            if typing.get_origin(info.annotation) is dict:
                key += ".<key>" if name in ("workspaces", "endpoints") else ".<name>"
            seen = {m for _, m in found}
            found += [(key, m) for m in models_in(info.annotation) if m not in seen]
    return found


def render() -> str:
    found = sections()
    anchors = {model: model.__name__.lower() for _, model in found}
    lines = [
        "# Stack outputs",
        "",
        f"<!-- Generated from components/outputs.py by {COMMAND}; do not edit. -->",
        "",
        INTRO,
    ]
    for path, model in found:
        docs = field_docs(model)
        lines += [
            f'<a id="{anchors[model]}"></a>',
            f"## `{path}`: {model.__name__}" if path else f"## Top level: {model.__name__}",
            "",
            markdown(model.__doc__ or ""),
            "",
            "| key | type | meaning |",
            "|---|---|---|",
        ]
        for name, info in model.model_fields.items():
            optional = not info.is_required() and info.default is None  # left out when None
            kind = type_text(info.annotation, anchors) + (", optional" if optional else "")
            lines.append(f"| `{info.alias}` | {kind} | {markdown(docs[name])} |")
        lines.append("")
    return "\n".join(lines)


def markdown(docstring: str) -> str:
    """A docstring on one line, its reStructuredText code spans as Markdown ones."""
    return " ".join(inspect.cleandoc(docstring).split()).replace("``", "`")


def test_every_field_of_the_contract_is_documented() -> None:
    for _, model in sections():
        assert set(field_docs(model)) == set(model.model_fields), model.__name__


def test_the_reference_page_is_generated_from_the_model() -> None:
    page = render()
    if UPDATE:
        PAGE.parent.mkdir(parents=True, exist_ok=True)
        PAGE.write_text(page)
    assert PAGE.is_file(), f"{PAGE} is missing; create it with {COMMAND}"
    assert PAGE.read_text() == page, (
        f"{PAGE.relative_to(ROOT)} differs from what components/outputs.py generates; "
        f"regenerate it with {COMMAND} and review the diff"
    )


def test_the_page_lists_every_model_of_the_module() -> None:
    documented = {model for _, model in sections()}
    defined = {
        value
        for value in vars(outputs).values()
        if isinstance(value, type) and issubclass(value, Outputs) and value is not Outputs
    }
    assert documented == defined
