"""``amlstack job ...`` and ``amlstack model ...``: jobs and models on a provisioned stack.

azure-ai-ml is imported inside the commands, so ``amlstack --help`` and ``amlstack plan`` stay fast.
Every command that works on a stack takes the same options (``--stack``, ``--outputs``,
``--workspace``, ``--project-dir``, ``--tenant``): `on_stack` gives them to it as one
`StackTarget`. The program mounting these apps (``infra.entrypoint``) may hand them a `JobsHost`
as the click context object: its offline plan stands in for a deployed stack in dry runs.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.logging import RichHandler
from rich.table import Table

from components.console import ProjectDir, err, fail, out
from components.errors import AmlStackError, ConfigError
from components.exit_codes import ExitCode
from jobs.errors import JobSpecError, RunSelectionError, StackContextError
from jobs.inputs import (
    check_asset_name,
    check_folder,
    check_limit,
    check_metric_name,
    check_model_version,
    check_output_name,
    check_output_path,
    check_seconds,
    check_since,
    check_status,
    option_parser,
)

if TYPE_CHECKING:
    from jobs.context import PlanOutputs, StackContext
    from jobs.follow import Outcome
    from jobs.tracking import RunHistory, Tracking

__all__ = ["JobsHost", "StackTarget", "job_app", "model_app", "on_stack"]

_EXIT_CODES = (
    "Exit codes: 0 completed; 2 invalid spec, stack outputs or option (nothing sent); "
    "4 no credential, or Azure refused; 10 job failed; 11 canceled; 12 still running at "
    "--timeout; 13 not finished yet."
)
_OUTPUTS_FOUND = (
    "The stack's outputs (where its workspace, computes and environments are) come from "
    "--outputs FILE (pulumi stack output --json), else $AMLSTACK_OUTPUTS_<STACK>, "
    "$AMLSTACK_OUTPUTS, then the Pulumi CLI."
)

job_app = typer.Typer(
    help="Submit jobs to a stack's workspace, follow them, read their metrics and outputs.",
    epilog="\n".join(
        [
            _OUTPUTS_FOUND,
            "",
            "Examples:",
            "  amlstack job submit jobs/train.yml --stack dev --dry-run",
            "  amlstack job submit jobs/train.yml --stack dev -o outputs-dev.json --wait",
            "  amlstack job status churn-3f2a9c81d0e4 --stack dev -o outputs-dev.json",
            "  amlstack job metrics churn-3f2a9c81d0e4 --stack dev -o outputs-dev.json",
            "  amlstack job list --stack dev --experiment churn --status completed --sort auc",
            "  amlstack job show churn-3f2a9c81d0e4 --stack dev",
            "  amlstack job compare churn-3f2a9c81d0e4 churn-9b1d04c2e7aa --stack dev",
        ]
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
model_app = typer.Typer(
    help="Register models from runs, promote them to the stack's registry, list them.",
    epilog="\n".join(
        [
            "register takes a model from a run's output (MLflow logs it under output 'artifacts', "
            "path 'model'); registering the same run output again returns the same version. "
            "promote copies a workspace version to the stack's Azure ML registry under the same "
            "name and version, once; stacks that reference the registry deploy it from there "
            "(model: {name, version, source: registry}). Each version is tagged with its "
            "lineage: amlstack.run, amlstack.source and amlstack.stack. " + _OUTPUTS_FOUND,
            "",
            "Examples:",
            "  amlstack model register churn --job churn-3f2a9c81d0e4 --stack dev",
            "  amlstack model register churn --from-best churn --metric auc --max --stack dev",
            "  amlstack model promote churn 1 --stack dev -o outputs-dev.json",
            "  amlstack model list churn --stack dev --json",
            "",
            "Exit codes: 0 done; 2 invalid option or stack outputs (nothing sent), or --from-best "
            "finds no such experiment, no completed run that logged --metric, or a tie; 4 no "
            "credential worked, Azure refused, the experiment has no completed run yet, or the "
            "registry already has that version from another run.",
        ]
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
Stack = Annotated[str, typer.Option("--stack", "-s", help="Stack name (Pulumi.STACK.yaml).")]
Outputs = Annotated[
    Path | None,
    typer.Option(
        "--outputs",
        "-o",
        help="The stack's outputs: a file from `pulumi stack output --json`. Default: "
        "$AMLSTACK_OUTPUTS_<STACK>, $AMLSTACK_OUTPUTS, then the Pulumi CLI.",
    ),
]
Workspace = Annotated[
    str | None, typer.Option("--workspace", "-w", help="Workspace key. Default: the first.")
]
Tenant = Annotated[
    str | None, typer.Option("--tenant", help="Azure AD tenant to sign in to. Default: any.")
]
_NAME = option_parser(check_asset_name)
_SECONDS = option_parser(check_seconds)
_METRIC = option_parser(check_metric_name)
JobName = Annotated[
    str,
    typer.Argument(help="The job name (what `job submit` printed).", parser=_NAME),
]
ModelName = Annotated[str, typer.Argument(help="Model name.", parser=_NAME)]
Timeout = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        help="Stop following after this many seconds (exit code 12).",
        metavar="SECONDS",
        parser=_SECONDS,
    ),
]
CancelOnTimeout = Annotated[
    bool, typer.Option("--cancel-on-timeout", help="Cancel the job when --timeout passes.")
]
Poll = Annotated[
    float,
    typer.Option(
        "--poll", help="Seconds between status checks.", metavar="SECONDS", parser=_SECONDS
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_TARGET_OPTIONS = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
    for name, annotation, default in (
        ("stack", Stack, inspect.Parameter.empty),
        ("outputs", Outputs, None),
        ("workspace", Workspace, None),
        ("project_dir", ProjectDir, Path()),
        ("tenant", Tenant, None),
    )
)
"""The options of every command that works on a stack (`on_stack`), ``--tenant`` last."""
_CONTEXT = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)


@contextmanager
def _handled() -> Iterator[None]:
    """Errors users can cause end as one line on stderr and an exit code, never a traceback."""
    from azure.core.exceptions import AzureError

    _quiet_sdk_logging()
    try:
        yield
    except (ConfigError, JobSpecError, RunSelectionError, StackContextError) as error:
        fail(str(error), ExitCode.INVALID_INPUT)
    except AmlStackError as error:
        fail(str(error), ExitCode.AZURE)
    except AzureError as error:
        fail(f"Azure: {error.message or error}", ExitCode.AZURE)


def _quiet_sdk_logging() -> None:
    """Our notes on stderr; azure-ai-ml's experimental-class chatter and HTTP logs hidden."""
    logging.getLogger("azure").setLevel(logging.WARNING)
    logging.getLogger("azure.ai.ml._utils._experimental").setLevel(logging.ERROR)
    ours = logging.getLogger("amlstack")
    if not ours.handlers:
        ours.addHandler(RichHandler(console=err, show_time=False, show_path=False))
        ours.setLevel(logging.INFO)
        ours.propagate = False


