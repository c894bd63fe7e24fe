"""The config reference (``docs/reference/*.md``), generated from the models' docstrings.

Every key of a stack file is a field of `infra.config.StackConfig` or of a model under it; each
page documents the models from one key down, one section per model with a table of its keys:
type, default (and what each tier preset starts from instead) and the field's docstring.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined, to_jsonable_python

from infra.config import StackConfig
from infra.reference.docstrings import field_docs, model_doc
from infra.tiers import TIER_PRESETS

__all__ = ["PAGES", "REFERENCE_DIR", "Page", "reference_pages"]

REFERENCE_DIR = "docs/reference"
"""Where the generated pages live, relative to the project directory."""


@dataclass(frozen=True)
class Page:
    """One reference page: the models from the key path `keys` of the stack config down."""

    file: str
    title: str
    keys: tuple[str, ...]
    intro: str


PAGES = (
    Page(
        "stack.md",
        "Stack file",
        (),
        "The top-level keys of `Pulumi.<stack>.yaml`, under `config:` with the `amlstack:` "
        "prefix. Only `location` and one workspace are required.",
    ),
    Page(
        "workspace.md",
        "Workspaces",
        ("workspaces",),
        "Each entry of `amlstack:workspaces` is one Azure ML workspace with its storage, key "
        "vault, container registry, monitoring and identity. Defaults are the secure (prod) "
        "choice; a `tier: dev` stack starts from the dev presets shown beside them.",
    ),
    Page(
        "computes.md",
        "Computes",
        ("workspaces", "computes"),
        "Compute clusters for jobs and compute instances for people, under a workspace's "
        "`computes` key.",
    ),
    Page(
        "datastores.md",
        "Datastores",
        ("workspaces", "datastores"),
        "A workspace's `datastores`: identity-based pointers to blob containers, ADLS Gen2 file "
        "systems and file shares.",
    ),
    Page(
        "environments.md",
        "Environments",
        ("workspaces", "environments"),
        "A workspace's `environments`: curated, system-managed (image and conda file) and "
        "user-managed (Docker build context or image).",
    ),
    Page(
        "endpoints.md",
        "Online endpoints",
        ("workspaces", "endpoints"),
        "A workspace's managed online `endpoints`, their deployments and the traffic split.",
    ),
    Page(
        "registry.md",
        "Azure ML registry",
        ("registry",),
        "The Azure ML registry a stack owns (`amlstack:registry`), shared by the stacks that "
        "name it in `amlstack:registryStack`.",
    ),
)


def reference_pages() -> dict[str, str]:
    """Each page's file name and Markdown text."""
    roots = {page.keys: page for page in PAGES}
    return {page.file: _render(page, roots) for page in PAGES}


@dataclass(frozen=True)
class _Section:
    keys: tuple[str, ...]
    model: type[BaseModel]
    many: bool  # a list of these (``workspaces[]``)


def _render(page: Page, roots: Mapping[tuple[str, ...], Page]) -> str:
    model, many = _model_at(page.keys)
    lines = [
        "<!-- Generated from the Args models: uv run python -m infra.reference. Do not edit. -->",
        "",
        f"# {page.title}",
        "",
        page.intro,
        "",
    ]
    for section in _sections(_Section(page.keys, model, many), roots, page):
        lines += _section(section, roots, page)
    return "\n".join(lines).rstrip() + "\n"


def _model_at(keys: tuple[str, ...]) -> tuple[type[BaseModel], bool]:
    model: type[BaseModel] = StackConfig
    many = False
    for key in keys:
        info = _by_alias(model)[key]
        found = _models_in(info.annotation)
        if len(found) != 1:
            raise ValueError(f"reference page at {'.'.join(keys)}: {key} is not one model")
        model, many = found[0], _is_list(info.annotation)
    return model, many


def _sections(
    section: _Section, roots: Mapping[tuple[str, ...], Page], page: Page
) -> Iterator[_Section]:
    yield section
    for alias, info in _by_alias(section.model).items():
        keys = (*section.keys, alias)
        if keys in roots and roots[keys] is not page:
            continue
        for model in _models_in(info.annotation):
            yield from _sections(_Section(keys, model, _is_list(info.annotation)), roots, page)


