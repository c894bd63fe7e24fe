"""Benchmark `amlstack plan` against the floor: the same resources as bare Pulumi resources.

    uv run python benchmarks/plan_bench.py [--repeats 5] [--fleet 1 10 50] [--json FILE]
        [--parts floor bytecode]

Cases: the dev and prod sample stacks, and a fleet stack of N team workspaces (`team_workspace`)
for each N. Every case references the registry stack ``shared``, which the plan plans first. For
each case, one unmeasured run of the plan per stack writes its JSON (what the floors replay) and
warms the bytecode cache; then, `--repeats` times in alternating order, three measurements, each
in a fresh Python process:

- plan: the ``amlstack plan STACK`` command, tree printed to /dev/null;
- floor: the same resources (type, name, inputs, parent, dependencies, protect) and outputs,
  of the referenced stack first and then of the stack, registered as plain
  ``pulumi.CustomResource``/``ComponentResource`` objects under the same mock runtime
  (``components.recording.record`` with ``RecordingMocks``, one run per stack like the plan),
  importing neither the components nor pulumi-azure-native;
- floor+sdk: the floor after loading the pulumi-azure-native classes of the plan's types.

Wall time is measured around the child process, CPU time and peak memory (maximum resident set
size) come from ``os.wait4``. Linux counts the parent's resident memory in a child's peak (up to
its exec), so this process loads nothing heavy (46 MiB; the floor's peak is above it). The
table gives medians and ratios, then the goals: plan/floor time <= 1.3; 50 workspaces under
15 s and 1 GB; time linear in the number of workspaces.

The bytecode part (``--parts bytecode``) plans dev and prod where Python writes no bytecode
(``PYTHONDONTWRITEBYTECODE=1``), in this environment and in one of the same lock synced without
compiling bytecode at install, and with ``uv run``, against the plan with bytecode cached
(`BYTECODE_KINDS`); the goal: without bytecode writes, within 1.2 times the cached plan.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib.util
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
import yaml

ROOT = Path(__file__).resolve().parent.parent
AMLSTACK = Path(sys.executable).with_name("amlstack")
RATIO_GOAL = 1.3
FLEET_GOAL_SECONDS = 15.0
FLEET_GOAL_MIB = 1024
LINEAR_SLACK = 1.25
HUB_SUBNET = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-hub/providers"
    "/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-private-endpoints"
)
"""Where a team's workspace is reached from: private endpoints in a hub network (a closed prod
workspace needs a way in)."""


@dataclass(frozen=True)
class Case:
    """One stack to plan: its label, the project directory and the stack name."""

    label: str
    project: Path
    stack: str
    workspaces: int


@dataclass(frozen=True)
class Sample:
    """One measured process."""

    wall: float
    cpu: float
    peak_mib: float


KINDS = ("plan", "floor", "floor+sdk")
"""What is measured: the plan command; bare resources; bare resources after loading the
pulumi-azure-native classes of the plan's types (the SDK's import cost without using them)."""


@dataclass(frozen=True)
class Row:
    """One case: per kind, the median wall seconds, CPU seconds and peak MiB."""

    case: str
    workspaces: int
    resources: int
    """Custom resources of the stack."""
    referenced: int
    """Custom resources of the stacks it references (planned first, floored too)."""
    medians: dict[str, Sample]

    def ratio(self, field: str) -> float:
        """Plan over floor for `field` (wall, cpu or peak_mib)."""
        plan, floor = self.medians["plan"], self.medians["floor"]
        return float(getattr(plan, field) / getattr(floor, field))


def team_workspace(index: int) -> dict[str, Any]:
    """A team's workspace as teams run them: a group of data scientists with one person in it,
    a reader group, a CPU cluster and a personal compute instance, a blob and an ADLS Gen2
    datastore, environments of all three kinds, and an online endpoint serving a registry model
    with its scoring code and autoscale."""
    person = f"0a1b2c3d-0000-4000-8000-{index:012d}"
    return {
        "name": f"team-{index:02d}",
        "description": f"Team {index}",
        "network": {"privateEndpoints": {"subnetId": HUB_SUBNET}},
        "access": {
            "dataScientist": [
                {"objectId": f"0a1b2c3d-0000-4000-8001-{index:012d}", "type": "Group"},
                {"objectId": person, "type": "User"},
            ],
            "reader": [{"objectId": "0a1b2c3d-0000-4000-8000-100000000000", "type": "Group"}],
        },
        "computes": {
            "clusters": [{"name": "cpu-cluster", "vmSize": "Standard_DS3_v2", "maxNodes": 4}],
            "personalInstances": {
                "vmSize": "Standard_DS11_v2",
                "idleTimeBeforeShutdown": "PT30M",
                "schedules": [
                    {"action": "Stop", "cron": "0 19 * * 1-5", "timeZone": "Europe/Amsterdam"}
                ],
            },
        },
        "datastores": [
            {"name": "raw_data", "type": "AzureBlob", "dataScientists": "read"},
            {"name": "curated", "type": "AzureDataLakeGen2", "dataScientists": "write"},
        ],
        "environments": [
            {
                "name": "sklearn",
                "curated": "azureml://registries/azureml/environments/sklearn-1.5/versions/53",
            },
            {
                "name": "train-cpu",
                "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
                "condaFile": "environments/train-cpu/conda.yml",
            },
            {"name": "serving", "build": {"context": "environments/serving"}},
        ],
        "endpoints": [
            {
                "name": "score",
                "authMode": "AADToken",
                "identity": "Workspace",
                "deployments": [
                    {
                        "name": "blue",
                        "model": {"name": "credit-default", "version": "2", "source": "registry"},
                        "environment": "serving",
                        "code": {"path": "serving/credit-default", "scoringScript": "score.py"},
                        "autoscale": {"minInstances": 1, "maxInstances": 4},
                    }
                ],
                "traffic": {"blue": 100},
            }
        ],
    }


def fleet_project(directory: Path, teams: int) -> Case:
    """A project with this repository's program, its registry stack and one prod stack of
    `teams` team workspaces (`team_workspace`) that uses the registry."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", "Pulumi.shared.yaml"):
        shutil.copy(ROOT / name, directory / name)
    for name in ("infra", "environments", "serving"):
        (directory / name).symlink_to(ROOT / name, target_is_directory=True)
    config = {
        "amlstack:location": "westeurope",
        "amlstack:tier": "prod",
        "amlstack:registryStack": "organization/amlstack/shared",
        "amlstack:workspaces": [team_workspace(index) for index in range(1, teams + 1)],
    }
    (directory / "Pulumi.fleet.yaml").write_text(yaml.safe_dump({"config": config}))
    return Case(f"fleet of {teams}", directory, "fleet", teams)


