"""Benchmark `amlstack plan` against the floor: the same resources as bare Pulumi resources.

    uv run python benchmarks/plan_bench.py [--repeats 5] [--fleet 1 10 50 200] [--json FILE]
        [--parts floor bytecode jobs]

Cases: the dev and prod sample stacks, and a fleet stack of N team workspaces (`team_workspace`)
for each N. Every case references the registry stack ``shared``, which the plan plans first. For
each case, one unmeasured run of the plan per stack writes its JSON (what the floors replay) and
warms the bytecode and amlstack's cache (a scratch ``XDG_CACHE_HOME``: schedules' resolved jobs,
as on any run after the first); then, `--repeats` times in alternating order, three
measurements, each in a fresh Python process:

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
table gives medians and ratios, then the goals: plan/floor+sdk time <= 1.2; 50 workspaces under
15 s and 1 GiB, 200 under 40 s and 1.5 GiB (`FLEET_GOALS`); time linear in the number of
workspaces.

The bytecode part (``--parts bytecode``) plans dev and prod where Python writes no bytecode
(``PYTHONDONTWRITEBYTECODE=1``) in an environment of the same lock synced without bytecode: on
the first run (nothing compiled: the command compiles what it imports, and writes their bytecode
when it ends, `infra.bytecode`), on later runs, and through ``uv run``, against the plan with
bytecode cached (`BYTECODE_KINDS`); the goal: later runs within 1.2 times the cached plan.

The jobs part (``--parts jobs``) times ``amlstack job submit --dry-run`` of the dev stack's
scheduled pipeline against azure-ai-ml's import (`JOB_KINDS`): with ``--outputs`` (the goal:
within the import + 1 s), without it with the plan of the same config in amlstack's cache, and
with an empty cache (planned on the spot); and the dev plan with an empty cache (its schedule's
job resolved with azure-ai-ml) against the plan with it kept.
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
import yaml

ROOT = Path(__file__).resolve().parent.parent
AMLSTACK = Path(sys.executable).with_name("amlstack")
RATIO_GOAL = 1.2
"""Plan over floor+sdk: the plan's own overhead over the SDK's classes under the mocks."""
FLEET_GOALS = {50: (15.0, 1024), 200: (40.0, 1536)}
"""Workspaces -> (seconds, MiB) a fleet of that size plans within, on two cores."""
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

    def ratio(self, field: str, base: str = "floor") -> float:
        """Plan over `base` (floor or floor+sdk) for `field` (wall, cpu or peak_mib)."""
        plan, floor = self.medians["plan"], self.medians[base]
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


CACHE = Path(tempfile.mkdtemp(prefix="amlstack-bench-cache-"))
"""amlstack's cache (``XDG_CACHE_HOME``) of the measured processes: never the user's."""
atexit.register(shutil.rmtree, CACHE, ignore_errors=True)


def child_env(cache: Path = CACHE) -> dict[str, str]:
    """The environment of measured processes: bytecode cached like on any machine after a run,
    amlstack's cache in `cache`."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["XDG_CACHE_HOME"] = str(cache)
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
    """`repeats` rounds of `KINDS` per case (`compare`, in the repository); the unmeasured runs
    are `write_specs`' plans, which write what the floors replay."""
    specs = {case.label: write_specs(case, scratch) for case in cases}
    runs = {
        case.label: {
            kind: Run(
                plan_command(case) if kind == "plan" else floor_command(specs[case.label], kind),
                child_env(),
            )
            for kind in KINDS
        }
        for case in cases
    }
    medians = {row.case: row.medians for row in compare(runs, KINDS, repeats, ROOT, warm_up=False)}
    return [
        Row(
            case=case.label,
            workspaces=case.workspaces,
            resources=custom_resources(specs[case.label][-1]),
            referenced=sum(custom_resources(spec) for spec in specs[case.label][:-1]),
            medians=medians[case.label],
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
        "| floor+sdk s (CPU s) | plan/floor (CPU) | plan/floor+sdk (CPU) "
        "| plan MiB | floor MiB | floor+sdk MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        plan, floor, sdk = (r.medians[kind] for kind in KINDS)
        lines.append(
            f"| {r.case} | {r.resources} (+ {r.referenced}) | {plan.wall:.2f} ({plan.cpu:.2f}) | "
            f"{floor.wall:.2f} ({floor.cpu:.2f}) | {sdk.wall:.2f} ({sdk.cpu:.2f}) | "
            f"{r.ratio('wall'):.2f} ({r.ratio('cpu'):.2f}) | "
            f"{r.ratio('wall', 'floor+sdk'):.2f} ({r.ratio('cpu', 'floor+sdk'):.2f}) | "
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
    worst = max(rows, key=lambda r: r.ratio("wall", "floor+sdk"))

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
    cpu_ratios = ", ".join(f"{r.case} {r.ratio('cpu', 'floor+sdk'):.2f}" for r in rows)
    fleets = []
    for row in fleet_rows(rows):
        if row.workspaces in FLEET_GOALS:
            seconds, mib = FLEET_GOALS[row.workspaces]
            plan = row.medians["plan"]
            fleets += [
                f"goal {row.case} ({row.resources} resources) < {seconds:.0f} s: "
                f"{verdict(plan.wall < seconds)} ({plan.wall:.1f} s, {plan.cpu:.1f} CPU s)",
                f"goal {row.case} < {mib} MiB: {verdict(plan.peak_mib < mib)} "
                f"({plan.peak_mib:.0f} MiB)",
            ]
    return [
        *linear,
        f"goal plan/floor+sdk time <= {RATIO_GOAL}: "
        f"{verdict(worst.ratio('wall', 'floor+sdk') <= RATIO_GOAL)} "
        f"(worst {worst.ratio('wall', 'floor+sdk'):.2f}, {worst.case}; in CPU time: "
        f"{cpu_ratios})",
        *fleets,
    ]


# Bytecode: the plan where Python writes none (PYTHONDONTWRITEBYTECODE=1, as many Docker images
# and CI runners set), against the plan with bytecode cached.

BYTECODE_GOAL = 1.2
BYTECODE_KINDS = (
    "cached",
    "no writes, first run",
    "no writes, later runs",
    "uv run, no writes",
)
"""How the plan command runs in the bytecode comparison:

- cached: bytecode written and read as Python does by default;
- no writes, first run: PYTHONDONTWRITEBYTECODE=1 in an environment of the same lock synced
  without bytecode, its bytecode removed before each run: the run compiles every module it
  imports, and when it ends writes the bytecode of the libraries it used (`infra.bytecode`);
  amlstack's own modules come from a copy without bytecode, as in a fresh clone where nothing
  ever writes any;
- no writes, later runs: the same after a first run, reading what that run wrote;
- uv run, no writes: ``uv run amlstack plan`` as README has it, in this environment, with uv's
  check of the environment before every run."""


@dataclass(frozen=True)
class Run:
    """A measured command: its environment, and what to do before each measurement."""

    command: list[str]
    env: dict[str, str]
    prepare: Callable[[], object] = lambda: None


@dataclass(frozen=True)
class KindRow:
    """One case of a comparison: per kind, the median wall seconds, CPU seconds and peak MiB."""

    case: str
    medians: dict[str, Sample]

    def ratio(self, kind: str, field: str, base: str = "cached") -> float:
        """`kind` over `base` for `field` (wall or cpu)."""
        return float(getattr(self.medians[kind], field) / getattr(self.medians[base], field))


def uncompiled_environment(scratch: Path) -> Path:
    """An environment of this lock synced without bytecode."""
    venv = scratch / "venv-uncompiled"
    subprocess.run(
        ["uv", "sync", "--frozen", "--no-compile-bytecode", "--quiet"],
        cwd=ROOT,
        env={**child_env(), "UV_PROJECT_ENVIRONMENT": str(venv), "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
    )
    if any(venv.rglob("*.pyc")):
        raise SystemExit(f"{venv} has bytecode; is the uv cache shared with a compiled one?")
    return venv


def remove_bytecode(venv: Path) -> None:
    for cache in list(venv.glob("lib/python*/site-packages/**/__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)


def bytecode_runs(case: Case, scratch: Path, uncompiled: Path) -> dict[str, Run]:
    """Per bytecode kind, how the plan of `case` runs."""
    sources = scratch / "sources"
    if not sources.is_dir():
        for package in ("components", "infra", "jobs"):
            shutil.copytree(
                ROOT / package, sources / package, ignore=shutil.ignore_patterns("__pycache__")
            )
    no_writes = {**child_env(), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(sources)}
    arguments = ["plan", case.stack, "-C", str(case.project)]
    fresh = [str(uncompiled / "bin" / "amlstack"), *arguments]
    return {
        "cached": Run([str(AMLSTACK), *arguments], child_env()),
        "no writes, first run": Run(fresh, no_writes, lambda: remove_bytecode(uncompiled)),
        "no writes, later runs": Run(fresh, no_writes),
        "uv run, no writes": Run(
            ["uv", "run", "--project", str(ROOT), "amlstack", *arguments], no_writes
        ),
    }


def compare(
    runs: Mapping[str, Mapping[str, Run]],
    kinds: Sequence[str],
    repeats: int,
    cwd: Path,
    *,
    warm_up: bool = True,
) -> list[KindRow]:
    """One unmeasured run of every kind of every case (unless not `warm_up`), then `repeats`
    rounds in alternating order, each command run in `cwd`; medians per case and kind."""
    if warm_up:
        for case in runs.values():
            for run in case.values():
                run.prepare()
                measure(run.command, cwd, run.env)
    samples: dict[tuple[str, str], list[Sample]] = {}
    for round_ in range(repeats):
        for label, case in runs.items():
            for kind in kinds if round_ % 2 == 0 else tuple(reversed(kinds)):
                case[kind].prepare()
                sample = measure(case[kind].command, cwd, case[kind].env)
                samples.setdefault((label, kind), []).append(sample)
        print(f"round {round_ + 1}/{repeats} done", file=sys.stderr)
    return [KindRow(label, {k: median(samples[(label, k)]) for k in kinds}) for label in runs]


def bench_bytecode(cases: Sequence[Case], repeats: int, scratch: Path) -> list[KindRow]:
    uncompiled = uncompiled_environment(scratch)
    runs = {case.label: bytecode_runs(case, scratch, uncompiled) for case in cases}
    return compare(runs, BYTECODE_KINDS, repeats, scratch)


def kinds_markdown(rows: Sequence[KindRow], kinds: Sequence[str], base: str) -> str:
    times = " | ".join(f"{kind} s (CPU s)" for kind in kinds)
    ratios = " | ".join(f"{kind} / {base}" for kind in kinds if kind != base)
    others = [kind for kind in kinds if kind != base]
    lines = [
        f"| case | {times} | {ratios} |",
        f"|---|{'---:|' * (len(kinds) + len(others))}",
    ]
    for row in rows:
        shown = " | ".join(
            f"{row.medians[kind].wall:.2f} ({row.medians[kind].cpu:.2f})" for kind in kinds
        )
        shares = " | ".join(
            f"{row.ratio(kind, 'wall', base):.2f} ({row.ratio(kind, 'cpu', base):.2f})"
            for kind in others
        )
        lines.append(f"| {row.case} | {shown} | {shares} |")
    return "\n".join(lines)


def bytecode_goals(rows: Sequence[KindRow]) -> list[str]:
    later = "no writes, later runs"
    worst = max(max(r.ratio(later, "wall"), r.ratio(later, "cpu")) for r in rows)
    verdict = "met" if worst <= BYTECODE_GOAL else "MISSED"
    figures = ", ".join(
        f"{r.case} {r.ratio(later, 'wall'):.2f} ({r.ratio(later, 'cpu'):.2f} CPU)" for r in rows
    )
    return [f"goal plan without bytecode writes <= {BYTECODE_GOAL} x cached: {verdict} ({figures})"]


# Jobs: job submit --dry-run against azure-ai-ml's import.

JOB_SPEC = ROOT / "pipelines" / "nightly-retrain" / "pipeline.yml"
JOB_GOAL_SECONDS = 1.0
JOB_KINDS = (
    "import azure-ai-ml",
    "dry run --outputs",
    "dry run, plan cached",
    "dry run, no cache",
)
"""How ``job submit --dry-run`` of the dev stack's scheduled pipeline runs:

- import azure-ai-ml: ``python -c "import azure.ai.ml"``, the floor of any command that builds a
  job with it;
- dry run --outputs: with the dev plan's outputs in a file;
- dry run, plan cached: without ``--outputs``, the plan of the same config in amlstack's cache;
- dry run, no cache: without ``--outputs``, amlstack's cache empty (planned on the spot)."""
PLAN_KINDS = ("plan, job kept", "plan, cache empty")
"""The dev plan with its schedule's resolved job in amlstack's cache, and with the cache empty
(the job spec loaded and resolved with azure-ai-ml)."""


def empty_cache(scratch: Path) -> Callable[[], Path]:
    """A callable that empties a cache directory of its own and returns it."""
    directory = scratch / "empty-cache"

    def empty() -> Path:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        return directory

    return empty


def job_runs(scratch: Path) -> tuple[dict[str, Run], dict[str, Run]]:
    """The jobs kinds and the plan kinds of the dev stack."""
    warm = scratch / "warm-cache"
    plan = [str(AMLSTACK), "plan", "dev", "-C", str(ROOT)]
    outputs = scratch / "outputs-dev.json"
    subprocess.run([*plan, "--quiet", "--json", str(outputs)], env=child_env(warm), check=True)
    outputs.write_text(json.dumps(json.loads(outputs.read_text())["outputs"]))
    empty = empty_cache(scratch)
    submit = [str(AMLSTACK), "job", "submit", str(JOB_SPEC), "--stack", "dev", "-C", str(ROOT)]
    jobs = {
        "import azure-ai-ml": Run([sys.executable, "-c", "import azure.ai.ml"], child_env()),
        "dry run --outputs": Run([*submit, "--outputs", str(outputs), "--dry-run"], child_env()),
        "dry run, plan cached": Run([*submit, "--dry-run"], child_env(warm)),
        "dry run, no cache": Run([*submit, "--dry-run"], child_env(empty()), empty),
    }
    plans = {
        "plan, job kept": Run(plan, child_env(warm)),
        "plan, cache empty": Run(plan, child_env(empty()), empty),
    }
    return jobs, plans


def bench_jobs(repeats: int, scratch: Path) -> tuple[KindRow, KindRow]:
    jobs, plans = job_runs(scratch)
    [job_row] = compare({"job submit --dry-run": jobs}, JOB_KINDS, repeats, scratch)
    [plan_row] = compare({"dev": plans}, PLAN_KINDS, repeats, scratch)
    return job_row, plan_row


def job_goals(row: KindRow) -> list[str]:
    imported, dry = row.medians["import azure-ai-ml"], row.medians["dry run --outputs"]
    cached = row.medians["dry run, plan cached"]
    met = dry.wall <= imported.wall + JOB_GOAL_SECONDS
    return [
        f"goal dry run --outputs <= azure-ai-ml import + {JOB_GOAL_SECONDS:.0f} s: "
        f"{'met' if met else 'MISSED'} ({dry.wall:.2f} s vs {imported.wall:.2f} s + 1; CPU "
        f"{dry.cpu:.2f} vs {imported.cpu:.2f}); without --outputs, the plan cached: "
        f"{cached.wall:.2f} s ({cached.cpu:.2f} CPU s)"
    ]


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
        choices=("floor", "bytecode", "jobs"),
        default=["floor", "bytecode", "jobs"],
        help="what to measure: the plan against its floor, the plan without bytecode writes, "
        "job submit --dry-run (all)",
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
        jobs = bench_jobs(args.repeats, scratch) if "jobs" in args.parts else None
    print(f"machine: {machine()}; medians of {args.repeats} runs\n")
    if rows:
        print(markdown(rows))
        print()
        print("\n".join(scaling(rows) + goals(rows)))
        print()
    if bytecode:
        print(kinds_markdown(bytecode, BYTECODE_KINDS, "cached"))
        print()
        print("\n".join(bytecode_goals(bytecode)))
        print()
    if jobs is not None:
        job_row, plan_row = jobs
        print(kinds_markdown([job_row], JOB_KINDS, "import azure-ai-ml"))
        print()
        print("\n".join(job_goals(job_row)))
        print()
        print(kinds_markdown([plan_row], PLAN_KINDS, "plan, job kept"))
    if args.json is not None:
        document = {
            "floor": [asdict(r) for r in rows],
            "bytecode": [asdict(r) for r in bytecode],
            "jobs": [asdict(r) for r in jobs] if jobs is not None else [],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
