"""The plan cache: a stored plan is reused only while nothing it is computed from changed (the
config, the program, the environment and every file the plan read), and a corrupt entry is
never trusted."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import infra.cache_entries
import tests.plan_cache
from infra.cache_entries import EntryStore
from infra.file_reads import Reads
from infra.plan import Plan, find_project, run_plan
from infra.plan_cache import PlanCache
from tests.conftest import ROOT, link_sample_folders
from tests.plan_cache import StackPlans


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory outside the scratch project (which is `tmp_path`)."""
    return tmp_path_factory.mktemp("store")


def write_stack(project: Path, name: str, workspaces: list[str], **config: object) -> None:
    document = {
        "amlstack:location": "westeurope",
        "amlstack:tier": "dev",
        "amlstack:workspaces": [
            {
                "name": workspace,
                "environments": [
                    {
                        "name": "train",
                        "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
                        "condaFile": "environments/train-cpu/conda.yml",
                    },
                    {"name": "serving", "build": {"context": "environments/serving"}},
                ],
            }
            for workspace in workspaces
        ],
        **config,
    }
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": document}))


def minimal_stack(project: Path) -> None:
    config = {
        "amlstack:location": "westeurope",
        "amlstack:tier": "dev",
        "amlstack:workspaces": [{"name": "main"}],
    }
    (project / "Pulumi.s.yaml").write_text(yaml.safe_dump({"config": config}))


def planner(project_dir: Path, stack: str, calls: list[str]) -> Callable[[], Plan]:
    def run() -> Plan:
        calls.append(stack)
        return run_plan(find_project(project_dir), stack)

    return run


@pytest.fixture
def planned(scratch_project: Path, store: Path) -> tuple[Path, PlanCache, Plan]:
    """A stack with a conda file and a build context, referencing the registry stack, planned
    and stored."""
    link_sample_folders(scratch_project, copy=("environments",))
    shutil.copy(ROOT / "Pulumi.shared.yaml", scratch_project / "Pulumi.shared.yaml")
    write_stack(
        scratch_project, "s", ["main"], **{"amlstack:registryStack": "organization/amlstack/shared"}
    )
    cache = PlanCache(store)
    plan = cache.plan_or_run(scratch_project, "s", planner(scratch_project, "s", []))
    return scratch_project, cache, plan


def test_the_outputs_come_back_without_planning(planned: tuple[Path, PlanCache, Plan]) -> None:
    project, cache, plan = planned
    assert cache.outputs(project, "s") == plan.outputs
    assert cache.outputs(project, "other") is None
    assert cache.plan(project, "s") is None  # only the outputs were kept


def append(path: str) -> Callable[[Path], object]:
    return lambda root: (root / path).write_text((root / path).read_text() + "# changed\n")


def put(path: str) -> Callable[[Path], object]:
    return lambda root: (root / path).write_text("anything")