def child_env() -> dict[str, str]:
    """The environment of measured processes: bytecode cached like on any machine after a run."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Sample:
    """Wall time, CPU time and peak resident memory of `command`, run in a fresh process (in
    `env`, by default `child_env`)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=child_env() if env is None else dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    error = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak_mib=usage.ru_maxrss / 1024)


def plan_command(case: Case) -> list[str]:
    return [str(AMLSTACK), "plan", case.stack, "-C", str(case.project)]


def floor_command(specs: Sequence[Path], kind: str) -> list[str]:
    flag = "--floor-sdk" if kind == "floor+sdk" else "--floor"
    return [sys.executable, str(Path(__file__).resolve()), flag, *map(str, specs)]


def write_specs(case: Case, scratch: Path) -> list[Path]:
    """Plan JSONs of the stacks `case` references, in the order the plan plans them, and of
    `case` itself (last), each written by one unmeasured run of the plan (which also warms the
    bytecode cache). A referenced stack is a StackReference of the plan to another stack of the
    project (the program also reads its own stack's outputs)."""

    def specs_until(stack: str) -> list[Path]:
        spec = scratch / f"{case.stack}-{case.workspaces}-{stack}.json"
        subprocess.run(
            [*plan_command(replace(case, stack=stack)), "--quiet", "--json", str(spec)],
            env=child_env(),
            check=True,
            capture_output=True,
        )
        document = json.loads(spec.read_text())
        referenced = [
            name.split("/")[2]
            for r in document["resources"]
            if r["type"] == "pulumi:pulumi:StackReference"
            for name in [r["inputs"]["name"]]
            if name.split("/")[1:] != [document["project"], stack]
        ]
        return [*(earlier for other in referenced for earlier in specs_until(other)), spec]

    return specs_until(case.stack)


