"""Attribute docstrings of the `Args` models, read from their source with `ast`.

`components.args.Args` does not let pydantic collect them (``use_attribute_docstrings`` costs every
plan 0.1 s), so the reference and the schema read them here, only when they are generated.
"""

from __future__ import annotations

import ast
import inspect
import sys
from functools import cache
from itertools import pairwise
from pathlib import Path

from pydantic import BaseModel

__all__ = ["field_docs", "model_doc"]


def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """Each field's docstring by field name, inherited ones included (the nearest class wins)."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if issubclass(cls, BaseModel) and cls is not BaseModel:
            docs.update(_class_attribute_docs(cls.__module__, cls.__qualname__))
    return {name: docs[name] for name in model.model_fields if name in docs}


def model_doc(model: type[BaseModel]) -> str:
    """The model's own class docstring, cleaned; empty when it has none."""
    doc = model.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


@cache
def _class_attribute_docs(module: str, qualname: str) -> dict[str, str]:
    classes = _module_classes(module)
    node = classes.get(qualname) or classes.get(qualname.rsplit(".", 1)[-1])
    if node is None:
        return {}
    docs: dict[str, str] = {}
    for statement, following in pairwise(node.body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


@cache
def _module_classes(module: str) -> dict[str, ast.ClassDef]:
    source = getattr(sys.modules.get(module), "__file__", None)
    if source is None:
        return {}
    tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    nested = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    return nested | {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
