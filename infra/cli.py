"""The ``amlstack`` command line: ``plan`` and ``policies`` here; the ``job`` and ``model`` verbs,
and the consoles every command prints through, come from ``jobs.cli``."""

from __future__ import annotations

import atexit
import gc
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from components.errors import AmlStackError, ConfigError
from components.testing import paused_collector
from jobs.cli import ProjectDir, err, fail, job_app, model_app, out

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
            "  amlstack plan dev --since before.json   (after an edit: the steps pulumi up takes)",
            "  amlstack plan prod --previous outputs-prod.json",
            "",
            "Exit codes: 0 planned; 2 invalid config, or no such project or stack (the message "
            "names the key, the value and what is allowed; nothing is planned); 3 a mandatory "
            "policy failed (meet the rule, or waive it in amlstack:waivers with a reason).",
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
    """Show what pulumi up would deploy for a stack, offline: resources, outputs, policies."""
    from infra.plan import find_project, render_plan, run_plan, write_graph

    try:
        project = find_project(project_dir)
        result = run_plan(project, stack, previous=_read_outputs(previous))
    except AmlStackError as error:  # invalid config, or no project here
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


@app.command(
    epilog="\n".join(
        [
            "Each rule is one row of the security baseline and names the Azure built-in "
            "policies it stands for (MCSB: in the Microsoft cloud security benchmark). amlstack "
            "plan and the CrossGuard policy pack (pulumi preview --policy-pack infra/policy) "
            "run the same rules over a stack, those of its tier (amlstack:tier, dev or prod); "
            "the others are reported as relaxed, naming the dev preset behind each. A failing "
            "mandatory rule stops the plan (exit code 3) and the deployment; an advisory one is "
            "reported. docs/security.md is amlstack policies --markdown. To relax a rule of the "
            "stack's own tier on purpose, waive it by id in the stack file:",
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
def policies(
    *,
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown",
            help="Print the security document instead (docs/security.md is this output).",
        ),
    ] = False,
) -> None:
    """List the security baseline's rules: id (for amlstack:waivers), level, tiers, checks, and
    the Azure built-in policies each stands for."""
    from infra.policy import RULES
    from infra.policy.builtins import builtin
    from infra.policy.document import security_document
    from infra.tiers import PRESETS

    if markdown:
        print(security_document(), end="")
        return
    for rule in RULES:
        tiers = "+".join(sorted(rule.tiers))
        types = ", ".join(t.removeprefix("azure-native:") for t in rule.resource_types)
        lines = [
            f"[bold]{rule.id}[/] [dim]{rule.level}, {tiers}[/]",
            f"    {escape(rule.summary)}: {escape(types)} {escape(rule.path)} = "
            f"{escape(rule.required)} [dim]({escape(rule.sources)})[/]",
        ]
        lines += [
            f"    built-in {b.short_id}{' (MCSB)' if b.benchmark else ''}: {escape(b.name)}"
            for b in (builtin(i) for i in rule.builtins)
        ]
        lines += [
            f"    [dim]relaxed in dev stacks by {escape(p.key)}: {p.value!r}[/]"
            for p in PRESETS["dev"]
            if rule.id in p.rules
        ]
        if rule.note:
            lines.append(f"    [italic]{escape(rule.note)}[/]")
        out.print("\n".join(lines), highlight=False)


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


def main() -> None:
    """Console script entry point."""
    # The process ends with its command; Python's last cyclic garbage collection, at exit, would
    # scan every object a plan kept (1.5 million for 50 workspaces: 1-2 s) only to free memory
    # that the exit frees anyway. Frozen objects are left out of it.
    atexit.register(gc.freeze)
    app()
