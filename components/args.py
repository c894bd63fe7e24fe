"""The base of every component's arguments: validated on construction, errors that name the key.

Arguments are plain data (pydantic models) so that the same class validates a stack's YAML config
and a Python caller's keywords, and both get the same message: the key, the value, what is allowed.
Keys are snake_case in Python and camelCase in stack config (``max_nodes`` / ``maxNodes``).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from components.errors import MISSING, UNKNOWN_KEY, AmlStackError, ConfigError, ConfigProblem

__all__ = [
    "Args",
    "RepeatedValuesError",
    "check_project_path",
    "check_unique",
    "config_error_from",
    "item_key",
    "repeated",
    "spelt_as",
]

_DURATION = "expected a duration: ISO 8601 like 'PT30M' or 'P1DT12H', or a number of seconds"
_DATETIME = "expected a date and time like '2025-01-31T19:00:00' (ISO 8601)"
_MAPPING = "expected a mapping of keys to values"


class Args(BaseModel):
    """Immutable, validated arguments; unknown keys are errors, not silently ignored.

    A subclass may name keys that belong elsewhere in `unknown_key_hints` (key -> where it
    belongs): the error for such a key says so instead of listing the allowed keys.
    """

    unknown_key_hints: ClassVar[Mapping[str, str]] = {}

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=True,
    )
    # Fields are documented by attribute docstrings, for readers; pydantic's
    # use_attribute_docstrings would re-read every model's source at import (0.1 s of each plan)
    # to fill descriptions that nothing reads.

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise config_error_from(
                exc, model=type(self), at=type(self).__name__, data=data
            ) from None

    # Like BaseModel.__init__, this only wraps validation: nested models are still validated by
    # pydantic-core (their errors keep the full path), instead of calling this once per level.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def parse(cls, data: object, *, at: str) -> Self:
        """Validate `data` (as read from stack config); `at` names its location in messages."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise config_error_from(exc, model=cls, at=at, data=data) from None


def repeated(values: Sequence[str]) -> list[str]:
    """The values that occur more than once, sorted (for "names must be unique" checks)."""
    return sorted({value for value in values if values.count(value) > 1})


class RepeatedValuesError(AmlStackError, ValueError):
    """Some values occur more than once where each must be unique (see `check_unique`)."""

    def __init__(self, rule: str, values: Sequence[str]) -> None:
        self.values = list(values)
        super().__init__(f"{rule}; repeated: {', '.join(self.values)}")


def check_unique(values: Sequence[str], rule: str) -> None:
    """Raise `RepeatedValuesError` (``<rule>; repeated: <values>``) when some value occurs more than
    once. In a validator, the error shows the repeated values, not the whole list."""
    twice = repeated(values)
    if twice:
        raise RepeatedValuesError(rule, twice)


def check_project_path(value: str, what: str) -> str:
    """`value` if it is a relative path inside the project (neither absolute nor through ``..``,
    with '/' or '\\' as separator); else ``ValueError("expected <what> inside the project,
    relative to Pulumi.yaml")``."""
    if value.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", value):
        raise ValueError(f"expected {what} inside the project, relative to Pulumi.yaml")
    return value


def spelt_as(literal: object, *, ignoring: str = "") -> BeforeValidator:
    """For ``Annotated[literal, spelt_as(literal)]``: a string that is one of the ``Literal``'s
    values in any case (and with any of the characters `ignoring` left out or added) becomes that
    value; anything else is left for the ``Literal`` to refuse."""
    drop = str.maketrans("", "", ignoring)
    names = {str(value).translate(drop).lower(): value for value in typing.get_args(literal)}

    def normalize(value: Any) -> Any:
        if isinstance(value, str):
            return names.get(value.translate(drop).lower(), value)
        return value

    return BeforeValidator(normalize)