def _section(section: _Section, roots: Mapping[tuple[str, ...], Page], page: Page) -> list[str]:
    heading = _display(section.keys, section.many)
    suffix = f" ({section.model.__name__.removesuffix('Args')})" if _shared_path(section) else ""
    lines = [f"## `{heading}`{suffix} {{ #{_anchor(section)} }}", ""]
    doc = model_doc(section.model)
    if doc:
        lines += [_one_line(doc), ""]
    lines += ["| key | type | default | description |", "|---|---|---|---|"]
    docs = field_docs(section.model)
    for name, info in section.model.model_fields.items():
        alias = info.alias or name
        keys = (*section.keys, alias)
        kind = _type(info.annotation, keys, roots, page) + _bounds(tuple(info.metadata))
        default = _default(info, keys)
        models = _models_in(info.annotation)
        doc = docs.get(name) or (model_doc(models[0]) if len(models) == 1 else "")
        lines.append(f"| `{alias}` | {kind} | {default} | {_cell(doc)} |")
    return [*lines, ""]


def _shared_path(section: _Section) -> bool:
    """Whether other models sit at the same key path (the members of a tagged union)."""
    info = (
        _by_alias(_model_at(section.keys[:-1])[0]).get(section.keys[-1]) if section.keys else None
    )
    return info is not None and len(_models_in(info.annotation)) > 1


def _anchor(section: _Section) -> str:
    parts = [*section.keys] or ["stack"]
    if _shared_path(section):
        parts.append(section.model.__name__.removesuffix("Args"))
    return "-".join(part.lower() for part in parts)


def _display(keys: tuple[str, ...], many: bool) -> str:
    if not keys:
        return "amlstack:*"
    text = "amlstack:" + keys[0]
    for index, key in enumerate(keys[1:], start=1):
        text += ("[]." if _list_at(keys[:index]) else ".") + key
    return text + ("[]" if many else "")


def _list_at(keys: tuple[str, ...]) -> bool:
    parent, _ = _model_at(keys[:-1])
    return _is_list(_by_alias(parent)[keys[-1]].annotation)


def _type(
    annotation: Any,
    keys: tuple[str, ...],
    roots: Mapping[tuple[str, ...], Page],
    page: Page,
) -> str:
    """How a value of `annotation` is written, with links to the sections of its models."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0], keys, roots, page) + _bounds(args[1:])
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        members = [a for a in args if a is not type(None)]
        return " or ".join(_type(a, keys, roots, page) for a in members)
    if origin is typing.Literal:
        return ", ".join(f"`{value}`" for value in args)
    if origin in (tuple, list):
        return "list of " + _type(args[0], keys, roots, page)
    if origin is dict:
        return "map of string to " + _type(args[1], keys, roots, page)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _link(annotation, keys, roots, page)
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))


_SCALARS: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    SecretStr: "secret string",
    timedelta: "duration",
    datetime: "date and time",
}


def _bounds(metadata: tuple[Any, ...]) -> str:
    return "".join(_bound(item) for item in metadata)


def _bound(item: Any) -> str:
    if isinstance(item, annotated_types.Ge):
        return f", at least {item.ge}"
    if isinstance(item, annotated_types.Le):
        return f", at most {item.le}"
    return ""


def _link(
    model: type[BaseModel],
    keys: tuple[str, ...],
    roots: Mapping[tuple[str, ...], Page],
    page: Page,
) -> str:
    owner = next((p for k, p in roots.items() if k == keys and p is not page), None)
    target = owner or page
    section = _Section(keys, model, False)
    name = model.__name__.removesuffix("Args") if _shared_path(section) else "mapping"
    file = "" if target is page else target.file
    return f"[{name}]({file}#{_anchor(section)})"


def _default(info: FieldInfo, keys: tuple[str, ...]) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value: object = info.default_factory()  # type: ignore[call-arg]
        shown = "see below" if isinstance(value, BaseModel) else _code(value)
    else:
        shown = "none" if info.default is None else _code(info.default)
    presets = [
        f"{tier}: {_code(preset)}"
        for tier, preset in _tier_presets(keys[1:] if keys[:1] == ("workspaces",) else None)
    ]
    return "<br>".join([shown, *presets])


def _tier_presets(keys: tuple[str, ...] | None) -> Iterator[tuple[str, object]]:
    if not keys:
        return
    for tier, presets in TIER_PRESETS.items():
        value: object = presets
        for key in keys:
            value = value.get(key, PydanticUndefined) if isinstance(value, Mapping) else None
        if value is not PydanticUndefined and value is not None and not isinstance(value, Mapping):
            yield tier, value


def _code(value: object) -> str:
    shown = to_jsonable_python(value)
    text = shown if isinstance(shown, str) and shown else _json(shown)
    return f"`{text}`".replace("|", "\\|")


def _json(value: object) -> str:
    return json.dumps(value, separators=(", ", ": "))


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _by_alias(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {info.alias or name: info for name, info in model.model_fields.items()}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += [m for m in _models_in(arg) if m not in found]
    return found


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (tuple, list):
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation) if typing.get_origin(arg))
