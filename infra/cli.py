"""The ``amlstack`` command line: ``amlstack plan`` here; job verbs come from ``jobs.cli``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from components.errors import AmlStackError, ConfigError
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
        "  amlstack plan prod --json plan-prod.json --graph plan-prod.svg"
    )
)
def plan(
    stack: Annotated[
        str, typer.Argument(help="Stack name: the STACK of a Pulumi.STACK.yaml file.")
    ],
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
) -> None:
    """Plan a stack offline: run the real Pulumi program under Pulumi's mock runtime.

    Nothing is created and no cloud or Pulumi CLI is needed. Prints the resource tree, the stack
    outputs and the policy results; the subscription is a placeholder unless the stack file sets
    [bold]azure-native:subscriptionId[/].
    """
    from infra.plan import find_project, render_plan, run_plan, write_graph

    try:
        project = find_project(project_dir)
        result = run_plan(project, stack)
    except ConfigError as error:
        fail(str(error), EXIT_INVALID_CONFIG)
    except AmlStackError as error:
        fail(str(error), EXIT_INVALID_CONFIG)
    if quiet:
        out.print(f"{stack}: {sum(1 for r in result.resources if r.custom)} resources")
    else:
        out.print(render_plan(result))
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


# `amlstack job ...` and `amlstack model ...` (jobs/cli.py imports azure-ai-ml lazily).
app.add_typer(job_app, name="job")
app.add_typer(model_app, name="model")


def fail(message: str, code: int) -> NoReturn:
    """Print `message` as an error (no traceback) and exit with `code`."""
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def main() -> None:
    """Console script entry point."""
    app()