def item_key(item: object, index: int) -> str:
    """A list item in an error path: ``[vision]`` when the item has a ``name``, else ``[1]``."""
    name = item.get("name") if isinstance(item, dict) else getattr(item, "name", None)
    return f"[{name}]" if isinstance(name, str) and name else f"[{index}]"


def config_error_from(
    exc: ValidationError, *, model: type[BaseModel], at: str, data: object = None
) -> ConfigError:
    """Turn pydantic's errors into `ConfigError` problems: field path, value, what is allowed.

    With `data` (what was validated), list items in paths are named by their ``name`` key
    (``workspaces[vision].endpoints[demand]``) rather than their index."""
    errors = exc.errors(include_url=False)
    failed_items = {
        tuple(e["loc"][:i])
        for e in errors
        for i, part in enumerate(e["loc"])
        if isinstance(part, int)
    }
    problems: list[ConfigProblem] = []
    for error in errors:
        if error["type"] == "too_short" and tuple(error["loc"]) in failed_items:
            continue  # the list is short only because some of its items are invalid
        place = _place(model, tuple(error["loc"]))
        if place.scalar_member and isinstance(error.get("input"), dict):
            continue  # a mapping was meant for the model member of the union, reported apart
        problem = _problem(error, place, at, data)
        last = problems[-1] if problems else None
        if last and (last.field, last.value) == (problem.field, problem.value):
            # One value no member of a union accepts: one problem saying what each accepts.
            problems[-1] = replace(
                last,
                allowed=f"{last.allowed}, or {problem.allowed}",
                secret=last.secret or problem.secret,
            )
        else:
            problems.append(problem)
    return ConfigError(problems)


def _problem(error: Any, place: _Place, at: str, data: object) -> ConfigProblem:
    kind, loc = error["type"], place.loc
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        # The discriminator key (``credentials.type``) is what is wrong, not the whole mapping.
        field = _path(at, (*loc, str(error["ctx"]["discriminator"]).strip("'")), data)
        if kind == "union_tag_not_found":
            return ConfigProblem(field, MISSING, "this key is required")
        *others, last = error["ctx"]["expected_tags"].split(", ")
        return ConfigProblem(field, error["ctx"]["tag"], f"expected {', '.join(others)} or {last}")
    value = {"missing": MISSING, "extra_forbidden": UNKNOWN_KEY}.get(kind, error.get("input"))
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, RepeatedValuesError):
        return ConfigProblem(
            field=_path(at, loc, data),
            value=cause.values,
            allowed=_allowed(error, place.parent, loc),
        )
    return ConfigProblem(
        field=_path(at, loc, data),
        value=value,
        allowed=_allowed(error, place.parent, loc),
        secret=_may_reveal_secret(place.annotation, value),
    )


def _path(at: str, loc: tuple[int | str, ...], data: object) -> str:
    text = at if loc else at.rstrip(":")
    for part in loc:
        if isinstance(part, int):
            item = data[part] if isinstance(data, list | tuple) and part < len(data) else None
            text += item_key(item, part)
            data = item
            continue
        data = data.get(part) if isinstance(data, dict) else None
        if text.endswith(":") or not text:
            text += part
        else:
            text += f".{part}"
    return text


_EXPECTED = {
    "time_delta_parsing": _DURATION,
    "time_delta_type": _DURATION,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
}


