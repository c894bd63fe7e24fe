"""The ``plan``, ``policies``, ``init`` and ``schema`` commands of ``amlstack``; `infra.entrypoint`
composes them with the ``job`` and ``model`` verbs of `jobs.cli`. Every command prints through
`components.console` and ends with a `components.exit_codes.ExitCode`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from components.collector import paused_collector
from components.console import ProjectDir, err, fail, out
from components.errors import AmlStackError, ConfigError
from components.exit_codes import ExitCode
from infra.tiers import Tier

if TYPE_CHECKING:
    from components.recording import RecordedResource
    from infra.plan import Plan

__all__ = ["app"]

GraphDetail = Literal["components", "full"]
"""`infra.plan.graph.GraphDetail`, named here so that ``--help`` imports no Pulumi."""

app = typer.Typer()
"""``plan``, ``policies``, ``init`` and ``schema``; ``infra.entrypoint`` mounts them at the top
of ``amlstack``."""


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
            "  amlstack plan prod --graph plan-prod.svg --graph-detail full",
            "  amlstack plan dev --json before.json    (the stack as deployed)",
            "  amlstack plan dev --since before.json   (after an edit: what pulumi up changes)",
            "  amlstack plan prod --previous outputs-prod.json",
            "",
            "Exit codes: 0 planned; 2 invalid config, no such project or stack, or a file option "
            "that cannot be read or written or does not hold what it takes (the message names "
            "the key or file, the value and what is allowed); 3 a mandatory policy failed (meet "
            "the rule, or waive it in amlstack:waivers with a reason), a network path is "
            "missing (the reachability table names the consumer, the target and the config key "
            "that opens a path) or, with --since, a change would lose data or cannot be made in "
            "place (allow it in amlstack:allowReplace).",
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
            "is missing), .dot, .mmd or .md (Mermaid). The critical path is drawn in red.",
        ),
    ] = None,
    graph_detail: Annotated[
        GraphDetail,
        typer.Option(
            "--graph-detail",
            help="components: one node per component or significant resource, role "
            "assignments, locks and diagnostic settings folded in, a box per workspace and "
            "endpoint; full: every resource and every edge.",
        ),
    ] = "components",
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
    from infra.plan import find_project, print_plan, run_plan
    from infra.plan.files import read_outputs_file
    from infra.plan.tree import failure_summary

    try:
        before = _check_plan_files(since=since, json_file=json_file, graph=graph)
        outputs = read_outputs_file(previous) if previous is not None else None
        project = find_project(project_dir)
        if outputs is None and before is None:  # kept for job submit --dry-run (infra.plan_cache)
            from infra.plan_cache import PlanCache

            result = PlanCache().plan_or_run(
                project.directory, stack, lambda: run_plan(find_project(project.directory), stack)
            )
        else:
            result = run_plan(project, stack, previous=outputs, since=before)
        if quiet:
            out.print(f"{stack}: {sum(1 for r in result.resources if r.custom)} resources")
        else:
            print_plan(result, out)
        if result.changes is not None:
            from infra.plan.change_view import render_changes

            shown = render_changes(
                result.changes, result.steps, since=str(since), allow=result.allow_replace
            )
            out.print(shown, highlight=False)
        _write_plan_files(result, json_file=json_file, graph=graph, graph_detail=graph_detail)
    except AmlStackError as error:  # invalid config or option, no project here, a bad file
        fail(str(error), ExitCode.INVALID_INPUT)
    problems = [path.message for path in result.unreachable]
    if result.failed_mandatory:
        problems.insert(0, failure_summary(result, namespace=project.name))
    if problems:
        fail("\n".join(problems), ExitCode.POLICY_FAILED)


def _check_plan_files(
    *, since: Path | None, json_file: Path | None, graph: Path | None
) -> list[RecordedResource] | None:
    """Before the plan runs: the resources of the `since` plan, and that the files to write
    can be written (a `PlanFileError` otherwise)."""
    from infra.plan import check_graph_path
    from infra.plan.files import check_writable, read_plan_file

    if json_file is not None:
        check_writable(json_file, option="--json")
    if graph is not None:
        check_graph_path(graph)
        check_writable(graph, option="--graph")
    return read_plan_file(since) if since is not None else None


def _write_plan_files(
    plan: Plan, *, json_file: Path | None, graph: Path | None, graph_detail: GraphDetail
) -> None:
    from infra.plan import write_graph
    from infra.plan.files import write_file

    if json_file is not None:
        write_file(json_file, plan.to_json(), option="--json")
        err.print(f"plan JSON written to {json_file}")
    if graph is not None:
        written = write_graph(plan, graph, graph_detail)
        note = (
            ""
            if written == graph
            else " (Graphviz 'dot' not found: Mermaid instead of SVG; apt-get install graphviz)"
        )
        err.print(f"graph written to {written}{note}")


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


Principals = Annotated[
    list[str] | None,
    typer.Option(
        help="A principal for this role on every workspace, repeatable: TYPE:OBJECT_ID[:NAME], "
        "TYPE User, Group or ServicePrincipal (sp).",
        show_default=False,
    ),
]


@app.command(
    epilog="\n".join(
        [
            "Writes Pulumi.STACK.yaml, commented, that plans with exit code 0 and meets the rules "
            "of its tier. In a terminal it asks for what the options leave out (people, computes "
            "and an endpoint only when no option names any); never overwrites a stack file. "
            "Principals are Microsoft Entra object ids (az ad user show --id alice@contoso.com "
            "--query id -o tsv).",
            "",
            "Examples:",
            "  amlstack init dev --tier dev --location westeurope",
            "  amlstack init prod --location westeurope --subnet /subscriptions/<id>/"
            "resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/"
            "snet-private-endpoints",
            "  amlstack init dev --tier dev --location westeurope --workspace vision "
            "--workspace nlp --owner Group:<object id>:ml-admins "
            "--data-scientist User:<object id>:alice@contoso.com --cluster cpu-cluster "
            "--personal-instances --endpoint demand",
            "",
            "Exit codes: 0 written; 2 invalid option, or the stack file exists (nothing written).",
        ]
    )
)
def init(
    stack: Annotated[str, typer.Argument(help="Stack name: writes Pulumi.STACK.yaml.")],
    *,
    tier: Annotated[
        Tier | None, typer.Option(help="dev or prod (the secure default).", show_default=False)
    ] = None,
    location: Annotated[
        str | None,
        typer.Option("--location", "-l", help="Azure region (westeurope).", show_default=False),
    ] = None,
    workspace: Annotated[
        list[str] | None,
        typer.Option(
            "--workspace",
            "-w",
            help="A workspace name, repeatable. Default: main.",
            show_default=False,
        ),
    ] = None,
    owner: Principals = None,
    contributor: Principals = None,
    reader: Principals = None,
    data_scientist: Principals = None,
    metrics_writer: Principals = None,
    compute_operator: Principals = None,
    cluster: Annotated[
        str | None,
        typer.Option(help="Add a CPU cluster of this name to each workspace.", show_default=False),
    ] = None,
    personal_instances: Annotated[
        bool | None,
        typer.Option(
            "--personal-instances/--no-personal-instances",
            help="One compute instance per User data scientist. Default: no.",
            show_default=False,
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            help="Add an online endpoint of this name to each workspace.", show_default=False
        ),
    ] = None,
    subnet: Annotated[
        str | None,
        typer.Option(
            help="ARM id of the subnet for the workspaces' private endpoints: where people and "
            "the deployer's runner come in (required for prod, whose public doors are closed).",
            show_default=False,
        ),
    ] = None,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask for what the options leave out. Default: when stdin is a terminal.",
            show_default=False,
        ),
    ] = None,
    project_dir: ProjectDir = Path(),
) -> None:
    """Write a first stack file: commented, valid, meeting its tier's rules."""
    import sys

    from infra.plan import find_project
    from infra.scaffold import StackChoices, check_stack_name, new_stack_file, principals_by_role

    ask = sys.stdin.isatty() if interactive is None else interactive
    roles = {
        "owner": owner,
        "contributor": contributor,
        "reader": reader,
        "data-scientist": data_scientist,
        "metrics-writer": metrics_writer,
        "compute-operator": compute_operator,
    }
    try:
        project = find_project(project_dir)
        path = project.stack_file(check_stack_name(stack))
        if path.exists():
            raise AmlStackError(
                f"{path.name} exists already; amlstack init never overwrites a stack file: "
                "edit it, or choose another stack name"
            )
        if ask:
            tier, location, workspace, cluster, personal_instances, endpoint = _ask(
                tier=tier,
                location=location,
                workspaces=workspace,
                roles=roles,
                cluster=cluster,
                personal_instances=personal_instances,
                endpoint=endpoint,
            )
            if tier != "dev" and subnet is None:
                subnet = str(
                    typer.prompt("Subnet ARM id for private endpoints (prod's way in)")
                ).strip()
        if not location:
            raise ConfigError.single(
                "--location", "", "required: the Azure region of the stack (westeurope)"
            )
        choices = StackChoices(
            stack=stack,
            location=location,
            tier=tier or "prod",
            workspaces=tuple(workspace or ("main",)),
            access=principals_by_role({option: given or [] for option, given in roles.items()}),
            cluster=cluster or None,
            personal_instances=bool(personal_instances),
            endpoint=endpoint or None,
            subnet=subnet or None,
        )
        text = new_stack_file(choices, root=project.directory)
    except AmlStackError as error:
        fail(str(error), ExitCode.INVALID_INPUT)
    path.write_text(text)
    err.print(f"wrote {path.name}; plan it offline: uv run amlstack plan {stack}", highlight=False)


