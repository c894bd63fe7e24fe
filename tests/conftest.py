"""Shared fixtures: the project root, the shared conformance corpus, a scratch project."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import settings

from infra.bytecode import write_missing_bytecode
from infra.plan import Plan, find_project
from infra.plan_cache import PlanCache
from tests.azure_policy import Library
from tests.plan_cache import StackPlans

ROOT = Path(__file__).resolve().parent.parent

HUB_SUBNET = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-hub/providers"
    "/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-private-endpoints"
)
REACHABLE_NETWORK = {"privateEndpoints": {"subnetId": HUB_SUBNET}}
"""The `network` of a closed (prod) workspace that people can still reach: private endpoints in
a hub network. Without them a prod stack's config is refused (nobody could get in)."""

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


def pytest_unconfigure(config: pytest.Config) -> None:
    """Where Python writes no bytecode, leave the libraries' for the next run, as the
    ``amlstack`` command does (`infra.bytecode`)."""
    write_missing_bytecode()


@pytest.fixture(scope="session", autouse=True)
def amlstack_cache(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """amlstack's cache directory for the whole run (``$XDG_CACHE_HOME``, which the commands
    the tests start inherit): in pytest's cache, shared by the test processes and kept between
    runs like the plans (`sample_plans`), never the user's own."""
    cache = getattr(request.config, "cache", None)
    base = cache.mkdir("xdg-cache") if cache is not None else tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base))
        yield base / "amlstack"


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


@pytest.fixture(scope="session")
def policy_library() -> Library:
    """Azure's built-in policy definitions, the MCSB membership and the aliases (shared copies)."""
    return Library(shared_dir() / "azure-policy")


SAMPLE_FOLDERS = ("environments", "serving", "pipelines")
"""The project folders the sample stacks read (conda files, build contexts, scoring code, the
scheduled job specs)."""


def link_sample_folders(directory: Path, *, copy: tuple[str, ...] = ()) -> None:
    """Give the scratch project `directory` the sample stacks' folders: links, or copies of
    those in `copy` (for tests that edit them)."""
    for folder in SAMPLE_FOLDERS:
        if folder in copy:
            shutil.copytree(ROOT / folder, directory / folder)
        else:
            (directory / folder).symlink_to(ROOT / folder, target_is_directory=True)


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
def sample_plans(request: pytest.FixtureRequest) -> Mapping[str, Plan]:
    """The offline plan of each sample stack (``Pulumi.<stack>.yaml``), each planned once for
    all test processes and kept for the next run in pytest's cache (``.pytest_cache``) by what
    it is computed from (`tests.plan_cache`); without the cache plugin, once per process."""
    cache = getattr(request.config, "cache", None)
    store = PlanCache(cache.mkdir("amlstack-plans")) if cache is not None else None
    return StackPlans(find_project(ROOT), SAMPLE_STACKS, store)
