"""Job schedules: a command or pipeline job that Azure ML starts on a cron or recurrence trigger.

A schedule names a job spec file of the project, the same YAML ``amlstack job submit`` takes; the
program resolves it against the stack (`infra.scheduled_jobs`), which gives a `ScheduledJob`: the
job definition as Azure takes it, and the code folders and components it needs registered. One
``JobSchedule`` uploads and registers those (code once per content hash, components under the
schedule's own name, versioned by their content hash) and then creates the schedule.

Triggers are written as azure-ai-ml writes them (``type: cron`` with an ``expression``, or
``type: recurrence`` with ``frequency``, ``interval`` and an optional ``schedule`` of hours,
minutes, week days and month days), with a time zone and an optional start and end, local time in
that zone. Cron expressions are NCrontab's five fields, checked offline; time zones may be IANA
(``Europe/Amsterdam``) or Windows names and must be one Azure ML schedules accept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, ValidationInfo, field_validator

from components.args import Args, check_project_path, spelt_as
from components.code_asset import LocalCode, create_code_version
from components.naming import SCHEDULE
from components.outputs import Pending, ScheduleOutput
from components.schedule import check_cron, windows_time_zone
from components.time_zones import AZURE_TIME_ZONES
from components.workspace_ref import WorkspaceRef

__all__ = [
    "WORKSPACE_ID_PLACEHOLDER",
    "CronTriggerArgs",
    "JobSchedule",
    "JobScheduleArgs",
    "RecurrencePatternArgs",
    "RecurrenceTriggerArgs",
    "ScheduledCode",
    "ScheduledComponent",
    "ScheduledJob",
    "TriggerArgs",
    "azure_time_zone",
]

WORKSPACE_ID_PLACEHOLDER = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlstack-placeholder"
    "/providers/Microsoft.MachineLearningServices/workspaces/amlstack-placeholder"
)
"""Stands for the workspace's ARM id in a `ScheduledJob` (the id is known only once the workspace
exists); `JobSchedule` puts the real id in its place."""

_Frequency = Literal["Minute", "Hour", "Day", "Week", "Month"]
_WeekDay = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
Frequency = Annotated[_Frequency, spelt_as(_Frequency)]
WeekDay = Annotated[_WeekDay, spelt_as(_WeekDay)]


def azure_time_zone(name: str) -> str:
    """The Windows name Azure ML schedules take for `name` (IANA or Windows), or ValueError
    saying what is allowed."""
    windows = windows_time_zone(name)
    if windows not in AZURE_TIME_ZONES:
        raise ValueError(
            f"{windows!r} is not a time zone Azure ML schedules accept; use one of azure-ai-ml's "
            "TimeZone names, like 'UTC' or 'W. Europe Standard Time' (or 'Europe/Amsterdam')"
        )
    return windows


class _TriggerSettings(Args):
    """When a trigger starts, ends, and which clock it reads."""

    time_zone: str = "UTC"
    """Time zone of the trigger: IANA (``Europe/Amsterdam``) or Windows (``W. Europe Standard
    Time``). Default UTC. Azure receives the Windows name."""
    start_time: datetime | None = None
    """First time the trigger may fire, local time in `timeZone`, without a UTC offset
    (``2025-01-01T00:00:00``). Default: when the schedule is created."""
    end_time: datetime | None = None
    """Last time it may fire (same form), after `startTime`. Default: never ends."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        azure_time_zone(value)
        return value

    @field_validator("start_time", "end_time")
    @classmethod
    def _local_time(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError(
                "write the local time in timeZone, without a UTC offset (2025-01-01T02:00:00)"
            )
        return value

    @field_validator("end_time")
    @classmethod
    def _end_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start_time")
        if value is not None and start is not None and value <= start:
            raise ValueError(f"expected a time after startTime ({start.isoformat()})")
        return value

    @property
    def azure_time_zone(self) -> str:
        return azure_time_zone(self.time_zone)

    def _times(self) -> dict[str, str | None]:
        return {
            "start_time": _iso(self.start_time),
            "end_time": _iso(self.end_time),
            "time_zone": self.azure_time_zone,
        }


class CronTriggerArgs(_TriggerSettings):
    """Fire at the times a cron expression names (azure-ai-ml ``type: cron``)."""

    type: Literal["cron"]
    """``cron``."""
    expression: str
    """Five NCrontab fields: minute hour day-of-month month day-of-week (``0 2 * * *`` is 02:00
    every day). Names (``MON-FRI``) work too. Required."""

    @field_validator("expression")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)

    def azure(self) -> ml.CronTriggerArgs:
        return ml.CronTriggerArgs(trigger_type="Cron", expression=self.expression, **self._times())


