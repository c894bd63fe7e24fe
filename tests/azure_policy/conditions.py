"""The condition language of an Azure Policy rule, evaluated against one ARM resource.

Follows Microsoft's reference (articles/governance/policy/concepts/definition-structure-policy-rule
and how-to/author-policies-for-arrays in MicrosoftDocs/azure-docs):

- ``allOf`` / ``anyOf`` / ``not``; keys and operator names are case-insensitive.
- ``field`` conditions read an alias (``Microsoft.Storage/storageAccounts/minimumTlsVersion``)
  through its ARM path (``properties.minimumTlsVersion``). A path with ``[*]`` selects a
  collection and the condition must hold for *every* selected value (so an empty collection
  passes); a member that lacks the property contributes a missing value.
- ``value`` conditions compare an expression; ``count`` counts array members (``field`` count,
  with ``where`` evaluated as if the member were the array's only one) or values (``value`` count,
  members read with ``current(name)``).
- String comparisons ignore case; ``"true"`` equals the boolean true (the built-ins write both).
  A missing property fails ``equals``, ``in``, ``like``, ``contains`` and passes their negations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tests.azure_policy.expressions import ExpressionError, resolve

__all__ = ["MISSING", "ArmResource", "Context", "holds", "select"]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
"""A property the resource does not have (distinct from JSON null)."""


@dataclass(frozen=True)
class ArmResource:
    """A resource as Azure Policy sees it: its ARM id, type, name and request body."""

    id: str
    type: str
    name: str
    body: Mapping[str, Any]
    api_version: str = ""
    label: str = ""
    """Where it comes from (a plan URN, or what derived it): for reports."""

    @property
    def resource_group(self) -> str:
        parts = self.id.split("/")
        lowered = [p.lower() for p in parts]
        return parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered else ""


@dataclass(frozen=True)
class _Binding:
    """A count's current member: an array path (field count) or an index name (value count)."""

    key: str
    value: Any
    path: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Context:
    """What a condition is evaluated against."""

    resource: ArmResource
    """Read by ``field`` conditions (the related resource, in an existence condition)."""
    aliases: Mapping[str, str]
    """Alias (lower case) -> ARM path."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """The definition's parameters with their values (assignment value, else default)."""
    function_resource: ArmResource | None = None
    """Read by the ``field()`` function: the resource of the ``if`` condition."""
    bindings: tuple[_Binding, ...] = ()

    # --- the Scope of expressions --------------------------------------------------------------

    def field(self, name: str) -> Any:
        target = self.function_resource or self.resource
        collection, values = select(target, name, self.aliases, self.bindings)
        if collection:
            return [v for v in values if v is not MISSING]
        return None if values[0] is MISSING else values[0]

    def current(self, name: str | None) -> Any:
        if not self.bindings:
            raise ExpressionError("current() outside a count")
        if name is None:
            return self.bindings[-1].value
        for binding in reversed(self.bindings):
            if binding.path is None and binding.key.lower() == name.lower():
                return binding.value
        path = _alias_path(name, self.aliases)
        collection, values = select(self.resource, name, self.aliases, self.bindings)
        if not any(b.path is not None and _starts_with(path, b.path) for b in self.bindings):
            raise ExpressionError(f"current({name!r}) names no array being counted")
        present = [v for v in values if v is not MISSING]
        return (present[0] if present else None) if collection else values[0]

    def parameter(self, name: str) -> Any:
        for key, value in self.parameters.items():
            if key.lower() == name.lower():
                return value
        raise ExpressionError(f"parameter {name!r} has no value: the assignment must give it")

    def request_context(self) -> Mapping[str, Any]:
        return {"apiVersion": self.resource.api_version}

    def resource_group(self) -> Mapping[str, Any]:
        return {"name": self.resource.resource_group, "managedBy": None, "tags": {}}

    def bind(self, binding: _Binding) -> Context:
        return replace(self, bindings=(*self.bindings, binding))


# --- field selection -----------------------------------------------------------------------------

