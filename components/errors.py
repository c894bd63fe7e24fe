"""One error hierarchy for amlstack: every error it raises on purpose is an `AmlStackError`.

Catch `AmlStackError` for all of them, or a subclass for one kind of failure::

    AmlStackError                    this module: the root
    ├── ConfigError                  (also ValueError) invalid stack config or component
    │                                arguments, before anything registers; `problems` holds one
    │                                `ConfigProblem` (field, value, what is allowed) per mistake
    ├── RepeatedValuesError          components.args: (also ValueError) `check_unique` in a
    │                                validator; reaches users as a `ConfigError` on that key
    ├── AzureRestError               components.azure_rest: Azure refused a request of
    │                                amlstack's own (a dynamic provider's upload or traffic split)
    ├── PlanFileError                infra.plan.errors: a file `amlstack plan` reads or writes
    │                                (--since, --previous, --json, --graph) cannot be used
    ├── DependencyCycleError         infra.plan.errors: (also ValueError) resources that wait for
    │                                each other, so no order exists
    ├── StackContextError            jobs.errors: no usable stack outputs
    └── JobError                     jobs.errors: a job, model or Azure ML request failed
        ├── JobSpecError             (also ValueError) an invalid job spec; nothing was sent
        │   └── MissingPathError     a folder or file the spec references is missing
        ├── RunSelectionError        (also ValueError) an experiment's runs single out none as
        │                            asked: no such experiment, no run logged the metric, a tie
        ├── CredentialError          no Azure credential could get a token
        └── ModelError               a model cannot be registered or promoted as asked

Each message names the field, option or file, shows the value and says what is expected. The
command line prints it without a traceback and exits 2 for invalid input (`ConfigError`,
`PlanFileError`, `DependencyCycleError`, `StackContextError`, `JobSpecError`,
`RunSelectionError`), 3 for a failed
mandatory policy, 4 when Azure or the credential failed (the other `JobError`s). Validators
inside argument models raise plain `ValueError`; `components.args.Args` turns it into a
`ConfigError` naming the key.
"""

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


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