@dataclass(frozen=True)
class JobsHost:
    """What the program mounting these commands gives them (as the click context object)."""

    offline_plan: PlanOutputs | None = None
    """Stands in for a deployed stack's outputs in dry runs (`jobs.context.load_context`)."""


@dataclass(frozen=True)
class StackTarget:
    """The stack a command works on, from the options every such command takes."""

    stack: str
    outputs: Path | None
    workspace: str | None
    project_dir: Path
    tenant: str | None
    host: JobsHost

    def context(self, *, dry_run: bool = False) -> StackContext:
        """The stack's context; in a dry run the host's offline plan may stand in for it."""
        from jobs.context import load_context

        context = load_context(
            self.stack,
            outputs_file=self.outputs,
            workspace=self.workspace,
            project_dir=self.project_dir,
            offline_plan=self.host.offline_plan if dry_run else None,
        )
        err.print(f"stack {self.stack}: outputs from {context.source}", highlight=False)
        return context

    def clients(self, context: StackContext) -> tuple[Any, Any]:
        """A checked credential (for ``--tenant``) and an ``MLClient`` for the workspace."""
        from jobs.client import ml_client, stack_credential

        credential = stack_credential(self.tenant)
        return credential, ml_client(context, credential)

    def tracking(self, client: Any, credential: Any) -> Tracking:
        """The MLflow tracking server of the client's workspace (`jobs.tracking`)."""
        from jobs.tracking import Tracking

        return Tracking.of_workspace(client, credential)

    def history(self, client: Any, credential: Any) -> RunHistory:
        """The run history service of the client's workspace (`jobs.tracking`)."""
        from jobs.tracking import RunHistory

        return RunHistory.of_workspace(client, credential)

    def connect(self) -> tuple[StackContext, Any, Any]:
        """The stack's context, a checked credential and an ``MLClient`` for its workspace."""
        context = self.context()
        credential, client = self.clients(context)
        return context, credential, client