def _ask(
    *,
    tier: Tier | None,
    location: str | None,
    workspaces: list[str] | None,
    roles: dict[str, list[str] | None],
    cluster: str | None,
    personal_instances: bool | None,
    endpoint: str | None,
) -> tuple[Tier | None, str, list[str], str | None, bool, str | None]:
    """Prompt for the location, tier and workspaces the options left out, and for people,
    computes and an endpoint unless an option already said any of them; `roles` is filled in
    place."""
    if any(v is not None for v in (*roles.values(), cluster, personal_instances, endpoint)):
        cluster, personal_instances, endpoint = (
            cluster or "",
            bool(personal_instances),
            endpoint or "",
        )
        roles.update({option: given or [] for option, given in roles.items()})
    if location is None:
        location = str(typer.prompt("Azure region", default="westeurope"))
    if tier is None:
        answer = str(
            typer.prompt("Tier (dev: relaxed presets; prod: every secure default)", default="prod")
        )
        if answer not in ("dev", "prod"):
            raise ConfigError.single("tier", answer, "expected dev or prod")
        tier = "dev" if answer == "dev" else "prod"
    if workspaces is None:
        answer = str(typer.prompt("Workspaces, comma-separated", default="main"))
        workspaces = [name.strip() for name in answer.split(",") if name.strip()]
    for option, label in (("owner", "Owners"), ("data-scientist", "Data scientists")):
        if roles[option] is None:
            answer = str(
                typer.prompt(
                    f"{label} as TYPE:OBJECT_ID[:NAME], comma-separated (empty: none)",
                    default="",
                    show_default=False,
                )
            )
            roles[option] = [item.strip() for item in answer.split(",") if item.strip()]
    if cluster is None:
        cluster = str(typer.prompt("CPU cluster name (empty: none)", default="cpu-cluster"))
    if personal_instances is None:
        users = any(p.lower().startswith("user:") for p in roles["data-scientist"] or [])
        personal_instances = users and typer.confirm(
            "A compute instance per data scientist?", default=True
        )
    if endpoint is None:
        endpoint = str(
            typer.prompt("Online endpoint name (empty: none)", default="", show_default=False)
        )
    return tier, location, workspaces, cluster, personal_instances, endpoint


@app.command(
    epilog="\n".join(
        [
            "The schema describes a whole Pulumi.<stack>.yaml: the amlstack:* keys with their "
            "types, defaults and descriptions, secure: values, other namespaces passed through. "
            "Editors that read a '# yaml-language-server: $schema=<path>' first line (VS Code's "
            "YAML extension and others) then complete and check keys as you type.",
            "",
            "Examples:",
            "  amlstack schema --output docs/schema/stack.schema.json",
            "  amlstack schema > stack.schema.json",
            "",
            "Exit code: 0.",
        ]
    )
)
def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write it to this file. Default: standard output."),
    ] = None,
) -> None:
    """Write the JSON Schema of stack files, generated from the config models."""
    import sys

    from infra.reference import stack_schema_text

    text = stack_schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        err.print(f"schema written to {output}", highlight=False)