CHANGES = {
    "stack file": append("Pulumi.s.yaml"),
    "referenced stack's file": append("Pulumi.shared.yaml"),
    "conda file": append("environments/train-cpu/conda.yml"),
    "file of the build context": append("environments/serving/Dockerfile"),
    "new file in the build context": put("environments/serving/extra.txt"),
    "removed conda file": lambda root: (root / "environments/train-cpu/conda.yml").unlink(),
    "project file": append("Pulumi.yaml"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_to_what_the_plan_read_plans_again(
    planned: tuple[Path, PlanCache, Plan], change: Callable[[Path], object]
) -> None:
    project, cache, _ = planned
    change(project)
    assert cache.outputs(project, "s") is None


UNRELATED = {
    "another stack": put("Pulumi.other.yaml"),
    "a readme": put("README.md"),
    "a file no config names": put("environments/notes.txt"),
    "bytecode": lambda root: (root / "environments" / "__pycache__").mkdir(),
}


@pytest.mark.parametrize("change", UNRELATED.values(), ids=UNRELATED.keys())
def test_files_the_plan_did_not_read_change_nothing(
    planned: tuple[Path, PlanCache, Plan], change: Callable[[Path], object]
) -> None:
    project, cache, plan = planned
    change(project)
    assert cache.outputs(project, "s") == plan.outputs


def test_the_key_covers_the_program_and_the_environment(
    planned: tuple[Path, PlanCache, Plan], store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, cache, plan = planned
    program = store / "program"
    shutil.copytree(
        ROOT / "components", program / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    copy = PlanCache(store, program=(program,))
    copy.plan_or_run(project, "s", lambda: plan)
    assert copy.outputs(project, "s") == plan.outputs
    append("components/naming.py")(program)
    assert copy.outputs(project, "s") is None
    monkeypatch.setattr(infra.cache_entries, "environment_digest", lambda: "another environment")
    assert cache.outputs(project, "s") is None


def test_a_kept_plan_is_read_back_instead_of_planned_again(
    scratch_project: Path, store: Path
) -> None:
    minimal_stack(scratch_project)
    calls: list[str] = []
    cache = PlanCache(store)
    first = cache.plan_or_run(
        scratch_project, "s", planner(scratch_project, "s", calls), keep_plan=True
    )
    again = cache.plan_or_run(
        scratch_project, "s", planner(scratch_project, "s", calls), keep_plan=True
    )
    assert calls == ["s"]
    assert again == first
    assert again.to_json() == first.to_json()


def corrupt(entry: Path) -> dict[str, Callable[[], object]]:
    data = entry.read_bytes()
    head, _, payload = data.partition(b"\n")
    return {
        "truncated": lambda: entry.write_bytes(data[: len(data) // 2]),
        "garbage": lambda: entry.write_bytes(b"\x00\xffnot an entry"),
        "empty": lambda: entry.write_bytes(b""),
        "payload altered": lambda: entry.write_bytes(head + b"\n" + payload[:-1] + b"\x00"),
        "header not a mapping": lambda: entry.write_bytes(b"[1, 2]\n" + payload),
    }


CORRUPTIONS = ["truncated", "garbage", "empty", "payload altered", "header not a mapping"]


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_a_corrupt_entry_is_ignored_and_replaced(
    scratch_project: Path, store: Path, how: str
) -> None:
    minimal_stack(scratch_project)
    calls: list[str] = []
    cache = PlanCache(store)
    plan = cache.plan_or_run(
        scratch_project, "s", planner(scratch_project, "s", calls), keep_plan=True
    )
    [entry] = store.glob("*.entry")
    corrupt(entry)[how]()
    assert cache.outputs(scratch_project, "s") is None
    assert cache.plan(scratch_project, "s") is None
    again = cache.plan_or_run(
        scratch_project, "s", planner(scratch_project, "s", calls), keep_plan=True
    )
    assert calls == ["s", "s"]
    assert again == plan
    assert cache.plan(scratch_project, "s") == plan


def test_a_valid_entry_holding_something_else_is_not_taken_for_a_plan(
    scratch_project: Path, store: Path
) -> None:
    cache = PlanCache(store)
    name, key = cache.entry_name(scratch_project, "s"), cache.key(scratch_project, "s")
    EntryStore(store).write(name, key, Reads(()), b"{}\n" + pickle.dumps({"not": "a plan"}))
    assert cache.outputs(scratch_project, "s") == {}
    assert cache.plan(scratch_project, "s") is None


def test_the_sample_plans_are_planned_on_first_use_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def plan(_: object, stack: str) -> str:
        asked.append(stack)
        return f"plan of {stack}"

    monkeypatch.setattr(tests.plan_cache, "run_plan", plan)
    plans = StackPlans(find_project(ROOT), ("shared", "dev"), None)
    assert asked == []
    assert plans["dev"] == plans["dev"] == "plan of dev"
    assert asked == ["dev"]
    assert list(plans) == ["shared", "dev"]
    with pytest.raises(KeyError):
        plans["prod"]