def on_stack(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command` the options that name a stack: its ``target: StackTarget`` parameter
    becomes ``--stack``, ``--outputs``, ``--workspace`` and ``--project-dir`` in its place, and
    ``--tenant`` last; `command` receives them as one `StackTarget`."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for name, p in signature.parameters.items() if name != "target"]
    at = list(signature.parameters).index("target")
    parameters = [*own[:at], *_TARGET_OPTIONS[:-1], *own[at:], _TARGET_OPTIONS[-1], _CONTEXT]

    @functools.wraps(command)
    def run(**values: Any) -> None:
        ctx: typer.Context = values.pop(_CONTEXT.name)
        shared = {p.name: values.pop(p.name) for p in _TARGET_OPTIONS}
        host = ctx.find_object(JobsHost) or JobsHost()
        command(**values, target=StackTarget(**shared, host=host))

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run


def _pairs(values: list[str], option: str, *, bare: str | None = None) -> dict[str, str]:
    """``["a=b"]`` -> ``{"a": "b"}``; a bare ``c`` becomes ``{bare: "c"}`` when `bare` is set."""
    result: dict[str, str] = {}
    for value in values:
        key, sep, target = value.partition("=")
        if sep and key and (target or bare is None):
            result[key.removeprefix("azureml:") if bare else key] = target
        elif not sep and bare is not None and key:
            result[bare] = key
        else:
            expected = "NAME or SPEC_NAME=STACK_NAME" if bare else "KEY=VALUE"
            fail(f"{option} {value!r}: expected {expected}", ExitCode.INVALID_INPUT)
    return result


def _print_json(items: Iterable[Any]) -> None:
    """Dataclasses (metrics, model versions) as a JSON list on stdout."""
    typer.echo(json.dumps([asdict(item) for item in items], indent=2))


def _print_document(document: Mapping[str, Any]) -> None:
    """A ``--json`` document (``job list``, ``show``, ``compare``) on stdout, keys sorted."""
    typer.echo(json.dumps(document, indent=2, sort_keys=True))


def _check_follow(timeout: float | None, cancel_on_timeout: bool) -> None:
    if cancel_on_timeout and timeout is None:
        fail(
            "--cancel-on-timeout without --timeout: expected --timeout SECONDS with it "
            "(the job is canceled when that time passes)",
            ExitCode.INVALID_INPUT,
        )


def _finish(outcome: Outcome) -> NoReturn:
    (out if outcome.exit_code == 0 else err).print(outcome.summary(), highlight=False)
    raise typer.Exit(outcome.exit_code)


@job_app.command(
    epilog="\n".join(
        [
            "SPEC is an Azure ML CLI v2 job YAML (what az ml job create --file takes) or "
            "file.py:builder (a job, a function returning one, or an @dsl.pipeline function). "
            "Every compute, environment and datastore it names is checked against the stack "
            "before anything is sent, and --dry-run shows the request with every id resolved. "
            "Code is uploaded once per content hash (honoring .amlignore / .gitignore). The job "
            "name comes from a hash of the request, so submitting the same request again finds "
            "the first job instead of starting a second. " + _OUTPUTS_FOUND,
            "",
            "Examples:",
            "  amlstack job submit jobs/train.yml --stack dev --dry-run",
            "  amlstack job submit jobs/train.yml --stack dev -o outputs-dev.json --wait",
            "  amlstack job submit jobs/train.yml --stack dev --set resources.instance_count=4",
            "  amlstack job submit pipeline.py:build --stack dev --compute gpu-cluster=gpu",
            "",
            "Exit codes: 0 submitted (with --dry-run: printed; with --wait: completed); 2 invalid "
            "spec, stack outputs or option (nothing sent); 4 no credential, or Azure refused; "
            "with --wait: 10 job failed, 11 canceled, 12 still running at --timeout.",
        ]
    )
)
@on_stack
def submit(
    spec: Annotated[
        str,
        typer.Argument(help="A job YAML (command, sweep, pipeline) or file.py:builder."),
    ],
    *,
    target: StackTarget,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the request as JSON {method, url, body} and send nothing. Without "
            "deployed outputs, the offline plan of the stack stands in for them.",
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(help="Job name. Default: <experiment>-<hash of the request>.", parser=_NAME),
    ] = None,
    experiment: Annotated[
        str | None,
        typer.Option(help="Experiment. Default: the spec's, else its folder name.", parser=_NAME),
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="Default: the spec's.")] = None,
    description: Annotated[str | None, typer.Option(help="Default: the spec's.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE tag; repeatable.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a spec field, e.g. resources.instance_count=4."),
    ] = None,
    compute: Annotated[
        list[str] | None,
        typer.Option(help="Stack compute for every step, or SPEC_NAME=STACK_NAME; repeatable."),
    ] = None,
    environment: Annotated[
        list[str] | None,
        typer.Option(help="Stack environment for every step, or SPEC_NAME=STACK_NAME."),
    ] = None,
    wait: Annotated[
        bool, typer.Option(help="Stream the logs and wait for the job to end.")
    ] = False,
    timeout: Timeout = None,
    cancel_on_timeout: CancelOnTimeout = False,
    poll: Poll = 10.0,
) -> None:
    """Submit a command, sweep or pipeline job to the stack's workspace.

    Computes and environments are checked against the stack before anything is sent; code is
    uploaded once per content hash, honoring .amlignore / .gitignore.
    """
    _check_follow(timeout, cancel_on_timeout)
    with _handled():
        from jobs.refs import ALL, Overrides
        from jobs.rest import compute_state
        from jobs.specs import load_spec
        from jobs.submit import SubmitOptions
        from jobs.submit import dry_run as make_request
        from jobs.submit import submit as send

        options = SubmitOptions(
            name=name,
            experiment=experiment,
            display_name=display_name,
            description=description,
            tags=_pairs(tag or [], "--tag"),
            overrides=Overrides(
                computes=_pairs(compute or [], "--compute", bare=ALL),
                environments=_pairs(environment or [], "--environment", bare=ALL),
            ),
        )
        context = target.context(dry_run=dry_run)
        loaded = load_spec(spec, overrides=set_ or [])
        if dry_run:
            typer.echo(make_request(loaded, context, options).to_json(), nl=False)
            return
        credential, client = target.clients(context)
        submitted = send(
            loaded,
            context,
            options,
            client,
            compute_state=lambda compute_id: compute_state(compute_id, credential),
        )
        verb = "submitted" if submitted.created else "already submitted"
        out.print(f"{verb}: {submitted.name} ({submitted.status})", highlight=False)
        if submitted.studio_url:
            out.print(submitted.studio_url, highlight=False, soft_wrap=True)
        if wait:
            _follow(client, submitted.name, timeout, cancel_on_timeout, poll)


def _follow(
    client: Any, name: str, timeout: float | None, cancel_on_timeout: bool, poll: float
) -> NoReturn:
    from jobs.follow import AzureJobSource, follow

    outcome = follow(
        AzureJobSource(client),
        name,
        emit=lambda text: out.print(text, highlight=False, markup=False, soft_wrap=True),
        timeout=timeout,
        poll_seconds=poll,
        cancel_on_timeout=cancel_on_timeout,
    )
    _finish(outcome)


@job_app.command(epilog=_EXIT_CODES)
@on_stack
def logs(
    job: JobName,
    *,
    target: StackTarget,
    timeout: Timeout = None,
    cancel_on_timeout: CancelOnTimeout = False,
    poll: Poll = 10.0,
) -> None:
    """Stream a job's logs until it ends; the exit code says how it ended."""
    _check_follow(timeout, cancel_on_timeout)
    with _handled():
        _, _, client = target.connect()
        _follow(client, job, timeout, cancel_on_timeout, poll)


@job_app.command(epilog=_EXIT_CODES)
@on_stack
def status(
    job: JobName,
    *,
    target: StackTarget,
) -> None:
    """Show a job's status; for a failed job, the failing step, its error and log tail."""
    with _handled():
        from jobs.follow import AzureJobSource, outcome_of

        _, _, client = target.connect()
        source = AzureJobSource(client)
        outcome = outcome_of(source, job, source.status(job))
    _finish(outcome)


@job_app.command()
@on_stack
def cancel(
    job: JobName,
    *,
    target: StackTarget,
) -> None:
    """Cancel a job (and, for a pipeline, its running steps)."""
    with _handled():
        from jobs.follow import AzureJobSource

        _, _, client = target.connect()
        AzureJobSource(client).cancel(job)
        out.print(f"{job}: cancel requested", highlight=False)


@job_app.command()
@on_stack
def metrics(
    job: JobName,
    *,
    target: StackTarget,
    as_json: AsJson = False,
) -> None:
    """List the latest value of each MLflow metric a run logged."""
    with _handled():
        from jobs.results import metrics as read_metrics

        _, credential, client = target.connect()
        found = read_metrics(client, credential, job)
    if as_json:
        _print_json(found)
        return
    table = Table("metric", "value", "step", title=f"{job}: {len(found)} metrics")
    for metric in found:
        table.add_row(metric.key, f"{metric.value:g}", str(metric.step))
    out.print(table)


@job_app.command()
@on_stack
def download(
    job: JobName,
    *,
    target: StackTarget,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            help="One named output. Default: all.",
            parser=option_parser(check_output_name),
        ),
    ] = None,
    to: Annotated[
        Path, typer.Option("--to", help="Destination folder.", parser=option_parser(check_folder))
    ] = Path("outputs"),
) -> None:
    """Download a job's outputs (and logs) to a folder."""
    with _handled():
        from jobs.results import download_outputs

        _, _, client = target.connect()
        written = download_outputs(client, job, to, output_name=output)
        out.print(f"{job}: outputs downloaded to {written}", highlight=False)


_JSON_DOCS = "The --json document is described in docs/guides/jobs-and-models.md (version 1)."
_READ_EXIT_CODES = (
    "Exit codes: 0 printed; 2 invalid option or stack outputs (nothing sent), or no such "
    "experiment; 4 no credential, Azure refused, or no such run."
)


@job_app.command(
    "list",
    epilog="The runs come from the workspace's MLflow tracking server, newest first, read a "
    "page at a time until --limit runs match; the filters and --sort apply to them (Azure ML "
    "does not filter by status or order by metric on the server). Pipeline steps and sweep "
    "trials are left out: show them with job show. Without --experiment, the experiments are "
    "listed. " + _JSON_DOCS + "\n\nExamples:\n"
    "  amlstack job list --stack dev\n"
    "  amlstack job list --stack dev --experiment churn --status completed --since 7d\n"
    "  amlstack job list --stack dev -e churn --metric auc --sort auc --limit 50 --json\n\n"
    + _READ_EXIT_CODES,
)
@on_stack
def list_runs(
    *,
    target: StackTarget,
    experiment: Annotated[
        str | None,
        typer.Option(
            "--experiment",
            "-e",
            help="The experiment. Default: list the experiments.",
            parser=_NAME,
        ),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="Only runs in this status: queued, running, completed, failed, canceled; "
            "repeatable.",
            metavar="STATUS",
            parser=option_parser(check_status),
        ),
    ] = None,
    since: Annotated[
        int | None,
        typer.Option(
            help="Only runs started since: 2025-06-01, 2025-06-01T08:30 (UTC), 7d, 12h, 30m.",
            metavar="WHEN",
            parser=option_parser(check_since),
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            help="A metric column; repeatable. Default: the metrics the runs share.",
            metavar="METRIC",
            parser=_METRIC,
        ),
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option(help="Order by this metric, highest first (see --ascending).", parser=_METRIC),
    ] = None,
    ascending: Annotated[bool, typer.Option(help="With --sort: lowest first.")] = False,
    limit: Annotated[
        int,
        typer.Option(help="At most this many runs (1-10000).", parser=option_parser(check_limit)),
    ] = 20,
    as_json: AsJson = False,
) -> None:
    """The runs of an experiment: status, start, duration, compute, metrics, git commit,
    registered models."""
    if ascending and sort is None:
        fail("--ascending without --sort: expected --sort METRIC with it", ExitCode.INVALID_INPUT)
    with _handled():
        from jobs.experiments import LISTING_VERSION, RunFilter
        from jobs.experiments import list_runs as read_runs

        _, credential, client = target.connect()
        tracking = target.tracking(client, credential)
        if experiment is None:
            found = tracking.experiments()
            if as_json:
                document = {
                    "version": LISTING_VERSION,
                    "experiments": [{"name": e.name, "id": e.id} for e in found],
                }
                _print_document(document)
                return
            table = Table("experiment", "id", title=f"{len(found)} experiments")
            for item in found:
                table.add_row(item.name, item.id)
            out.print(table)
            return
        listing = read_runs(
            tracking,
            experiment,
            run_filter=RunFilter(statuses=frozenset(status or ()), since_ms=since),
            limit=limit,
            metrics=metric or (),
            sort=sort,
            descending=not ascending,
            compute_of=lambda name: _compute_of(client, name),
            models=client.models,
        )
    if as_json:
        _print_document(listing.document())
        return
    _print_listing(listing)


def _compute_of(client: Any, name: str) -> str | None:
    from azure.core.exceptions import ResourceNotFoundError

    try:
        compute = client.jobs.get(name).compute
    except ResourceNotFoundError:
        return None
    return None if compute is None else str(compute).rsplit("/", 1)[-1]


def _print_listing(listing: Any) -> None:
    more = " (more: raise --limit)" if listing.more else ""
    table = Table(
        "run",
        "display name",
        "status",
        "start",
        "duration",
        "compute",
        *listing.metrics,
        "git",
        "models",
        title=f"{listing.experiment}: {len(listing.runs)} runs{more}",
    )
    for row in listing.runs:
        git = (
            ""
            if row.git_commit is None
            else row.git_commit[:8] + ("+dirty" if row.git_dirty else "")
        )
        table.add_row(
            row.name,
            row.display_name or "",
            row.status,
            (row.start or "").replace("T", " ").removesuffix("Z"),
            _duration(row.duration_seconds),
            row.compute or "",
            *(f"{row.metrics[m]:g}" if m in row.metrics else "" for m in listing.metrics),
            git,
            ", ".join(row.models),
        )
    out.print(table)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{rest:02d}s"


@job_app.command(
    epilog=_JSON_DOCS + "\n\nExamples:\n  amlstack job show churn-3f2a9c81d0e4 --stack dev\n"
    "  amlstack job show churn-3f2a9c81d0e4 --stack dev --json\n\n" + _READ_EXIT_CODES
)
@on_stack
def show(
    job: JobName,
    *,
    target: StackTarget,
    as_json: AsJson = False,
) -> None:
    """One run: inputs and outputs with their URIs, environment, compute, code snapshot,
    a pipeline's steps with their status, and where the logs are."""
    with _handled():
        from jobs.experiments import show_job

        _, credential, client = target.connect()
        view = show_job(client, job, target.history(client, credential))
    if as_json:
        _print_document(view.document())
        return
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("name", view.name),
        ("display name", view.display_name or ""),
        ("type", view.type),
        ("status", view.status),
        ("experiment", view.experiment or ""),
        ("compute", view.compute or ""),
        ("environment", view.environment or ""),
        ("code", view.code or ""),
        ("code hash", view.code_hash or ""),
        (
            "git",
            ""
            if view.git_commit is None
            else view.git_commit + (" (dirty)" if view.git_dirty else ""),
        ),
        ("studio", view.studio_url or ""),
    ]
    for key, value in rows:
        table.add_row(key, value)
    for kind, entries in (("input", view.inputs), ("output", view.outputs)):
        for key, entry in entries.items():
            value = entry.get("uri") or entry.get("value") or "(assigned when the job runs)"
            table.add_row(f"{kind} {key}", f"{entry['type']}: {value}")
    out.print(table, soft_wrap=True)
    if view.steps:
        steps = Table("step", "display name", "status", "compute", title=f"{len(view.steps)} steps")
        for step in view.steps:
            steps.add_row(step.name, step.display_name or "", step.status, step.compute or "")
        out.print(steps)
    out.print(
        f"logs: {', '.join(view.log_files) or '(none yet)'}\n  stored under {view.logs_uri}\n"
        f"  stream: amlstack job logs {view.name} --stack {target.stack}; download: amlstack job "
        f"download {view.name} --stack {target.stack}",
        highlight=False,
        soft_wrap=True,
    )


@job_app.command(
    epilog="Rows whose values differ between the runs are highlighted. "
    + _JSON_DOCS
    + "\n\nExamples:\n  amlstack job compare churn-3f2a9c81d0e4 churn-9b1d04c2e7aa --stack dev\n\n"
    + _READ_EXIT_CODES
)
@on_stack
def compare(
    runs: Annotated[list[str], typer.Argument(help="Two or more run (job) names.", parser=_NAME)],
    *,
    target: StackTarget,
    as_json: AsJson = False,
) -> None:
    """Runs side by side: their metrics and parameters, differences highlighted."""
    if len(set(runs)) < 2:
        fail(
            f"RUN {' '.join(runs)!r}: expected two or more different runs to compare",
            ExitCode.INVALID_INPUT,
        )
    with _handled():
        from jobs.experiments import compare_runs, tracked_runs

        _, credential, client = target.connect()
        comparison = compare_runs(tracked_runs(target.tracking(client, credential), runs))
    if as_json:
        _print_document(comparison.document())
        return
    names = [run.name for run in comparison.runs]
    table = Table("", *names, title=f"{len(names)} runs")
    table.add_row("status", *(run.status for run in comparison.runs))
    for kind, values in (("metric", comparison.metrics), ("param", comparison.params)):
        for key, row in values.items():
            style = "bold yellow" if comparison.differs(row) else None
            cells = ["" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in row]
            table.add_row(f"{kind} {key}", *cells, style=style)
    out.print(table)


@model_app.command(
    epilog="With --from-best EXPERIMENT --metric M, the run is the experiment's completed "
    "top-level run with the highest (--max, the default) or lowest (--min) latest value of M; "
    "the command names the run it chose. Registering from the same run output again returns "
    "the same version.\n\nExamples:\n"
    "  amlstack model register churn --job churn-3f2a9c81d0e4 --stack dev\n"
    "  amlstack model register churn --from-best churn --metric auc --stack dev\n"
    "  amlstack model register churn --from-best churn --metric rmse --min --stack dev\n\n"
    "Exit codes: 0 registered (or already); 2 invalid option or stack outputs (nothing sent), or "
    "--from-best finds no such experiment, no completed run that logged --metric, or a tie; 4 "
    "no credential, Azure refused, or the experiment has no completed run yet."
)
@on_stack
def register(
    name: ModelName,
    *,
    job: Annotated[
        str | None,
        typer.Option(
            "--job", help="The run whose output holds the model (or --from-best).", parser=_NAME
        ),
    ] = None,
    from_best: Annotated[
        str | None,
        typer.Option(
            "--from-best",
            help="Take the model of this experiment's best run by --metric (instead of --job).",
            metavar="EXPERIMENT",
            parser=_NAME,
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(help="The metric --from-best ranks runs by.", parser=_METRIC),
    ] = None,
    maximize: Annotated[
        bool, typer.Option("--max/--min", help="With --from-best: the best is the highest/lowest.")
    ] = True,
    target: StackTarget,
    output: Annotated[
        str,
        typer.Option(
            help="The job output; MLflow logs models under 'artifacts'.",
            parser=option_parser(check_output_name),
        ),
    ] = "artifacts",
    path: Annotated[
        str,
        typer.Option(help="Path inside the output.", parser=option_parser(check_output_path)),
    ] = "model",
    model_type: Annotated[
        str, typer.Option("--type", help="mlflow_model or custom_model.")
    ] = "mlflow_model",
    description: Annotated[str | None, typer.Option(help="Model description.")] = None,
) -> None:
    """Register a model from a run's output (or the best run's); the same run output twice
    gives the same version."""
    if model_type not in ("mlflow_model", "custom_model"):
        fail(
            f"--type {model_type!r}: expected mlflow_model or custom_model", ExitCode.INVALID_INPUT
        )
    if (job is None) == (from_best is None):
        given = f"--job {job!r} and --from-best {from_best!r}" if job else "neither"
        fail(
            f"--job / --from-best: {given} given; expected exactly one: --job RUN, or "
            "--from-best EXPERIMENT --metric M",
            ExitCode.INVALID_INPUT,
        )
    if (metric is None) != (from_best is None):
        fail(
            f"--metric {metric!r} without --from-best: expected --metric only with --from-best"
            if metric
            else f"--from-best {from_best!r} without --metric: expected --metric M (the metric "
            "that ranks the runs, like accuracy)",
            ExitCode.INVALID_INPUT,
        )
    with _handled():
        from jobs.experiments import choose_best, experiment_of
        from jobs.models import register_model

        context, credential, client = target.connect()
        if from_best is not None and metric is not None:
            tracking = target.tracking(client, credential)
            experiment = experiment_of(tracking, from_best)
            best, compared = choose_best(
                tracking.runs(experiment), metric, maximize=maximize, experiment=experiment.name
            )
            job = best.name
            out.print(
                f"best run of {experiment.name} by {'max' if maximize else 'min'} {metric}: "
                f"{best.name} ({metric}={best.metrics[metric]:g}, of {compared} completed runs "
                "that logged it)",
                highlight=False,
            )
        assert job is not None  # one of --job / --from-best, checked above
        model = register_model(
            client.models,
            context,
            name=name,
            job=job,
            output=output,
            path=path,
            type="mlflow_model" if model_type == "mlflow_model" else "custom_model",
            description=description,
        )
    verb = "registered" if model.created else "already registered"
    out.print(f"{verb}: {model.name}:{model.version} from {model.source}", highlight=False)


@model_app.command()
@on_stack
def promote(
    name: ModelName,
    version: Annotated[
        str,
        typer.Argument(
            help="Model version in the workspace.", parser=option_parser(check_model_version)
        ),
    ],
    *,
    target: StackTarget,
) -> None:
    """Copy a model version to the stack's Azure ML registry (once)."""
    with _handled():
        from jobs.client import registry_client
        from jobs.models import promote_model

        context = target.context()
        if context.registry is None:
            raise StackContextError(
                f"stack {target.stack!r} has no registry in its outputs: promote needs one; set "
                f"amlstack:registry (or amlstack:registryStack) in Pulumi.{target.stack}.yaml and "
                "deploy"
            )
        credential, client = target.clients(context)
        registry = registry_client(context, credential)
        model = promote_model(client.models, registry.models, context, name=name, version=version)
        registry_name = context.registry.name
    verb = "promoted" if model.created else "already in the registry"
    out.print(
        f"{verb}: {model.name}:{model.version} -> azureml://registries/{registry_name}/models/"
        f"{model.name}/versions/{model.version}",
        highlight=False,
    )


@model_app.command("list")
@on_stack
def list_(
    name: Annotated[
        str | None,
        typer.Argument(help="A model name. Default: every model's latest.", parser=_NAME),
    ] = None,
    *,
    target: StackTarget,
    as_json: AsJson = False,
) -> None:
    """List model versions with their lineage: the run and stack they came from."""
    with _handled():
        from jobs.models import list_models

        _, _, client = target.connect()
        found = list_models(client.models, name)
    if as_json:
        _print_json(found)
        return
    table = Table("model", "version", "type", "run", "stack")
    for model in found:
        table.add_row(model.name, model.version, model.type, model.run or "", model.stack or "")
    out.print(table)
