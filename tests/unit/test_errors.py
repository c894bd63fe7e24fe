"""One error tree: every exception class amlstack defines is an `AmlStackError`, and each is in
the tree that `components.errors` documents."""

from __future__ import annotations

import importlib
import inspect

import components.errors
from components.errors import AmlStackError
from tests.conftest import ROOT

PROGRAMS = {"infra.__main__", "infra.policy.__main__"}
"""Modules that run a program when imported."""


def project_errors() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in ("components", "infra", "jobs"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            if module in PROGRAMS:
                continue
            for name, value in vars(importlib.import_module(module)).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, BaseException)
                    and value.__module__ == module
                ):
                    found[f"{module}.{name}"] = value
    return found


def test_every_error_amlstack_defines_is_an_amlstack_error() -> None:
    errors = project_errors()
    assert "infra.plan.errors.PlanFileError" in errors
    outside = sorted(name for name, error in errors.items() if not issubclass(error, AmlStackError))
    assert not outside, f"derive these from components.errors.AmlStackError: {outside}"


def test_the_tree_in_the_errors_module_names_every_error() -> None:
    documented = components.errors.__doc__ or ""
    missing = sorted(
        name for name, error in project_errors().items() if error.__name__ not in documented
    )
    assert not missing, f"add these to the tree in components/errors.py's docstring: {missing}"
