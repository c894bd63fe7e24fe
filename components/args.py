"""The base of every component's arguments: validated on construction, errors that name the key.

Arguments are plain data (pydantic models) so that the same class validates a stack's YAML config
and a Python caller's keywords, and both get the same message: the key, the value, what is allowed.
Keys are snake_case in Python and camelCase in stack config (``max_nodes`` / ``maxNodes``).
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from components.errors import MISSING, UNKNOWN_KEY, ConfigError, ConfigProblem

__all__ = ["Args", "config_error_from", "repeated"]


class Args(BaseModel):
    """Immutable, validated arguments; unknown keys are errors, not silently ignored."""

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
            raise config_error_from(exc, model=type(self), at=type(self).__name__) from None

    # Like BaseModel.__init__, this only wraps validation: nested models are still validated by
    # pydantic-core (their errors keep the full path), instead of calling this once per level.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def parse(cls, data: object, *, at: str) -> Self:
        """Validate `data` (as read from stack config); `at` names its location in messages."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise config_error_from(exc, model=cls, at=at) from None


def repeated(values: list[str]) -> list[str]:
    """The values that occur more than once, sorted (for "names must be unique" checks)."""
    return sorted({value for value in values if values.count(value) > 1})


def config_error_from(exc: ValidationError, *, model: type[BaseModel], at: str) -> ConfigError:
    """Turn pydantic's errors into `ConfigError` problems: field path, value, what is allowed."""
    errors = exc.errors(include_url=False)
    failed_items = {
        tuple(e["loc"][:i])
        for e in errors
        for i, part in enumerate(e["loc"])
        if isinstance(part, int)
    }
    problems = []
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and loc in failed_items:
            continue  # the list is short only because some of its items are invalid
        field_model, annotation = _resolve(model, loc)
        value = {"missing": MISSING, "extra_forbidden": UNKNOWN_KEY}.get(
            error["type"], error.get("input")
        )
        problems.append(
            ConfigProblem(
                field=_path(at, loc),
                value=value,
                allowed=_allowed(error, field_model, loc),
                secret=_may_reveal_secret(annotation, value),
            )
        )
    return ConfigError(problems)


def _path(at: str, loc: tuple[int | str, ...]) -> str:
    text = at if loc else at.rstrip(":")
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text.endswith(":") or not text:
            text += part
        else:
            text += f".{part}"
    return text


def _allowed(error: Any, parent: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "this key is required"
    if kind == "extra_forbidden":
        known = sorted(_aliases(parent)) if parent else []
        if not known:
            return "remove this key"
        key = str(loc[-1])
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key {key!r}; {hint}allowed keys: {', '.join(known)}"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if message.startswith("Input should be"):
        message = "expected" + message.removeprefix("Input should be")
    # Tuple fields are lists in YAML and JSON.
    return message.replace("a valid tuple", "a list")


def _aliases(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _resolve(
    model: type[BaseModel], loc: tuple[int | str, ...]
) -> tuple[type[BaseModel] | None, Any]:
    """The model that holds the last key of `loc`, and that key's annotation (when known)."""
    current: type[BaseModel] | None = model
    annotation: Any = None
    for index, part in enumerate(loc):
        if isinstance(part, int) or current is None:
            continue
        fields = {(info.alias or name): info for name, info in current.model_fields.items()}
        fields.update(current.model_fields)
        info = fields.get(part)
        if info is None:
            return current, None
        annotation = info.annotation
        if index == len(loc) - 1:
            return current, annotation
        current = _model_in(annotation)
    return current, annotation


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
    """Whether showing `value` could print a secret: a value given for a secret field, or a
    non-empty structure given for a field that holds secrets somewhere inside. A scalar given
    where a structure belongs is shown: it sits at no secret's place."""
    if _is_secret(annotation, leaf_only=True):
        return True
    return _is_secret(annotation) and isinstance(value, dict | list | tuple) and bool(value)


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