def custom_resources(spec: Path) -> int:
    return sum(1 for r in json.loads(spec.read_text())["resources"] if r["custom"])


def bench(cases: Sequence[Case], repeats: int, scratch: Path) -> list[Row]:
    specs = {case.label: write_specs(case, scratch) for case in cases}
    samples: dict[tuple[str, str], list[Sample]] = {}
    for round_ in range(repeats):
        for case in cases:
            commands = {
                kind: plan_command(case)
                if kind == "plan"
                else floor_command(specs[case.label], kind)
                for kind in KINDS
            }
            order = KINDS if round_ % 2 == 0 else tuple(reversed(KINDS))
            for kind in order:
                samples.setdefault((case.label, kind), []).append(measure(commands[kind], ROOT))
        print(f"round {round_ + 1}/{repeats} done", file=sys.stderr)
    return [
        Row(
            case=case.label,
            workspaces=case.workspaces,
            resources=custom_resources(specs[case.label][-1]),
            referenced=sum(custom_resources(spec) for spec in specs[case.label][:-1]),
            medians={kind: median(samples[(case.label, kind)]) for kind in KINDS},
        )
        for case in cases
    ]


def median(samples: Sequence[Sample]) -> Sample:
    return Sample(
        wall=statistics.median(s.wall for s in samples),
        cpu=statistics.median(s.cpu for s in samples),
        peak_mib=statistics.median(s.peak_mib for s in samples),
    )


