"""Which input changes replace a resource, and which Azure cannot make in place at all.

The data is ``create_only.json`` beside this module: for each resource type the stacks create,
the input paths whose change makes pulumi-azure-native replace the resource (``replaces``), the
paths Azure treats as fixed at creation although the provider would send an update
(``createOnly``), and whether a replace deletes first. Its header says the provider version, the
sources and the command that regenerates it (``tools/create_only.py``); the page
``docs/internals/replacements.md`` explains the rules.

Paths are plan inputs in camelCase (``properties.codeConfiguration.codeId``), a rule covers the
paths below it, and an array index (``[0]``) matches the rule's ``[]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = ["PATH_PARAMETER", "TypeRules", "covers", "rules_for", "table"]

_TABLE = Path(__file__).with_name("create_only.json")
_INDEX = re.compile(r"\[\d+\]")

PATH_PARAMETER = "path parameter"
"""The reason of a ``replaces`` path that is a parameter of the ARM id (what
``tools/create_only.py`` writes for one, its ``PATH``)."""


@dataclass(frozen=True)
class TypeRules:
    """The replacement rules of one resource type (a row of the table)."""

    api_version: str
    replaces: Mapping[str, str]
    """Input path -> why a change there replaces the resource."""
    create_only: Mapping[str, str]
    """Input path -> why Azure cannot change it in place (the provider would try an update)."""
    updated_in_place: Mapping[str, str]
    """Input path -> why a create-only path is an ordinary update after all (Azure's documents)."""
    delete_before_replace: bool
    """True when a replace deletes the old resource before creating the new one."""

    @cached_property
    def fixed_paths(self) -> Mapping[str, str]:
        """The `create_only` paths `fixed` holds to (those not updated in place after all), in
        the table's order: path -> why."""
        return MappingProxyType(
            {p: why for p, why in self.create_only.items() if self.fixed(p) is not None}
        )

    @cached_property
    def path_parameters(self) -> tuple[str, ...]:
        """The `replaces` paths that are parameters of the ARM id (`PATH_PARAMETER`), sorted."""
        return tuple(sorted(p for p, why in self.replaces.items() if why == PATH_PARAMETER))

    def replacing(self, path: str, *, below: bool = False) -> str | None:
        """Why a change at `path` replaces the resource, or None. With `below`, also why a rule
        strictly below `path` applies: a value added, removed or re-kinded as a whole changes
        what is below it."""
        why = _first(self.replaces, path)
        return _below(self.replaces, path) if below and not why else why

    def fixed(self, path: str, *, below: bool = False) -> str | None:
        """Why Azure cannot change `path` in place although the provider would try, or None.
        With `below`, also why one of the `fixed_paths` strictly below `path` applies."""
        if _first(self.updated_in_place, path) is None:
            why = _first(self.create_only, path)
            if why is not None:
                return why
        return _below(self.fixed_paths, path) if below else None


def covers(rule: str, path: str) -> bool:
    """True when a change at `path` falls under `rule`: the same path or one below it."""
    path = _INDEX.sub("[]", path)
    return path == rule or path.startswith((f"{rule}.", f"{rule}["))


def _first(rules: Mapping[str, str], path: str) -> str | None:
    """Why the first of `rules` that covers `path` applies (the path or one above it)."""
    return next((why for rule, why in sorted(rules.items()) if covers(rule, path)), None)


def _below(rules: Mapping[str, str], path: str) -> str | None:
    """Why the first of `rules` that `path` covers applies (a rule below it: the other half of
    `_first`)."""
    return next((why for rule, why in sorted(rules.items()) if covers(path, rule)), None)


@cache
def table() -> Mapping[str, Any]:
    """The whole table as committed (header, engine rules, types)."""
    return MappingProxyType(json.loads(_TABLE.read_text()))


@cache
def rules_for(type_token: str) -> TypeRules | None:
    """The rules of `type_token` (``azure-native:storage:StorageAccount``), None if not listed."""
    row = table()["types"].get(type_token)
    if row is None:
        return None
    return TypeRules(
        api_version=row["apiVersion"],
        replaces=MappingProxyType(dict(row["replaces"])),
        create_only=MappingProxyType(dict(row["createOnly"])),
        updated_in_place=MappingProxyType(dict(row.get("updatedInPlace", {}))),
        delete_before_replace=bool(row["deleteBeforeReplace"]),
    )
