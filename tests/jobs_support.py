"""Shared helpers for the jobs tests: the dev outputs fixture, corpus copies, REST examples."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from azure.ai.ml.entities import Model
from azure.core.exceptions import ResourceNotFoundError

from jobs.context import StackContext, load_context
from jobs.errors import MissingPathError
from jobs.specs import load_spec
from jobs.submit import Request, SubmitOptions, dry_run
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
DEV_OUTPUTS = FIXTURES / "outputs-dev.json"
"""A deployed dev stack's outputs in the contract's shape (docs/reference/stack-outputs.md)."""


def dev_context(outputs: Path = DEV_OUTPUTS, workspace: str | None = None) -> StackContext:
    return load_context("dev", outputs_file=outputs, workspace=workspace, env={})


def copy_examples(shared: Path, destination: Path) -> Path:
    """A writable copy of the azureml-examples corpus (the shared one is never changed)."""
    target = destination / "azureml-examples"
    shutil.copytree(shared / "conformance" / "azureml-examples", target)
    return target


def dry_run_with_stand_ins(
    spec: Path, context: StackContext, options: SubmitOptions | None = None
) -> tuple[Request, list[Path]]:
    """Dry-run `spec`, creating a one-file stand-in for each missing folder it reports."""
    created: list[Path] = []
    for _ in range(20):
        try:
            return dry_run(load_spec(spec), context, options or SubmitOptions()), created
        except MissingPathError as error:
            folder = Path(error.path)
            assert folder not in created, f"stand-in {folder} did not satisfy the spec"
            folder.mkdir(parents=True)
            (folder / "main.py").write_text("print('stand-in')\n")
            created.append(folder)
    raise AssertionError(f"{spec}: too many missing folders")


def rest_example(shared: Path, relative: str, status: str = "200") -> dict[str, Any]:
    """A response body of the REST examples (its ``"string"`` placeholders left to the test)."""
    path = shared / "conformance" / "rest-examples" / "2025-12-01" / "examples" / relative
    body: dict[str, Any] = json.loads(path.read_text())["responses"][status]["body"]
    return body


class FakeModels:
    """``MLClient.models`` in memory: versions by name, ``share`` copies into a registry."""

    def __init__(self) -> None:
        self.versions: dict[tuple[str, str], Model] = {}
        self.created = 0
        self.registry: FakeModels | None = None

    def list(self, name: str | None = None) -> Iterable[Any]:
        if name is not None and not any(n == name for n, _ in self.versions):
            raise ResourceNotFoundError("no such model")
        return [m for (n, _), m in self.versions.items() if name in (None, n)]

    def get(self, name: str, version: str | None = None) -> Any:
        try:
            return self.versions[(name, str(version))]
        except KeyError:
            raise ResourceNotFoundError(f"{name}:{version}") from None

    def create_or_update(self, model: Any) -> Any:
        self.created += 1
        self.versions[(model.name, str(model.version))] = model
        return model

    def share(
        self,
        name: str,
        version: str,
        *,
        share_with_name: str,
        share_with_version: str,
        registry_name: str,
    ) -> Any:
        assert self.registry is not None
        assert registry_name == "mlr-amlstack"
        source = self.get(name, version)
        copy = Model(
            name=share_with_name,
            version=share_with_version,
            path=source.path,
            type=source.type,
            tags=dict(source.tags),
        )
        return self.registry.create_or_update(copy)
