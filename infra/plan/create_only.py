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
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = ["TypeRules", "covers", "rules_for", "table"]

_TABLE = Path(__file__).with_name("create_only.json")
_INDEX = re.compile(r"\[\d+\]")


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

    def replacing(self, path: str) -> str | None:
        """Why a change at `path` replaces the resource, or None."""
        return _first(self.replaces, path)

    def fixed(self, path: str) -> str | None:
        """Why Azure cannot change `path` in place although the provider would try, or None."""
        if _first(self.updated_in_place, path) is not None:
            return None
        return _first(self.create_only, path)


def covers(rule: str, path: str) -> bool:
    """True when a change at `path` falls under `rule`: the same path or one below it."""
    path = _INDEX.sub("[]", path)
    return path == rule or path.startswith((f"{rule}.", f"{rule}["))


def _first(rules: Mapping[str, str], path: str) -> str | None:
    return next((why for rule, why in sorted(rules.items()) if covers(rule, path)), None)


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
