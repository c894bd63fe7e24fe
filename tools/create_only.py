"""Regenerate ``infra/plan/create_only.json``: which input changes replace a resource.

    uv run python tools/create_only.py METADATA --plan PLAN.json [--plan ...] [--check]

METADATA is pulumi-azure-native's provider metadata (``bin/metadata-compact.json`` of a build of
the tag that ``uv.lock`` pins, the file the provider embeds and diffs with). PLAN files are
``amlstack plan STACK --json`` outputs; their custom resource types are the ones listed. The
table is written in place (``--check``: compared, exit 1 on a difference).

The rules are the provider's own (``provider/pkg/provider/diff.go``, ``calculateDetailedDiff``):

- every parameter in the resource's URL path replaces (its SDK name: ``resourceGroupName``,
  ``workspaceName``, ``accountName``, ``scope``, ...);
- a body property marked ``forceNew`` replaces (set from ``x-ms-mutability`` without ``update``
  and from the provider's hand-kept ``forceNewMap`` in ``provider/pkg/gen/replacement.go``);
- one level down, through a ``$ref`` (``name.sub``) or an array's items ``$ref``
  (``name[].sub``), a property marked ``forceNew`` or ``forceNewInferredFromReferencedTypes``
  (on by default since 3.0, ``PULUMI_FORCE_NEW_FROM_SUBTYPES``) replaces; the nested key starts
  with the outer property's wire name, as diff.go builds it.

What the diff does not reach (below a ``oneOf`` union such as an OnlineDeployment's
``properties``, or deeper than one level) but the metadata marks create-only is listed under
``createOnly``: ``pulumi up`` sends it as an in-place update, which Azure refuses or ignores.

Types the metadata does not have (amlstack's dynamic providers, StackReference) and entries whose
reason is not one of this tool's keep their hand-written rows from the existing table, so cited
evidence that no metadata carries (a spec's description, a documented Azure limit) survives.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from infra.plan.create_only import covers

TABLE = Path(__file__).resolve().parent.parent / "infra" / "plan" / "create_only.json"

PATH = "path parameter"
FORCE_NEW = "forceNew in the provider metadata"
FROM_SUBTYPE = "forceNew inferred from the referenced type (x-ms-mutability)"
UNREACHED = "create-only in the provider metadata, below what the provider's diff inspects"
GENERATED = frozenset({PATH, FORCE_NEW, FROM_SUBTYPE, UNREACHED})
_PROVIDED = frozenset({"subscriptionId", "api-version"})  # set by the provider, not inputs

Json = dict[str, Any]


def _name(name: str, prop: Mapping[str, Any]) -> str:
    return str(prop.get("sdkName") or name)


def _creates_only(prop: Mapping[str, Any]) -> bool:
    return bool(prop.get("forceNew") or prop.get("forceNewInferredFromReferencedTypes"))


def _refs(prop: Mapping[str, Any]) -> list[str]:
    refs = [prop["$ref"]] if prop.get("$ref") else []
    return refs + list(prop.get("oneOf") or [])


class _Types:
    def __init__(self, types: Mapping[str, Json]) -> None:
        self._types = types

    def properties(self, ref: str) -> Mapping[str, Json]:
        typ = self._types.get(ref.removeprefix("#/types/"), {})
        return dict(typ.get("properties") or {})


def _unreached(
    types: _Types, base: str, props: Mapping[str, Json], seen: frozenset[str]
) -> Iterable[str]:
    """Create-only paths at and below `props` (cycle-safe), for `createOnly`."""
    for name, prop in props.items():
        path = f"{base}{_name(name, prop)}"
        if _creates_only(prop):
            yield path
        for ref in _refs(prop):
            if ref not in seen:
                yield from _unreached(types, f"{path}.", types.properties(ref), seen | {ref})
        items = prop.get("items") or {}
        for ref in _refs(items):
            if ref not in seen:
                yield from _unreached(types, f"{path}[].", types.properties(ref), seen | {ref})


def type_rules(resource: Mapping[str, Any], types: Mapping[str, Json]) -> Json:
    """The ``replaces`` and ``createOnly`` rows of one resource type, from its metadata."""
    lookup = _Types(types)
    replaces: dict[str, str] = {}
    body: dict[str, Json] = {}
    for param in resource.get("PUT") or []:
        if param.get("location") == "path" and param["name"] not in _PROVIDED:
            replaces[_name(param["name"], param.get("value") or {})] = PATH
        body |= (param.get("body") or {}).get("properties") or {}
    for name, prop in body.items():
        if prop.get("forceNew"):
            replaces[_name(name, prop)] = FORCE_NEW
        nested = [("", ref) for ref in [prop.get("$ref")] if ref]
        nested += [("[]", ref) for ref in [(prop.get("items") or {}).get("$ref")] if ref]
        for suffix, ref in nested:
            for sub, sub_prop in lookup.properties(ref).items():
                path = f"{name}{suffix}.{_name(sub, sub_prop)}"
                if sub_prop.get("forceNew"):
                    replaces[path] = FORCE_NEW
                elif sub_prop.get("forceNewInferredFromReferencedTypes"):
                    replaces[path] = FROM_SUBTYPE
    create_only = {
        path: UNREACHED
        for path in _unreached(lookup, "", body, frozenset())
        if not any(covers(rule, path) for rule in replaces)
    }
    return {
        "apiVersion": resource.get("apiVersion", ""),
        "createOnly": dict(sorted(create_only.items())),
        # amlstack names every Azure resource, so the provider deletes before it re-creates.
        "deleteBeforeReplace": True,
        "replaces": dict(sorted(replaces.items())),
    }


def _merge(generated: Json, previous: Json) -> Json:
    """`generated`, plus the rows of `previous` this tool did not write."""
    merged = dict(previous) | {key: generated[key] for key in ("apiVersion", "deleteBeforeReplace")}
    for key in ("replaces", "createOnly"):
        kept = {p: why for p, why in (previous.get(key) or {}).items() if why not in GENERATED}
        merged[key] = dict(sorted((kept | generated[key]).items()))
    return merged


def plan_types(plans: Iterable[Json]) -> set[str]:
    """The custom resource types of plan JSON documents."""
    return {r["type"] for plan in plans for r in plan["resources"] if r["custom"]}


def regenerate(metadata: Json, tokens: Iterable[str], table: Json) -> Json:
    """The table for `tokens`: from `metadata` where it has the type, else `table`'s row."""
    rows: Json = {}
    for token in sorted(tokens):
        previous = (table.get("types") or {}).get(token)
        resource = (metadata.get("resources") or {}).get(token)
        if resource is None:
            if previous is None:
                raise SystemExit(f"{token}: not in the metadata and no hand-written row")
            rows[token] = previous
            continue
        generated = type_rules(resource, metadata.get("types") or {})
        rows[token] = _merge(generated, previous or {}) if previous else generated
    return {**table, "types": rows}


def dump(table: Json) -> str:
    """The table as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(table, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metadata", type=Path)
    parser.add_argument("--plan", type=Path, action="append", required=True)
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    table = json.loads(args.table.read_text())
    plans = [json.loads(path.read_text()) for path in args.plan]
    text = dump(regenerate(json.loads(args.metadata.read_text()), plan_types(plans), table))
    if args.check:
        if text != args.table.read_text():
            print(f"{args.table} differs from what the metadata gives", file=sys.stderr)
            return 1
        return 0
    args.table.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
