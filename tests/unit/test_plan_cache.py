"""The tests' plan store: a stored plan is reused only while nothing it is computed from changed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import tests.plan_cache
from infra.plan import Plan, find_project
from tests.conftest import ROOT
from tests.plan_cache import PlanCache, StackPlans, tree_digest


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory outside the scratch project (which is `tmp_path`): a store inside the
    project would be part of what its plans are keyed by."""
    return tmp_path_factory.mktemp("store")


def write_stack(project: Path, name: str, workspaces: list[str]) -> None:
    config = {
        "amlstack:location": "westeurope",
        "amlstack:tier": "dev",
        "amlstack:workspaces": [{"name": workspace} for workspace in workspaces],
    }
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


def a_tree(root: Path) -> Path:
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "program.py").write_text("print('program')\n")
    (root / "Pulumi.dev.yaml").write_text("config: {}\n")
    (root / "serving").mkdir()
    (root / "serving" / "score.py").write_text("def run(): ...\n")
    return root


def append(path: str) -> Callable[[Path], object]:
    return lambda root: (root / path).write_text((root / path).read_text() + "# changed\n")


@pytest.mark.parametrize(
    "change",
    [
        append("infra/program.py"),
        append("Pulumi.dev.yaml"),
        append("serving/score.py"),
        lambda root: (root / "Pulumi.prod.yaml").write_text("config: {}\n"),
        lambda root: (root / "serving" / "score.py").rename(root / "serving" / "main.py"),
        lambda root: (root / "Pulumi.dev.yaml").unlink(),
    ],
    ids=["program", "stack file", "file the config points to", "new file", "rename", "removal"],
)
def test_the_digest_changes_with_any_file(tmp_path: Path, change: Callable[[Path], object]) -> None:
    root = a_tree(tmp_path / "project")
    before = tree_digest(root)
    change(root)
    assert tree_digest(root) != before


def put(path: str) -> Callable[[Path], object]:
    def create(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("anything")

    return create


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "infra" / "program.py").touch(),
        put("infra/__pycache__/program.cpython-311.pyc"),
        put(".git/HEAD"),
        put(".pytest_cache/d/entry"),
        put("tools/node_modules/package.js"),
    ],
    ids=["modification time", "bytecode", "git", "pytest cache", "node modules"],
)
def test_the_digest_ignores_what_no_plan_reads(
    tmp_path: Path, change: Callable[[Path], object]
) -> None:
    root = a_tree(tmp_path / "project")
    before = tree_digest(root)
    change(root)
    assert tree_digest(root) == before


def test_a_stored_plan_is_read_back_instead_of_planned_again(
    scratch_project: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_stack(scratch_project, "s", ["main"])
    project = find_project(scratch_project)
    cache = PlanCache(store)
    planned = cache.plan(project, "s")

    def refuse(*_: object, **__: object) -> Plan:
        raise AssertionError("planned again")

    monkeypatch.setattr(tests.plan_cache, "run_plan", refuse)
    again = PlanCache(store).plan(project, "s")
    assert again == planned
    assert again.to_json() == planned.to_json()


def test_a_config_change_plans_again_and_replaces_the_stored_plan(
    scratch_project: Path, store: Path
) -> None:
    write_stack(scratch_project, "s", ["main"])
    project = find_project(scratch_project)
    cache = PlanCache(store)
    cache.plan(project, "s")
    write_stack(scratch_project, "s", ["main", "second"])
    changed = cache.plan(project, "s")
    assert sorted(changed.outputs["workspaces"]) == ["main", "second"]
    assert len(list((store / "s").glob("*.pickle"))) == 1


def test_the_key_covers_the_program_and_the_installed_packages(
    scratch_project: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_stack(scratch_project, "s", ["main"])
    project = find_project(scratch_project)
    program = store / "program"
    shutil.copytree(
        ROOT / "components", program / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    cache = PlanCache(store, program=(program,))
    key = cache.key(project, "s")
    assert cache.key(project, "other") != key
    append("components/naming.py")(program)
    changed = cache.key(project, "s")
    assert changed != key
    monkeypatch.setattr(tests.plan_cache, "environment_digest", lambda: "another environment")
    assert cache.key(project, "s") != changed


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