def _allowed(error: Any, parent: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "this key is required"
    if kind == "extra_forbidden":
        known = sorted(_aliases(parent)) if parent else []
        if not known:
            return "remove this key"
        key = str(loc[-1])
        hint_elsewhere = (
            parent.unknown_key_hints.get(key)
            if isinstance(parent, type) and issubclass(parent, Args)
            else None
        )
        if parent is not None and hint_elsewhere:
            return f"{key!r} is not a key of {parent.__name__}; {hint_elsewhere}"
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key {key!r}; {hint}allowed keys: {', '.join(known)}"
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    message = str(error["msg"])
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if message.startswith("Input should be"):
        message = "expected" + message.removeprefix("Input should be")
    # Tuple fields are lists in YAML and JSON.
    return message.replace("a valid tuple", "a list")


def _aliases(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


@dataclass(frozen=True)
class _Place:
    """Where an error is: its key path as written in config, the model holding the last key,
    that key's annotation (when known), and whether it is a scalar member of a union."""

    loc: tuple[int | str, ...]
    parent: type[BaseModel] | None
    annotation: Any
    scalar_member: bool


def _place(model: type[BaseModel], loc: tuple[int | str, ...]) -> _Place:
    """Walk `loc` through the models; drop the union member tags pydantic inserts into it
    (``model.str``, ``model.ModelArgs``, ``credentials.Sas``), which are no config keys. A key
    of a mapping field (``workspaces.main``) is kept, and the walk goes on into its value."""
    current: type[BaseModel] | None = model
    parent: type[BaseModel] | None = model
    annotation: Any = None
    members: dict[str, Any] = {}
    kept: list[int | str] = []
    scalar = False
    map_key = False
    for part in loc:
        if isinstance(part, int) or map_key:
            kept.append(part)
            map_key = False
            continue
        fields = _fields(current) if current is not None else {}
        if part in members:
            member = members[part]
            scalar = not _is_model(member)
            current, members = (member if not scalar else None), {}
        elif part in fields:
            kept.append(fields[part].alias or part)  # a default's error names the field in Python
            parent, annotation = current, fields[part].annotation
            current, members = _model_in(annotation), _members(annotation)
            map_key = typing.get_origin(annotation) is dict
        else:
            kept.append(part)
            parent, annotation, current, members = current, None, None, {}
    return _Place(tuple(kept), parent, annotation, scalar)


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    fields.update(model.model_fields)
    return fields


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _members(annotation: Any) -> dict[str, Any]:
    """The members of a union in `annotation` by the tags pydantic puts in error locations:
    class or type name, and for a tagged union each model's tag (a one-value ``Literal``)."""
    args = [a for a in _flatten(annotation) if a is not type(None)]
    if len(args) < 2:
        return {}
    tags: dict[str, Any] = {}
    for arg in args:
        tags[getattr(arg, "__name__", str(arg))] = arg
        for info in arg.model_fields.values() if _is_model(arg) else ():
            values = typing.get_args(info.annotation)
            if typing.get_origin(info.annotation) is typing.Literal and len(values) == 1:
                tags[str(values[0])] = arg
    return tags


def _flatten(annotation: Any) -> list[Any]:
    """The types a value of `annotation` may be, through Annotated, unions, lists and tuples."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _flatten(arg)]
    if origin in (list, tuple):
        return [t for arg in typing.get_args(annotation) if arg is not ... for t in _flatten(arg)]
    if origin is dict:
        return _flatten(typing.get_args(annotation)[1])
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _may_reveal_secret(annotation: Any, value: object) -> bool:
    """Whether showing `value` could print a secret: a value given for a secret field, a private
    key given for any field, or a non-empty structure given for a field that holds secrets
    somewhere inside. A scalar given where a structure belongs is shown: it sits at no secret's
    place."""
    if _is_secret(annotation, leaf_only=True) or _looks_like_private_key(value):
        return True
    return _is_secret(annotation) and isinstance(value, dict | list | tuple) and bool(value)


def _looks_like_private_key(value: object) -> bool:
    """A PEM or OpenSSH private key pasted anywhere (say, where a public key belongs)."""
    return isinstance(value, str) and "PRIVATE KEY-----" in value


def _is_secret(annotation: Any, *, leaf_only: bool = False) -> bool:
    """Whether a value of `annotation` is a secret (`leaf_only`) or may hold one."""
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return not leaf_only and any(
            _is_secret(info.annotation) for info in annotation.model_fields.values()
        )
    if leaf_only and typing.get_origin(annotation) in (list, tuple, dict):
        return False
    return any(_is_secret(arg, leaf_only=leaf_only) for arg in typing.get_args(annotation))
