"""The ``amlstack`` console script: one command line composed of two command groups.

``plan`` and ``policies`` come from `infra.cli`, the ``job`` and ``model`` apps from `jobs.cli`;
neither imports the other. This module sits in ``infra`` because it is the one place that knows
both sides: the jobs package never imports ``infra`` (a data scientist's job code does not load
the Pulumi program), so the offline plan that stands in for a deployed stack in ``job submit
--dry-run`` is handed to it from here (`plan_outputs`, through `jobs.cli.JobsHost`).
"""

from __future__ import annotations

import atexit
import gc
from pathlib import Path
from typing import Any

import typer

from infra import cli as infra_cli
from infra.bytecode import write_missing_bytecode
from jobs.cli import JobsHost, job_app, model_app

__all__ = ["app", "main", "plan_outputs"]


def plan_outputs(stack: str, project_dir: Path) -> dict[str, Any]:
    """The outputs of `stack` as the offline plan computes them (`jobs.context.PlanOutputs`):
    those of the last plan of the same config, program and files (`infra.plan_cache`), else
    planned now (and stored)."""
    from infra.plan_cache import PlanCache, project_directory

    cache = PlanCache()
    directory = project_directory(project_dir)
    if directory is not None and (stored := cache.outputs(directory, stack)) is not None:
        return stored
    from infra.plan import find_project, run_plan

    if directory is None:  # no project: the plan says so
        return run_plan(find_project(project_dir), stack).outputs
    return cache.plan_or_run(
        directory, stack, lambda: run_plan(find_project(directory), stack)
    ).outputs


app = typer.Typer(
    name="amlstack",
    help=(
        "Azure Machine Learning as code: plan a stack offline, then run jobs and manage models "
        "on the deployed stack."
    ),
    epilog="\n".join(
        [
            "Start with [bold]amlstack plan dev[/]: what pulumi up would deploy for "
            "Pulumi.dev.yaml, computed offline (no Azure, no Pulumi CLI). Deploying is pulumi up "
            "itself (docs/deploy.md); job and model work on the deployed stack. New stack: "
            "amlstack init STACK.",
            "",
            "Examples:",
            "  amlstack plan dev",
            "  amlstack policies",
            "  amlstack job submit jobs/train.yml --stack dev --dry-run",
            "  amlstack model list --stack dev --outputs outputs-dev.json",
            "",
            "Exit codes: 0 done; 2 invalid input (stack config, job spec, stack outputs or an "
            "option), nothing done; 3 a mandatory policy failed (plan); 4 no Azure credential, "
            "or Azure refused (job, model); 10-13 how a followed job ended (job). Each "
            "command's --help has the details.",
        ]
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"obj": JobsHost(offline_plan=plan_outputs)},
)
app.add_typer(infra_cli.app)  # plan, policies: at the top level
# jobs/cli.py imports azure-ai-ml inside its commands, so `amlstack plan` does not load it.
app.add_typer(job_app, name="job")
app.add_typer(model_app, name="model")


def main() -> None:
    """Console script entry point."""
    # The process ends with its command; Python's last cyclic garbage collection, at exit, would
    # scan every object a plan kept (1.5 million for 50 workspaces: 1-2 s) only to free memory
    # that the exit frees anyway. Frozen objects are left out of it.
    atexit.register(gc.freeze)
    # Where Python writes no bytecode, the next run still finds the libraries' (infra.bytecode).
    atexit.register(write_missing_bytecode)
    app()
