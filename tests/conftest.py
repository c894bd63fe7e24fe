"""Shared fixtures: the project root, the shared conformance corpus, a scratch project."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from infra.plan import Plan, find_project, run_plan
from tests.azure_policy import Library

ROOT = Path(__file__).resolve().parent.parent

# Property tests run the same examples every time: a failure is reproducible, never a flake.
settings.register_profile("amlstack", derandomize=True, deadline=None, max_examples=150)
settings.load_profile("amlstack")


def shared_dir() -> Path:
    """The shared folder (DESIGN.md, SECURITY_BASELINE.md, conformance/) beside the checkout.

    ``AMLSTACK_SHARED_DIR`` overrides; otherwise the nearest ``shared/`` beside a parent of the
    repository, then ``/work/shared``.
    """
    candidates = (
        [Path(os.environ["AMLSTACK_SHARED_DIR"])] if "AMLSTACK_SHARED_DIR" in os.environ else []
    )
    candidates += [parent / "shared" for parent in ROOT.parents]
    candidates.append(Path("/work/shared"))
    for candidate in candidates:
        if (candidate / "conformance").is_dir():
            return candidate
    pytest.fail("the shared conformance corpus was not found; set AMLSTACK_SHARED_DIR")


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


@pytest.fixture(scope="session")
def policy_library() -> Library:
    """Azure's built-in policy definitions, the MCSB membership and the aliases (shared copies)."""
    return Library(shared_dir() / "azure-policy")


def make_scratch_project(directory: Path) -> Path:
    """Make `directory` a project with this repository's Pulumi.yaml and program, no stacks."""
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    (directory / "infra").symlink_to(ROOT / "infra", target_is_directory=True)
    return directory


@pytest.fixture
def scratch_project(tmp_path: Path) -> Path:
    """A project directory with this repository's Pulumi.yaml and program, and no stacks."""
    return make_scratch_project(tmp_path)


SAMPLE_STACKS = ("shared", "dev", "test", "prod", "hub")


@pytest.fixture(scope="session")
def sample_plans() -> dict[str, Plan]:
    """The offline plan of each sample stack (``Pulumi.<stack>.yaml``), computed once."""
    project = find_project(ROOT)
    return {stack: run_plan(project, stack) for stack in SAMPLE_STACKS}