_TAG = re.compile(r"tags(?:\[\s*'?(?P<bracket>.+?)'?\s*\]|\.(?P<dot>.+))", re.IGNORECASE)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.lower().split("."))


def _starts_with(path: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    return path[: len(prefix)] == prefix


def _alias_path(name: str, aliases: Mapping[str, str]) -> tuple[str, ...]:
    path = aliases.get(name.lower())
    if path is None:
        raise ExpressionError(f"alias {name!r} is not in the alias table")
    return _segments(path)


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    for k, v in mapping.items():
        if k.lower() == key:
            return v
    return MISSING


def _walk(start: Any, segments: Sequence[str]) -> list[Any]:
    values = [start]
    for segment in segments:
        star = segment.endswith("[*]")
        name = segment.removesuffix("[*]")
        following = []
        for value in values:
            child = _get(value, name) if isinstance(value, Mapping) else MISSING
            if not star:
                following.append(child)
            elif isinstance(child, list):
                following.extend(child)
        values = following
    return values


def select(
    resource: ArmResource,
    name: str,
    aliases: Mapping[str, str],
    bindings: Sequence[_Binding] = (),
) -> tuple[bool, list[Any]]:
    """The values a field selects: (is it a collection, the values). A single value comes as a
    one-element list and may be `MISSING`."""
    lowered = name.lower()
    body = resource.body
    specials: dict[str, Any] = {
        "name": resource.name,
        "fullname": resource.name,
        "type": resource.type,
        "id": resource.id,
        "kind": _get(body, "kind"),
        "location": _get(body, "location"),
        "tags": _get(body, "tags"),
        "identity.type": _walk(body, ("identity", "type"))[0],
    }
    if lowered in specials:
        return False, [specials[lowered]]
    tag = _TAG.fullmatch(name)
    if tag is not None:
        tags = _get(body, "tags")
        key = (tag.group("bracket") or tag.group("dot")).replace("''", "'").lower()
        return False, [_get(tags, key) if isinstance(tags, Mapping) else MISSING]
    path = _alias_path(name, aliases)
    collection = any(s.endswith("[*]") for s in path)
    bound = [b for b in bindings if b.path is not None and _starts_with(path, b.path)]
    if bound:
        binding = max(bound, key=lambda b: len(b.path or ()))
        values = _walk(binding.value, path[len(binding.path or ()) :])
        return True, values
    values = _walk(body, path)
    if collection:
        return True, values
    return False, values or [MISSING]


# --- conditions ----------------------------------------------------------------------------------

_OPERATORS = (
    "equals",
    "notequals",
    "like",
    "notlike",
    "match",
    "notmatch",
    "matchinsensitively",
    "notmatchinsensitively",
    "contains",
    "notcontains",
    "in",
    "notin",
    "containskey",
    "notcontainskey",
    "less",
    "lessorequals",
    "greater",
    "greaterorequals",
    "exists",
)


def holds(condition: Mapping[str, Any], context: Context) -> bool:
    """Whether `condition` (a policy rule's ``if``, a ``where``, an existence condition) holds."""
    keys = {k.lower(): v for k, v in condition.items()}
    if "allof" in keys:
        return all(holds(c, context) for c in keys["allof"])
    if "anyof" in keys:
        return any(holds(c, context) for c in keys["anyof"])
    if "not" in keys:
        return not holds(keys["not"], context)
    operators = [op for op in _OPERATORS if op in keys]
    if len(operators) != 1:
        raise ExpressionError(f"expected one operator in {dict(condition)!r}")
    operator = operators[0]
    target = resolve(keys[operator], context)
    if "field" in keys:
        _, values = select(
            context.resource, resolve(keys["field"], context), context.aliases, context.bindings
        )
        return all(_compare(operator, v, target) for v in values)
    if "value" in keys:
        return _compare(operator, _none_is_missing(resolve(keys["value"], context)), target)
    if "count" in keys:
        return _compare(operator, _count(keys["count"], context), target)
    raise ExpressionError(f"a condition needs field, value or count: {dict(condition)!r}")


def _none_is_missing(value: Any) -> Any:
    return MISSING if value is None else value


def _count(spec: Mapping[str, Any], context: Context) -> int:
    keys = {k.lower(): v for k, v in spec.items()}
    where = keys.get("where")
    if "field" in keys:
        name = resolve(keys["field"], context)
        path = _alias_path(name, context.aliases)
        if not path[-1].endswith("[*]"):
            raise ExpressionError(f"count.field must be a [*] alias, not {name!r}")
        _, members = select(context.resource, name, context.aliases, context.bindings)
        members = [m for m in members if m is not MISSING]
        if where is None:
            return len(members)
        return sum(holds(where, context.bind(_Binding(name, m, path))) for m in members)
    if "value" in keys:
        values = resolve(keys["value"], context)
        if not isinstance(values, list):
            raise ExpressionError(f"count.value must be an array, not {values!r}")
        if where is None:
            return len(values)
        index = keys.get("name", "default")
        return sum(holds(where, context.bind(_Binding(index, v))) for v in values)
    raise ExpressionError(f"count needs field or value: {dict(spec)!r}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def _equal(left: Any, right: Any) -> bool:
    if left is MISSING:
        return False
    if isinstance(left, (Mapping, list)) or isinstance(right, (Mapping, list)):
        return bool(left == right)
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        if isinstance(left, bool) != isinstance(right, bool):
            return False
        return left == right
    return _text(left) == _text(right)


def _like(value: Any, pattern: Any) -> bool:
    if value is MISSING or value is None:
        return False
    regex = ".*".join(re.escape(part) for part in _text(pattern).split("*"))
    return re.fullmatch(regex, _text(value), re.DOTALL) is not None


def _match(value: Any, pattern: Any, *, ignore_case: bool) -> bool:
    if not isinstance(value, str):
        return False
    symbols = {"#": "[0-9]", "?": "[A-Za-z]", ".": "."}
    regex = "".join(symbols.get(c, re.escape(c)) for c in str(pattern))
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _order(left: Any, right: Any) -> int | None:
    if left is MISSING or left is None:
        return None
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return (left > right) - (left < right)
    if isinstance(left, (int, float)) or isinstance(right, (int, float)):
        try:
            x, y = float(left), float(right)
        except (TypeError, ValueError):
            return None
        return (x > y) - (x < y)
    a, b = _text(left), _text(right)
    return (a > b) - (a < b)


def _contains(container: Any, item: Any) -> bool:
    if container is MISSING or container is None:
        return False
    if isinstance(container, str):
        return _text(item) in container.lower()
    if isinstance(container, list):
        return any(_equal(member, item) for member in container)
    return False


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "exists":
        wanted = right if isinstance(right, bool) else _text(right) == "true"
        return (left is not MISSING) == wanted
    if operator in ("equals", "notequals"):
        return _equal(left, right) == (operator == "equals")
    if operator in ("in", "notin"):
        if not isinstance(right, list):
            raise ExpressionError(f"{operator} needs an array, not {right!r}")
        inside = any(_equal(left, member) for member in right)
        return inside == (operator == "in")
    if operator in ("like", "notlike"):
        return _like(left, right) == (operator == "like")
    if operator in ("contains", "notcontains"):
        return _contains(left, right) == (operator == "contains")
    if operator in ("containskey", "notcontainskey"):
        has = isinstance(left, Mapping) and _get(left, _text(right)) is not MISSING
        return has == (operator == "containskey")
    if operator.endswith("match") or operator.endswith("matchinsensitively"):
        matched = _match(left, right, ignore_case="insensitively" in operator)
        return matched == (not operator.startswith("not"))
    order = _order(left, right)
    if order is None:
        return False
    return {
        "less": order < 0,
        "lessorequals": order <= 0,
        "greater": order > 0,
        "greaterorequals": order >= 0,
    }[operator]
