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
        "batch-endpoints.md",
        "Batch endpoints",
        ("workspaces", "batchEndpoints"),
        "A workspace's `batchEndpoints`: model and pipeline deployments that score data in "
        "batches on a compute cluster, and the endpoint's default deployment.",
    ),
    Page(
        "schedules.md",
        "Job schedules",
        ("workspaces", "schedules"),
        "A workspace's `schedules`: a job spec run on a cron or recurrence trigger.",
    ),
    Page(
        "connections.md",
        "Connections",
        ("workspaces", "connections"),
        "A workspace's (or hub's, or project's) `connections`: Azure OpenAI, AI Services, AI "
        "Search, container registries, Git, storage and APIs, identity-based by default; secrets "
        "only as `secure:` values or Key Vault references.",
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
    places = _places()
    return {page.file: _render(page, places) for page in PAGES}


@dataclass(frozen=True)
class _Place:
    """Where a model is documented: the key paths it appears at (as written in a stack file),
    its page and the anchor of its section there."""

    model: type[BaseModel]
    paths: tuple[tuple[tuple[str, ...], str], ...]  # (keys, display)
    page: Page
    anchor: str
    order: int
    """When a reader of its page meets it first."""

    @property
    def keys(self) -> tuple[str, ...]:
        return self.paths[0][0]


def _places() -> dict[type[BaseModel], _Place]:
    """Every model under `StackConfig`, in the order a reader meets them."""
    found: dict[type[BaseModel], list[tuple[tuple[str, ...], str]]] = {}
    visits: list[tuple[type[BaseModel], tuple[str, ...]]] = []

    def walk(model: type[BaseModel], keys: tuple[str, ...], display: str) -> None:
        seen = model in found
        found.setdefault(model, []).append((keys, display))
        visits.append((model, keys))
        if seen:
            return
        for alias, info in _by_alias(model).items():
            child = f"{display}{alias}" if display.endswith(":") else f"{display}.{alias}"
            child += "[]" if _is_list(info.annotation) else ""
            for member in _models_in(info.annotation):
                walk(member, (*keys, alias), child)

    walk(StackConfig, (), "amlstack:")
    by_path: dict[tuple[str, ...], int] = {}
    for paths in found.values():
        for keys, _ in paths:
            by_path[keys] = by_path.get(keys, 0) + 1
    places = {}
    for model, paths in found.items():
        keys = paths[0][0]
        homes = [_page_of(k) for k, _ in paths]
        page = max(homes, key=homes.count)  # the page most of its paths are on; the first wins
        name = _name(model).lower()
        if len(paths) > 1:
            anchor = name
        else:
            anchor = "-".join(keys).lower() or "stack"
            anchor += f"-{name}" if by_path[keys] > 1 else ""
        order = min(i for i, (m, k) in enumerate(visits) if m is model and _page_of(k) is page)
        places[model] = _Place(model, tuple(paths), page, anchor, order)
    return places


def _page_of(keys: tuple[str, ...]) -> Page:
    """The page of the longest key path `keys` starts with."""
    return max((p for p in PAGES if keys[: len(p.keys)] == p.keys), key=lambda p: len(p.keys))


def _name(model: type[BaseModel]) -> str:
    return model.__name__.removesuffix("Args")


def _render(page: Page, places: Mapping[type[BaseModel], _Place]) -> str:
    lines = [
        "<!-- Generated from the Args models: uv run python -m infra.reference. Do not edit. -->",
        "",
        f"# {page.title}",
        "",
        page.intro,
        "",
    ]
    for place in sorted(places.values(), key=lambda p: p.order):
        if place.page is page:
            lines += _section(place, places)
    return "\n".join(lines).rstrip() + "\n"


def _section(place: _Place, places: Mapping[type[BaseModel], _Place]) -> list[str]:
    model = place.model
    displays = [f"`{display.removesuffix(':') or 'amlstack:*'}`" for _, display in place.paths]
    if place.keys == ():
        lines = ["## `amlstack:*` { #stack }", ""]
    elif len(place.paths) > 1:
        lines = [f"## {_name(model)} {{ #{place.anchor} }}", "", f"At {', '.join(displays)}.", ""]
    else:
        union = place.anchor != "-".join(place.keys).lower()
        suffix = f" ({_name(model)})" if union else ""
        lines = [f"## {displays[0]}{suffix} {{ #{place.anchor} }}", ""]
    doc = model_doc(model)
    if doc:
        lines += [_one_line(doc), ""]
    lines += ["| key | type | default | description |", "|---|---|---|---|"]
    docs = field_docs(model)
    for name, info in model.model_fields.items():
        alias = info.alias or name
        keys = (*place.keys, alias)
        kind = _type(info.annotation, places, place.page) + _bounds(tuple(info.metadata))
        default = _default(info, keys)
        members = _models_in(info.annotation)
        doc = docs.get(name) or (model_doc(members[0]) if len(members) == 1 else "")
        lines.append(f"| `{alias}` | {kind} | {default} | {_cell(doc)} |")
    return [*lines, ""]


def _type(annotation: Any, places: Mapping[type[BaseModel], _Place], page: Page) -> str:
    """How a value of `annotation` is written, with links to the sections of its models."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0], places, page) + _bounds(args[1:])
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        members = [a for a in args if a is not type(None)]
        return " or ".join(_type(a, places, page) for a in members)
    if origin is typing.Literal:
        return ", ".join(f"`{value}`" for value in args)
    if origin in (tuple, list):
        return "list of " + _type(args[0], places, page)
    if origin is dict:
        return "map of string to " + _type(args[1], places, page)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        target = places[annotation]
        file = "" if target.page is page else target.page.file
        return f"[{_name(annotation)}]({file}#{target.anchor})"
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
