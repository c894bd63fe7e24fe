"""One error hierarchy for amlstack: every failure a user can cause is an `AmlStackError`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MISSING",
    "SECRET_MASK",
    "UNKNOWN_KEY",
    "AmlStackError",
    "ConfigError",
    "ConfigProblem",
    "CredentialError",
    "JobError",
    "JobSpecError",
    "MissingPathError",
    "ModelError",
    "StackContextError",
]

SECRET_MASK = "[secret]"
"""What is shown in place of a secret value, everywhere amlstack prints or writes."""


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: object = _Missing()
"""Marker for `ConfigProblem.value` when the key is absent."""


class _UnknownKey:
    def __repr__(self) -> str:
        return "<unknown key>"


UNKNOWN_KEY: object = _UnknownKey()
"""Marker for `ConfigProblem.value` when the key itself is not allowed (a typo, say)."""


class AmlStackError(Exception):
    """Base class of every error amlstack raises on purpose (bad input, missing context)."""


@dataclass(frozen=True)
class ConfigProblem:
    """One invalid setting: where it is, what was given, and what is allowed."""

    field: str
    value: object
    allowed: str
    secret: bool = False
    problem: str = "is not allowed"
    """What is wrong with the value: ``is not allowed``, or ``file not found``."""

    def __str__(self) -> str:
        if self.value is MISSING:
            return f"{self.field}: required but missing; {self.allowed}"
        if self.value is UNKNOWN_KEY:
            return f"{self.field}: {self.allowed}"
        shown = SECRET_MASK if self.secret else _show(self.value)
        joint = " " if self.problem == "is not allowed" else ": "
        return f"{self.field}: {shown}{joint}{self.problem}; {self.allowed}"


class ConfigError(AmlStackError, ValueError):
    """Invalid configuration or component arguments, raised before any resource is registered."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self._message())

    @classmethod
    def single(
        cls, field: str, value: object, allowed: str, *, secret: bool = False
    ) -> ConfigError:
        return cls([ConfigProblem(field, value, allowed, secret)])

    @classmethod
    def not_found(cls, field: str, value: str, kind: str, where: object) -> ConfigError:
        """A path in config names no `kind` (``file``, ``folder``) in `where`."""
        return cls(
            [
                ConfigProblem(
                    field, value, f"expected a {kind} in {where}", problem=f"{kind} not found"
                )
            ]
        )

    def _message(self) -> str:
        if len(self.problems) == 1:
            return f"invalid configuration: {self.problems[0]}"
        lines = [f"invalid configuration ({len(self.problems)} problems):"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


class StackContextError(AmlStackError):
    """No usable stack outputs: none found, malformed, or no such workspace in them."""


class JobError(AmlStackError):
    """A job, model or Azure ML request could not be done (base of the jobs package's errors)."""


class JobSpecError(JobError, ValueError):
    """A job spec is invalid or references something the stack does not have; nothing was sent."""


class MissingPathError(JobSpecError):
    """A local folder or file a spec references (``code:``, a component, an input) is missing."""

    def __init__(self, message: str, path: str) -> None:
        self.path = path
        super().__init__(message)


class CredentialError(JobError):
    """No Azure credential could get a token; the message says which ways were tried."""


class ModelError(JobError):
    """A model cannot be registered or promoted as asked (e.g. a version taken by another run)."""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