class RecurrencePatternArgs(Args):
    """At which hours and minutes (and week days or month days) a recurrence fires."""

    hours: tuple[Annotated[int, Field(ge=0, le=23)], ...] = Field(min_length=1)
    """Hours of the day, 0-23. Required."""
    minutes: tuple[Annotated[int, Field(ge=0, le=59)], ...] = Field(min_length=1)
    """Minutes of the hour, 0-59. Required."""
    week_days: tuple[WeekDay, ...] = ()
    """Days of the week (``Monday`` ... ``Sunday``, any case). Default: every day."""
    month_days: tuple[Annotated[int, Field(ge=1, le=31)], ...] = ()
    """Days of the month, 1-31. Default: every day."""


class RecurrenceTriggerArgs(_TriggerSettings):
    """Fire every `interval` `frequency` units (azure-ai-ml ``type: recurrence``)."""

    type: Literal["recurrence"]
    """``recurrence``."""
    frequency: Frequency
    """``Minute``, ``Hour``, ``Day``, ``Week`` or ``Month`` (any case). Required."""
    interval: int = Field(ge=1)
    """Every how many `frequency` units. Required."""
    schedule: RecurrencePatternArgs | None = None
    """At which hours and minutes (and days). Default: at the start time's."""

    def azure(self) -> ml.RecurrenceTriggerArgs:
        pattern = self.schedule
        return ml.RecurrenceTriggerArgs(
            trigger_type="Recurrence",
            frequency=self.frequency,
            interval=self.interval,
            schedule=(
                ml.RecurrenceScheduleArgs(
                    hours=list(pattern.hours),
                    minutes=list(pattern.minutes),
                    week_days=list(pattern.week_days) or None,
                    month_days=list(pattern.month_days) or None,
                )
                if pattern is not None
                else None
            ),
            **self._times(),
        )


TriggerArgs = Annotated[CronTriggerArgs | RecurrenceTriggerArgs, Field(discriminator="type")]
"""A cron or recurrence trigger, told apart by ``type``."""


