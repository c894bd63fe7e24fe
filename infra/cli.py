"""The ``amlstack`` command line: ``plan`` and ``policies`` here; the ``job`` and ``model`` verbs,
and the consoles every command prints through, come from ``jobs.cli``."""

from __future__ import annotations

import atexit
import gc
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from components.errors import AmlStackError
from components.recording import paused_collector
from jobs.cli import ProjectDir, err, fail, job_app, model_app, out

if TYPE_CHECKING:
    from components.recording import RecordedResource
    from infra.plan import Plan

__all__ = ["EXIT_INVALID_CONFIG", "EXIT_POLICY_FAILED", "app", "main"]

EXIT_INVALID_CONFIG = 2
EXIT_POLICY_FAILED = 3

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
            'itself (README, "Deploy for real"); job and model work on the deployed stack.',
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
)


@app.command(
    epilog="\n".join(
        [
            "Runs the real program in infra/ with the config of Pulumi.STACK.yaml under Pulumi's "
            "mock runtime: nothing is created, and no cloud or Pulumi CLI is needed. Prints the "
            "resource tree, the stack outputs, the results of the security baseline's rules "
            "(amlstack policies) and the estimated deployment critical path. The subscription "
            "is a placeholder unless the stack file sets azure-native:subscriptionId.",
            "",
            "Examples:",
            "  amlstack plan dev",
            "  amlstack plan prod --json plan-prod.json --graph plan-prod.svg",
            "  amlstack plan dev --json before.json    (the stack as deployed)",
            "  amlstack plan dev --since before.json   (after an edit: what pulumi up changes)",
            "  amlstack plan prod --previous outputs-prod.json",
            "",
            "Exit codes: 0 planned; 2 invalid config, no such project or stack, or a file option "
            "that cannot be read or written or does not hold what it takes (the message names "
            "the key or file, the value and what is allowed); 3 a mandatory policy failed (meet "
            "the rule, or waive it in amlstack:waivers with a reason), or, with --since, a "
            "change would lose data or cannot be made in place (allow it in "
            "amlstack:allowReplace).",
        ]
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
    project_dir: ProjectDir = Path(),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the summary line.")
    ] = False,
    since: Annotated[
        Path | None,
        typer.Option(
            "--since",
            help="A plan JSON of the stack as deployed: also print what pulumi up would change "
            "from it, in the engine's order, each changed input with its old and new value and "
            "whether it forces replacement; a replacement or delete that loses data fails the "
            "plan (exit 3) unless amlstack:allowReplace names the resource.",
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
    """Show what pulumi up would deploy for a stack, offline: resources, outputs, policies."""
    from infra.plan import find_project, render_plan, run_plan
    from infra.plan.files import read_outputs_file

    try:
        before = _check_plan_files(since=since, json_file=json_file, graph=graph)
        outputs = read_outputs_file(previous) if previous is not None else None
        result = run_plan(find_project(project_dir), stack, previous=outputs, since=before)
        if quiet:
            out.print(f"{stack}: {sum(1 for r in result.resources if r.custom)} resources")
        else:
            out.print(render_plan(result))
        if result.changes is not None:
            from infra.plan.change_view import render_changes

            shown = render_changes(
                result.changes, result.steps, since=str(since), allow=result.allow_replace
            )
            out.print(shown, highlight=False)
        _write_plan_files(result, json_file=json_file, graph=graph)
    except AmlStackError as error:  # invalid config or option, no project here, a bad file
        fail(str(error), EXIT_INVALID_CONFIG)
    failed = result.failed_mandatory
    if failed:
        from infra.plan.guard import GUARD_POLICIES

        rules = ", ".join(sorted({p.policy for p in failed}))
        remedy = "meet the rule, or waive it in amlstack:waivers with a reason"
        if all(p.policy in GUARD_POLICIES for p in failed):
            remedy = "change the config back, or allow the change in amlstack:allowReplace"
        fail(
            f"{len(failed)} mandatory polic{'y' if len(failed) == 1 else 'ies'} failed ({rules}); "
            f"{remedy}",
            EXIT_POLICY_FAILED,
        )


def _check_plan_files(
    *, since: Path | None, json_file: Path | None, graph: Path | None
) -> list[RecordedResource] | None:
    """Before the plan runs: the resources of the `since` plan, and that the files to write
    can be written (a `PlanFileError` otherwise)."""
    from infra.plan.files import check_writable, read_plan_file
    from infra.plan.graph import graph_format

    if json_file is not None:
        check_writable(json_file, option="--json")
    if graph is not None:
        graph_format(graph)
        check_writable(graph, option="--graph")
    return read_plan_file(since) if since is not None else None


def _write_plan_files(plan: Plan, *, json_file: Path | None, graph: Path | None) -> None:
    from infra.plan import write_graph
    from infra.plan.files import write_file

    if json_file is not None:
        write_file(json_file, plan.to_json(), option="--json")
        err.print(f"plan JSON written to {json_file}")
    if graph is not None:
        written = write_graph(plan, graph)
        note = "" if written == graph else " (Graphviz 'dot' not found: Mermaid instead of SVG)"
        err.print(f"graph written to {written}{note}")


@app.command(
    epilog="\n".join(
        [
            "Each rule is one row of the security baseline. amlstack plan and the CrossGuard "
            "policy pack (pulumi preview --policy-pack infra/policy) run the same rules over a "
            "stack, those of its tier (amlstack:tier, dev or prod). A failing mandatory rule "
            "stops the plan (exit code 3) and the deployment; an advisory one is reported. To "
            "relax a rule of the stack's own tier on purpose, waive it by id in the stack file:",
            "",
            "  amlstack:waivers:",
            "    - rule: workspace-public-network-disabled",
            "      reason: Reached from the office network until the endpoints exist (OPS-142)",
            "      workspace: main    # optional: only this workspace; default the whole stack",
            "",
            "Exit code: 0.",
        ]
    )
)
def policies() -> None:
    """List the security baseline's rules: id (for amlstack:waivers), level, tiers, checks."""
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


# `amlstack job ...` and `amlstack model ...` (jobs/cli.py imports azure-ai-ml lazily).
app.add_typer(job_app, name="job")
app.add_typer(model_app, name="model")


def main() -> None:
    """Console script entry point."""
    # The process ends with its command; Python's last cyclic garbage collection, at exit, would
    # scan every object a plan kept (1.5 million for 50 workspaces: 1-2 s) only to free memory
    # that the exit frees anyway. Frozen objects are left out of it.
    atexit.register(gc.freeze)
    app()
