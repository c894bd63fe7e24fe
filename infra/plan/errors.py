"""The offline plan's errors, besides `ConfigError` for the stack's config (the whole tree, and
the exit code each gives, is documented in `components.errors`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from components.errors import AmlStackError

__all__ = ["DependencyCycleError", "PlanFileError"]


class PlanFileError(AmlStackError):
    """A file named on ``amlstack plan``'s command line (``--since``, ``--previous``, ``--json``,
    ``--graph``) cannot be read or written, or does not hold what the option takes.

    `option` and `path` say which file, `problem` what is wrong with it (the bad value, where in
    the file) and `expected` what the option takes.
    """

    def __init__(self, option: str, path: Path | str, problem: str, expected: str) -> None:
        self.option = option
        self.path = Path(path)
        self.problem = problem
        self.expected = expected
        super().__init__(f"{option} {path}: {problem}; {expected}")


class DependencyCycleError(AmlStackError, ValueError):
    """Resources that wait for each other, so that no order can create them. `cycle` is one such
    chain, ``(a, b, ..., a)``, each waiting for the next; `where` names the plan."""

    def __init__(self, cycle: Sequence[str], *, where: str = "the plan") -> None:
        self.cycle = tuple(cycle)
        self.where = where
        super().__init__(
            f"dependency cycle in {where}: {' -> '.join(self.cycle)} (each waits for the next); "
            "expected resources that wait only for resources created before them"
        )