def markdown(rows: Sequence[Row]) -> str:
    lines = [
        "| case | resources (+ referenced stack) | plan s (CPU s) | floor s (CPU s) "
        "| floor+sdk s (CPU s) | plan/floor | plan/floor+sdk "
        "| plan MiB | floor MiB | floor+sdk MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        plan, floor, sdk = (r.medians[kind] for kind in KINDS)
        lines.append(
            f"| {r.case} | {r.resources} (+ {r.referenced}) | {plan.wall:.2f} ({plan.cpu:.2f}) | "
            f"{floor.wall:.2f} ({floor.cpu:.2f}) | {sdk.wall:.2f} ({sdk.cpu:.2f}) | "
            f"{plan.wall / floor.wall:.2f} | {plan.wall / sdk.wall:.2f} | "
            f"{plan.peak_mib:.0f} | {floor.peak_mib:.0f} | {sdk.peak_mib:.0f} |"
        )
    return "\n".join(lines)


def growth(small: Row, large: Row, kind: str, field: str) -> float:
    """How much `field` of `kind` grows per extra workspace from `small` to `large`."""
    grown = getattr(large.medians[kind], field) - getattr(small.medians[kind], field)
    return float(grown / (large.workspaces - small.workspaces))


def fleet_rows(rows: Sequence[Row]) -> list[Row]:
    return sorted((r for r in rows if r.case.startswith("fleet")), key=lambda r: r.workspaces)


def scaling(rows: Sequence[Row]) -> list[str]:
    """Seconds each extra workspace costs between successive fleet sizes (linear: about equal)."""
    return [
        f"{small.workspaces} -> {large.workspaces} workspaces, per extra workspace: plan "
        f"{growth(small, large, 'plan', 'wall'):.3f} s "
        f"({growth(small, large, 'plan', 'cpu'):.3f} CPU s, "
        f"{growth(small, large, 'plan', 'peak_mib'):.1f} MiB), floor "
        f"{growth(small, large, 'floor', 'wall'):.3f} s "
        f"({growth(small, large, 'floor', 'cpu'):.3f} CPU s)"
        for small, large in itertools.pairwise(fleet_rows(rows))
    ]


def goals(rows: Sequence[Row]) -> list[str]:
    worst = max(rows, key=lambda r: r.ratio("wall"))
    biggest = max(rows, key=lambda r: r.workspaces)
    largest = biggest.medians["plan"]

    def verdict(met: bool) -> str:
        return "met" if met else "MISSED"

    costs = [growth(a, b, "plan", "cpu") for a, b in itertools.pairwise(fleet_rows(rows))]
    linear = (
        [
            f"goal time linear in workspaces: {verdict(max(costs) <= LINEAR_SLACK * min(costs))} "
            f"(CPU s per extra workspace: {', '.join(f'{c:.3f}' for c in costs)})"
        ]
        if len(costs) > 1
        else []
    )
    return [
        *linear,
        f"goal plan/floor time <= {RATIO_GOAL}: {verdict(worst.ratio('wall') <= RATIO_GOAL)} "
        f"(worst {worst.ratio('wall'):.2f}, {worst.case})",
        f"goal {biggest.case} < {FLEET_GOAL_SECONDS:.0f} s: "
        f"{verdict(largest.wall < FLEET_GOAL_SECONDS)} ({largest.wall:.1f} s)",
        f"goal {biggest.case} < 1 GiB: {verdict(largest.peak_mib < FLEET_GOAL_MIB)} "
        f"({largest.peak_mib:.0f} MiB)",
    ]


# Bytecode: the plan where Python writes none (PYTHONDONTWRITEBYTECODE=1, as many Docker images
# and CI runners set), against the plan with bytecode cached.

BYTECODE_GOAL = 1.2
BYTECODE_KINDS = ("cached", "no writes", "no writes, not compiled", "uv run, no writes")
"""How the plan command runs in the bytecode comparison:

- cached: bytecode written and read as Python does by default;
- no writes: PYTHONDONTWRITEBYTECODE=1 in this environment as uv installed it (uv compiles
  site-packages at install: ``compile-bytecode`` in pyproject.toml); amlstack's own modules
  come from a copy without bytecode, as in a fresh clone where nothing ever writes any;
- no writes, not compiled: the same in an environment of the same lock synced without
  ``compile-bytecode`` (what it was before), where every run compiles the modules it imports;
- uv run, no writes: ``uv run amlstack plan`` as README has it, the "no writes" case plus uv's
  check of the environment on every run (which, with ``compile-bytecode``, walks site-packages
  again: astral-sh/uv#12202)."""


@dataclass(frozen=True)
class BytecodeRow:
    """One stack: per bytecode kind, the median wall seconds, CPU seconds and peak MiB."""

    case: str
    medians: dict[str, Sample]

    def ratio(self, kind: str, field: str) -> float:
        """`kind` over cached for `field` (wall or cpu)."""
        return float(getattr(self.medians[kind], field) / getattr(self.medians["cached"], field))


def uncompiled_environment(scratch: Path) -> Path:
    """The scripts directory of an environment of this lock synced without bytecode."""
    venv = scratch / "venv-uncompiled"
    subprocess.run(
        ["uv", "sync", "--frozen", "--no-compile-bytecode", "--quiet"],
        cwd=ROOT,
        env={**child_env(), "UV_PROJECT_ENVIRONMENT": str(venv), "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
    )
    if any(venv.rglob("*.pyc")):
        raise SystemExit(f"{venv} has bytecode; is the uv cache shared with a compiled one?")
    return venv / "bin"


def bytecode_commands(
    case: Case, scratch: Path, uncompiled: Path
) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Per bytecode kind, the command and its environment."""
    sources = scratch / "sources"
    if not sources.is_dir():
        for package in ("components", "infra", "jobs"):
            shutil.copytree(
                ROOT / package, sources / package, ignore=shutil.ignore_patterns("__pycache__")
            )
    no_writes = {**child_env(), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(sources)}
    arguments = ["plan", case.stack, "-C", str(case.project)]
    return {
        "cached": ([str(AMLSTACK), *arguments], child_env()),
        "no writes": ([str(AMLSTACK), *arguments], no_writes),
        "no writes, not compiled": ([str(uncompiled / "amlstack"), *arguments], no_writes),
        "uv run, no writes": (
            ["uv", "run", "--project", str(ROOT), "amlstack", *arguments],
            no_writes,
        ),
    }


def bench_bytecode(cases: Sequence[Case], repeats: int, scratch: Path) -> list[BytecodeRow]:
    """One unmeasured run of every kind, then `repeats` rounds in alternating order."""
    uncompiled = uncompiled_environment(scratch)
    commands = {case.label: bytecode_commands(case, scratch, uncompiled) for case in cases}
    for case in cases:
        for command, env in commands[case.label].values():
            measure(command, scratch, env)
    samples: dict[tuple[str, str], list[Sample]] = {}
    for round_ in range(repeats):
        for case in cases:
            order = BYTECODE_KINDS if round_ % 2 == 0 else tuple(reversed(BYTECODE_KINDS))
            for kind in order:
                command, env = commands[case.label][kind]
                samples.setdefault((case.label, kind), []).append(measure(command, scratch, env))
        print(f"bytecode round {round_ + 1}/{repeats} done", file=sys.stderr)
    return [
        BytecodeRow(
            case.label, {kind: median(samples[(case.label, kind)]) for kind in BYTECODE_KINDS}
        )
        for case in cases
    ]


def bytecode_markdown(rows: Sequence[BytecodeRow]) -> str:
    kinds = " | ".join(f"{kind} s (CPU s)" for kind in BYTECODE_KINDS)
    ratios = " | ".join(f"{kind} / cached" for kind in BYTECODE_KINDS[1:])
    lines = [
        f"| case | {kinds} | {ratios} |",
        f"|---|{'---:|' * (2 * len(BYTECODE_KINDS) - 1)}",
    ]
    for row in rows:
        times = " | ".join(
            f"{row.medians[kind].wall:.2f} ({row.medians[kind].cpu:.2f})" for kind in BYTECODE_KINDS
        )
        shares = " | ".join(
            f"{row.ratio(kind, 'wall'):.2f} ({row.ratio(kind, 'cpu'):.2f})"
            for kind in BYTECODE_KINDS[1:]
        )
        lines.append(f"| {row.case} | {times} | {shares} |")
    return "\n".join(lines)


def bytecode_goals(rows: Sequence[BytecodeRow]) -> list[str]:
    worst = max(max(r.ratio("no writes", "wall"), r.ratio("no writes", "cpu")) for r in rows)
    verdict = "met" if worst <= BYTECODE_GOAL else "MISSED"
    figures = ", ".join(
        f"{r.case} {r.ratio('no writes', 'wall'):.2f} ({r.ratio('no writes', 'cpu'):.2f} CPU)"
        for r in rows
    )
    return [f"goal plan without bytecode writes <= {BYTECODE_GOAL} x cached: {verdict} ({figures})"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


# The floor: bare Pulumi resources under the same mocks, without amlstack's components.


def import_mock_runtime() -> types.ModuleType:
    """``components.recording`` without running ``components/__init__`` (which imports every
    component and pulumi-azure-native): the floor shares only the mock runtime."""
    package = types.ModuleType("components")
    package.__path__ = [str(ROOT / "components")]
    sys.modules["components"] = package
    spec = importlib.util.find_spec("components.recording")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["components.recording"] = module
    spec.loader.exec_module(module)
    return module


def creation_order(resources: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Parents and dependencies before the resources that name them."""
    by_urn = {r["urn"]: r for r in resources}
    done: set[str] = set()

    def visit(urn: str) -> Iterator[dict[str, Any]]:
        if urn in done or urn not in by_urn:
            return
        done.add(urn)
        resource = by_urn[urn]
        for before in [resource["parent"], *resource["dependencies"]]:
            yield from visit(before)
        yield resource

    for resource in resources:
        yield from visit(resource["urn"])


def run_floor(specs: Sequence[Path], *, sdk: bool) -> None:
    """Register the resources of each plan JSON in `specs`, one mock run each, in order.

    The garbage collector is handled as ``amlstack plan`` handles it (paused for the whole
    command, nothing left for it to scan at exit), so that the floor gets every advantage the
    plan has."""
    engine = import_mock_runtime()
    atexit.register(gc.freeze)
    with engine.paused_collector():
        documents = [json.loads(spec.read_text()) for spec in specs]
        if sdk:  # the SDK modules load lazily, on first use of a class
            tokens = {r["type"] for d in documents for r in d["resources"] if r["custom"]}
            for token in sorted(t for t in tokens if t.startswith("azure-native:")):
                _, module, kind = token.split(":")
                getattr(importlib.import_module(f"pulumi_azure_native.{module}"), kind)
        for document in documents:
            replay(engine, document)


def replay(engine: types.ModuleType, document: dict[str, Any]) -> None:
    """Register `document`'s resources and outputs as bare Pulumi resources under the mocks."""

    def program() -> None:
        created: dict[str, pulumi.Resource] = {}
        for resource in creation_order(document["resources"]):
            if resource["type"] == "pulumi:pulumi:Stack":
                continue
            options = pulumi.ResourceOptions(
                parent=created.get(resource["parent"]),
                depends_on=[created[d] for d in resource["dependencies"] if d in created],
                protect=resource["protect"],
            )
            if resource["custom"]:
                created[resource["urn"]] = pulumi.CustomResource(
                    resource["type"], resource["name"], dict(resource["inputs"]), options
                )
            else:
                component = pulumi.ComponentResource(
                    resource["type"], resource["name"], None, options
                )
                component.register_outputs({})
                created[resource["urn"]] = component
        for key, value in document["outputs"].items():
            pulumi.export(key, value)

    engine.record(program, project=document["project"], stack=document["stack"])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="measurements per case (5)")
    parser.add_argument(
        "--fleet", type=int, nargs="*", default=[1, 10, 50], help="fleet sizes (1 10 50)"
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("floor", "bytecode"),
        default=["floor", "bytecode"],
        help="what to measure: the plan against its floor, the plan without bytecode writes (both)",
    )
    parser.add_argument("--floor", type=Path, nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--floor-sdk", type=Path, nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor is not None or args.floor_sdk is not None:
        run_floor(args.floor or args.floor_sdk, sdk=args.floor_sdk is not None)
        return
    samples = [Case("dev", ROOT, "dev", 1), Case("prod", ROOT, "prod", 1)]
    with tempfile.TemporaryDirectory(prefix="amlstack-bench-") as temporary:
        scratch = Path(temporary)
        cases = [*samples, *(fleet_project(scratch / f"fleet-{n}", n) for n in args.fleet)]
        rows = bench(cases, args.repeats, scratch) if "floor" in args.parts else []
        bytecode = (
            bench_bytecode(samples, args.repeats, scratch) if "bytecode" in args.parts else []
        )
    print(f"machine: {machine()}; medians of {args.repeats} runs\n")
    if rows:
        print(markdown(rows))
        print()
        print("\n".join(scaling(rows) + goals(rows)))
        print()
    if bytecode:
        print(bytecode_markdown(bytecode))
        print()
        print("\n".join(bytecode_goals(bytecode)))
    if args.json is not None:
        document = {"floor": [asdict(r) for r in rows], "bytecode": [asdict(r) for r in bytecode]}
        args.json.write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
