"""The ``amlstack`` command line: ``amlstack plan`` here; job verbs come from ``jobs.cli``."""

from __future__ import annotations

import atexit
import gc
import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from components.errors import AmlStackError, ConfigError
from components.testing import paused_collector
from jobs.cli import job_app, model_app

__all__ = ["EXIT_INVALID_CONFIG", "EXIT_POLICY_FAILED", "app", "main"]

EXIT_INVALID_CONFIG = 2
EXIT_POLICY_FAILED = 3

app = typer.Typer(
    name="amlstack",
    help="Infrastructure as code for Azure Machine Learning: plan stacks offline, submit jobs.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console(width=None if Console().is_terminal else 160)
err = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Plan Azure ML stacks offline and work with the jobs that run on them.

    [bold]amlstack plan STACK[/] shows what [bold]pulumi up[/] would deploy for Pulumi.STACK.yaml.
    """


@app.command(
    epilog=(
        "Exit codes: 0 planned; 2 invalid config (the message names the key, the value and what "
        "is allowed); 3 a mandatory policy failed.\n\n"
        "Examples:\n\n"
        "  amlstack plan dev\n\n"
        "  amlstack plan prod --json plan-prod.json --graph plan-prod.svg\n\n"
        "  amlstack plan dev --since plan-dev.json"
        "\n\n"
        "  amlstack plan prod --previous outputs-prod.json"
    )
)
@paused_collector()  # a plan keeps what it records until it ends: nothing for the collector
def plan(
    stack: Annotated[
        str, typer.Argument(help="Stack name: the STACK of a Pulumi.STACK.yaml file.")
    ],
    *,
    json_file: Annotated[
        Path | None,
        typer.Option("--json", help="Write the plan JSON (version 1, sorted keys) to this file."),
    ] = None,
    graph: Annotated[
        Path | None,
        typer.Option(
            "--graph",
            help="Draw the dependency graph: .svg (Graphviz; Mermaid .mmd beside it when Graphviz "
            "is missing), .dot, .mmd or .md (Mermaid).",
        ),
    ] = None,
    project_dir: Annotated[
        Path, typer.Option("--project-dir", "-C", help="Directory with Pulumi.yaml (or below it).")
    ] = Path(),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the summary line.")
    ] = False,
    since: Annotated[
        Path | None,
        typer.Option(
            "--since",
            help="A plan JSON of the stack as deployed: also print the steps pulumi up would "
            "take from it, in the engine's order (creates and updates, then deletes).",
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="Outputs of the deployed stack (pulumi stack output --json): changes Azure cannot "
            "make from there (managed network mode) are refused. Default: a new stack.",
        ),
    ] = None,
) -> None:
    """Plan a stack offline: run the real Pulumi program under Pulumi's mock runtime.

    Nothing is created and no cloud or Pulumi CLI is needed. Prints the resource tree, the stack
    outputs and the policy results; the subscription is a placeholder unless the stack file sets
    [bold]azure-native:subscriptionId[/].
    """
    from infra.plan import find_project, render_plan, run_plan, write_graph

    try:
        project = find_project(project_dir)
        result = run_plan(project, stack, previous=_read_outputs(previous))
    except ConfigError as error:
        fail(str(error), EXIT_INVALID_CONFIG)
    except AmlStackError as error:
        fail(str(error), EXIT_INVALID_CONFIG)
    if quiet:
        out.print(f"{stack}: {sum(1 for r in result.resources if r.custom)} resources")
    else:
        out.print(render_plan(result))
    if since is not None:
        from infra.plan.rollout import read_plan_resources, render_rollout, rollout

        try:
            steps = rollout(read_plan_resources(since), result.resources)
        except ConfigError as error:
            fail(str(error), EXIT_INVALID_CONFIG)
        out.print(f"\nsteps from {since}:\n{render_rollout(steps)}", highlight=False)
    if json_file is not None:
        json_file.write_text(result.to_json())
        err.print(f"plan JSON written to {json_file}")
    if graph is not None:
        try:
            written = write_graph(result, graph)
        except ValueError as error:
            fail(str(error), EXIT_INVALID_CONFIG)
        note = "" if written == graph else " (Graphviz 'dot' not found: Mermaid instead of SVG)"
        err.print(f"graph written to {written}{note}")
    failed = result.failed_mandatory
    if failed:
        rules = ", ".join(sorted({p.policy for p in failed}))
        fail(
            f"{len(failed)} mandatory polic{'y' if len(failed) == 1 else 'ies'} failed ({rules}); "
            "meet the rule, or waive it in amlstack:waivers with a reason",
            EXIT_POLICY_FAILED,
        )


@app.command()
def policies() -> None:
    """List the baseline's rules: id (for amlstack:waivers), level, tiers, what each checks."""
    from infra.policy import RULES

    for rule in RULES:
        tiers = "+".join(sorted(rule.tiers))
        types = ", ".join(t.removeprefix("azure-native:") for t in rule.resource_types)
        out.print(
            f"[bold]{rule.id}[/] [dim]{rule.level}, {tiers}[/]\n"
            f"    {escape(rule.summary)}: {escape(types)} {escape(rule.path)} = "
            f"{escape(rule.required)} [dim]({escape(rule.sources)})[/]",
            highlight=False,
        )


def _read_outputs(path: Path | None) -> dict[str, Any] | None:
    """The stack outputs in `path` (``pulumi stack output --json``), or None without a file."""
    if path is None:
        return None
    try:
        outputs = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError.single(
            "--previous", str(path), f"expected the JSON of 'pulumi stack output --json': {error}"
        ) from None
    if not isinstance(outputs, dict):
        raise ConfigError.single("--previous", str(path), "expected a JSON object of stack outputs")
    return outputs


# `amlstack job ...` and `amlstack model ...` (jobs/cli.py imports azure-ai-ml lazily).
app.add_typer(job_app, name="job")
app.add_typer(model_app, name="model")


def fail(message: str, code: int) -> NoReturn:
    """Print `message` as an error (no traceback) and exit with `code`."""
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def main() -> None:
    """Console script entry point."""
    # The process ends with its command; Python's last cyclic garbage collection, at exit, would
    # scan every object a plan kept (1.5 million for 50 workspaces: 1-2 s) only to free memory
    # that the exit frees anyway. Frozen objects are left out of it.
    atexit.register(gc.freeze)
    app()