class JobScheduleArgs(Args):
    """A recurring job of a workspace: a job spec file and its trigger."""

    name: str
    """The schedule's name in the workspace: 1-255 letters, digits, '-' or '_'."""
    job: str
    """The job spec, relative to the project directory (where Pulumi.yaml is): a command or
    pipeline job YAML, as ``amlstack job submit`` takes it. Its compute, environment and
    datastore references are checked against this workspace before anything is created."""
    overrides: tuple[str, ...] = ()
    """Fields of the spec to set, ``key=value`` as ``amlstack job submit --set`` takes them
    (``settings.continue_on_step_failure=true``). Default none: the spec as written."""
    trigger: TriggerArgs
    """When the job runs. Required."""
    enabled: bool = True
    """Whether the trigger fires. Default on; ``false`` keeps the schedule, paused."""
    display_name: str | None = None
    """Shown in Azure ML studio. Default: none (studio shows the name)."""
    description: str = ""
    """Shown in Azure ML studio."""
    experiment: str | None = None
    """The experiment the runs go to. Default: the spec's ``experiment_name``, else the
    schedule's name."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on the schedule (the runs carry the spec's own tags)."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return SCHEDULE.require(value)

    @field_validator("job")
    @classmethod
    def _spec_in_project(cls, value: str) -> str:
        check_project_path(value, "a job YAML")
        if not value.endswith((".yml", ".yaml")):
            raise ValueError("expected a job spec YAML file (.yml or .yaml)")
        return value


@dataclass(frozen=True)
class ScheduledCode:
    """A code folder a scheduled job runs, to upload and register as a code version."""

    key: str
    """Where it is first used in the job (``jobs-train``): names its Pulumi resources."""
    code: LocalCode
    asset_name: str
    """The code asset (container) name; the version is the first 16 hex of the content hash."""


@dataclass(frozen=True)
class ScheduledComponent:
    """A component a scheduled pipeline runs, registered by the schedule."""

    key: str
    """Where it is in the job (``jobs-train``): names its Pulumi resource."""
    name: str
    version: str
    spec: Mapping[str, Any]
    """The component spec as Azure takes it (may hold `WORKSPACE_ID_PLACEHOLDER`)."""


@dataclass(frozen=True)
class ScheduledJob:
    """A job spec resolved against the stack: what a `JobSchedule` creates it from."""

    body: Mapping[str, Any]
    """The job definition (``properties`` of a job PUT), ids under `WORKSPACE_ID_PLACEHOLDER`."""
    codes: tuple[ScheduledCode, ...] = ()
    components: tuple[ScheduledComponent, ...] = ()
    computes: tuple[str, ...] = ()
    """Stack computes the job runs on, by name: the schedule waits for them."""
    environments: tuple[str, ...] = ()
    """Stack environments the job uses, by name: the schedule waits for them."""
    datastores: tuple[str, ...] = ()
    """Stack datastores the job reads or writes, by name: the schedule waits for them."""


def with_workspace(node: Any, workspace_id: str) -> Any:
    """`node` with `WORKSPACE_ID_PLACEHOLDER` replaced by `workspace_id` in every string."""
    if isinstance(node, str):
        return node.replace(WORKSPACE_ID_PLACEHOLDER, workspace_id)
    if isinstance(node, Mapping):
        return {key: with_workspace(value, workspace_id) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [with_workspace(value, workspace_id) for value in node]
    return node


class JobSchedule(pulumi.ComponentResource):
    """A job schedule, with the code versions and components its job needs."""

    def __init__(
        self,
        name: str,
        args: JobScheduleArgs,
        *,
        workspace: WorkspaceRef,
        job: ScheduledJob,
        after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the schedule of `job` in `workspace`, after `after` (the computes,
        environments and datastores it uses). `Workspace.add_schedule` parents it to the
        workspace and finds `after`."""
        super().__init__("amlstack:ml:JobSchedule", name, None, opts)
        registered = [self._code(name, code, workspace) for code in job.codes]
        registered += [self._component(name, c, workspace) for c in job.components]
        body = workspace.id.apply(lambda ws: with_workspace(job.body, ws))
        self.schedule = ml.Schedule(
            f"{name}-schedule",
            name=args.name,
            workspace_name=workspace.name,
            resource_group_name=workspace.resource_group_name,
            properties=ml.SchedulePropertiesArgs(
                action=ml.JobScheduleActionArgs(action_type="CreateJob", job_definition=body),
                trigger=args.trigger.azure(),
                display_name=args.display_name,
                description=args.description or None,
                is_enabled=args.enabled,
                tags={**workspace.tags, "schedule": args.name, **args.tags},
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*after, *registered]),
        )
        self.schedule_name: pulumi.Output[str] = self.schedule.name
        self.id: pulumi.Output[str] = self.schedule.id
        self.enabled = args.enabled
        self.register_outputs({"name": self.schedule_name, "id": self.id})

    def outputs(self) -> Pending[ScheduleOutput]:
        """This schedule's entry in the stack outputs (``schedules.<name>``)."""
        return ScheduleOutput.pending(name=self.schedule_name, id=self.id, enabled=self.enabled)

    def _code(self, name: str, code: ScheduledCode, workspace: WorkspaceRef) -> pulumi.Resource:
        return create_code_version(
            f"{name}-{code.key}-code",
            code.code,
            asset_name=code.asset_name,
            workspace=workspace,
            parent=self,
        )

    def _component(
        self, name: str, component: ScheduledComponent, workspace: WorkspaceRef
    ) -> pulumi.Resource:
        spec = workspace.id.apply(lambda ws: with_workspace(component.spec, ws))
        return ml.ComponentVersion(
            f"{name}-{component.key}",
            name=component.name,
            version=component.version,
            resource_group_name=workspace.resource_group_name,
            workspace_name=workspace.name,
            properties=ml.ComponentVersionPropertiesArgs(
                component_spec=spec,
                description=f"step {component.key} of schedule {name} (amlstack)",
            ),
            # Versions are immutable and runs may still use an old one: keep them, as code.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S")
