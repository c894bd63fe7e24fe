"""ARM template language expressions as Azure Policy rules use them: ``[parameters('x')]``,
``[equals(field('a'), 'b')]``, ``[split(field('p'), createArray(':', '.'))[0]]``...

A string that starts with ``[`` and ends with ``]`` is an expression (``[[`` escapes a literal
``[``); anything else is a literal. Functions are looked up case-insensitively; the ones that need
the evaluated resource (``field``, ``current``, ``parameters``, ``requestContext``,
``resourceGroup``) come from the caller's `Scope`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

__all__ = ["ExpressionError", "Scope", "evaluate_expression", "is_expression", "resolve"]

FIXED_NOW = datetime(2026, 1, 1, tzinfo=UTC)
"""``utcNow()``: a fixed instant, so evaluations are reproducible."""


class ExpressionError(ValueError):
    """An expression the evaluator cannot parse or run (Azure would fail the evaluation too)."""


class Scope(Protocol):
    """What the resource-dependent functions read."""

    def field(self, name: str) -> Any: ...
    def current(self, name: str | None) -> Any: ...
    def parameter(self, name: str) -> Any: ...
    def request_context(self) -> Mapping[str, Any]: ...
    def resource_group(self) -> Mapping[str, Any]: ...


def is_expression(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith("[")
        and value.endswith("]")
        and not value.startswith("[[")
    )


def resolve(value: Any, scope: Scope) -> Any:
    """`value` with its expression evaluated (literals as they are, ``[[`` unescaped)."""
    if is_expression(value):
        return evaluate_expression(value[1:-1], scope)
    if isinstance(value, str) and value.startswith("[["):
        return value[1:]
    return value


# --- parsing -------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w]*)"
    r"|(?P<punct>[(),.\[\]]))"
)


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[_Node, ...]


@dataclass(frozen=True)
class _Property:
    target: _Node
    name: str


@dataclass(frozen=True)
class _Index:
    target: _Node
    index: _Node


_Node = _Literal | _Call | _Property | _Index


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"cannot parse {text!r} at {position}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.position = 0

    def parse(self) -> _Node:
        node = self._expression()
        if self.position != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.position][1]!r} in {self.text!r}")
        return node

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, punct: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (punct is not None and token != ("punct", punct)):
            raise ExpressionError(f"expected {punct or 'a token'} in {self.text!r}")
        self.position += 1
        return token

    def _expression(self) -> _Node:
        node = self._primary()
        while (token := self._peek()) is not None and token[0] == "punct" and token[1] in ".[":
            self._take()
            if token[1] == ".":
                node = _Property(node, self._take()[1])
            else:
                node = _Index(node, self._expression())
                self._take("]")
        return node

    def _primary(self) -> _Node:
        kind, text = self._take()
        if kind == "string":
            return _Literal(text[1:-1].replace("''", "'"))
        if kind == "number":
            return _Literal(float(text) if "." in text else int(text))
        if kind == "name":
            if text.lower() in ("true", "false") and self._peek() != ("punct", "("):
                return _Literal(text.lower() == "true")
            self._take("(")
            args: list[_Node] = []
            if self._peek() != ("punct", ")"):
                args.append(self._expression())
                while self._peek() == ("punct", ","):
                    self._take()
                    args.append(self._expression())
            self._take(")")
            return _Call(text.lower(), tuple(args))
        raise ExpressionError(f"unexpected {text!r} in {self.text!r}")


# --- evaluation ----------------------------------------------------------------------------------


def evaluate_expression(text: str, scope: Scope) -> Any:
    """Evaluate the expression `text` (without its brackets)."""
    return _evaluate(_Parser(text).parse(), scope)


def _evaluate(node: _Node, scope: Scope) -> Any:
    if isinstance(node, _Literal):
        return node.value
    if isinstance(node, _Property):
        target = _evaluate(node.target, scope)
        if not isinstance(target, Mapping):
            raise ExpressionError(f"property {node.name!r} of a non-object {target!r}")
        return _get(target, node.name)
    if isinstance(node, _Index):
        target, index = _evaluate(node.target, scope), _evaluate(node.index, scope)
        if isinstance(target, Sequence) and not isinstance(target, str):
            if not isinstance(index, int) or not -len(target) <= index < len(target):
                raise ExpressionError(f"index {index!r} out of range of {target!r}")
            return target[index]
        if isinstance(target, Mapping):
            return _get(target, str(index))
        raise ExpressionError(f"cannot index {target!r}")
    if node.name == "if":  # lazy: only the branch taken is evaluated (as ARM does)
        condition, then, otherwise = node.args
        return _evaluate(then if _evaluate(condition, scope) else otherwise, scope)
    args = [_evaluate(arg, scope) for arg in node.args]
    scoped = _SCOPED.get(node.name)
    if scoped is not None:
        return scoped(scope, *args)
    function = _FUNCTIONS.get(node.name)
    if function is None:
        raise ExpressionError(f"function {node.name}() is not supported by the evaluator")
    return function(*args)


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    for k, v in mapping.items():
        if k.lower() == key.lower():
            return v
    return None


def _empty(value: Any) -> bool:
    return value is None or (hasattr(value, "__len__") and len(value) == 0)


def _split(text: Any, separators: Any) -> list[str]:
    if text is None:
        raise ExpressionError("split() of a null value")
    delimiters = [separators] if isinstance(separators, str) else list(separators)
    return re.split("|".join(re.escape(d) for d in delimiters), str(text))


def _compare(a: Any, b: Any) -> int:
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.lower(), b.lower()
    return int((a > b) - (a < b))


def _add_days(moment: str, days: int) -> str:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return (parsed + timedelta(days=int(days))).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "equals": lambda a, b: (
        (a.lower() == b.lower()) if isinstance(a, str) and isinstance(b, str) else a == b
    ),
    "not": lambda a: not a,
    "and": lambda *args: all(args),
    "or": lambda *args: any(args),
    "empty": _empty,
    "first": lambda a: a[0] if a else None,
    "last": lambda a: a[-1] if a else None,
    "length": lambda a: 0 if a is None else len(a),
    "split": _split,
    "createarray": lambda *args: list(args),
    "int": int,
    "string": _string,
    "bool": lambda a: a if isinstance(a, bool) else str(a).lower() == "true",
    "coalesce": lambda *args: next((a for a in args if a is not None), None),
    "padleft": lambda a, width, pad=" ": _string(a).rjust(int(width), str(pad)),
    "concat": lambda *args: (
        [x for a in args for x in a]
        if args and isinstance(args[0], list)
        else "".join(_string(a) for a in args)
    ),
    "tolower": lambda a: str(a).lower(),
    "toupper": lambda a: str(a).upper(),
    "contains": lambda container, item: (
        str(item).lower() in str(container).lower()
        if isinstance(container, str)
        else item in container
    ),
    "greater": lambda a, b: _compare(a, b) > 0,
    "greaterorequals": lambda a, b: _compare(a, b) >= 0,
    "less": lambda a, b: _compare(a, b) < 0,
    "lessorequals": lambda a, b: _compare(a, b) <= 0,
    "utcnow": lambda *_: FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
    "adddays": _add_days,
}

_SCOPED: dict[str, Callable[..., Any]] = {
    "field": lambda scope, name: scope.field(name),
    "current": lambda scope, name=None: scope.current(name),
    "parameters": lambda scope, name: scope.parameter(name),
    "requestcontext": lambda scope: scope.request_context(),
    "resourcegroup": lambda scope: scope.resource_group(),
}
