"""The stack outputs: one typed model of the document ``pulumi stack output --json`` prints.

Both sides of the contract use it. The program builds every entry through the model's
`Outputs.pending` (a component's ``outputs()`` returns its own entry, e.g.
``ClusterOutput.pending(id=..., vm_size=..., min_nodes=..., max_nodes=...)``) and exports the
whole with `export_stack_outputs`; the jobs package validates what it reads with `StackOutputs`.
A key renamed on one side is therefore renamed on the other, and a document written by another
version of amlstack is refused with the key that differs instead of failing later.

Reading is strict: every key the program always writes is required, and an unknown key inside
the stack's own objects (``workspaces.<key>``, a compute, ...) is an error. Unknown keys at the
top level are ignored: a Pulumi stack's outputs are one namespace shared with whatever else the
program exports (a program composing these components may add its own), and amlstack reads only
its keys. ``docs/reference/stack-outputs.md`` is generated from this module.

This module imports neither Pulumi nor another component module: the jobs package reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "BatchEndpointOutput",
    "ClusterOutput",
    "ComputeOutput",
    "DatastoreOutput",
    "DatastoreType",
    "EndpointOutput",
    "EnvironmentKind",
    "EnvironmentOutput",
    "InstanceOutput",
    "Outputs",
    "Pending",
    "RegistryOutput",
    "ScheduleOutput",
    "StackOutputs",
    "WorkspaceOutput",
    "export_stack_outputs",
]

DatastoreType = Literal["AzureBlob", "AzureDataLakeGen2", "AzureFile"]
"""The kinds of storage a datastore points at."""
EnvironmentKind = Literal["curated", "system-managed", "user-managed"]
"""How an environment is defined: a curated one by reference, conda + base image, or Docker."""

M_co = TypeVar("M_co", bound="Outputs", covariant=True)


class Outputs(BaseModel):
    """One object of the stack outputs: camelCase keys, each required unless it says when it is
    absent, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel)
    # Fields are documented by attribute docstrings; the reference page reads them from the
    # source (pydantic's use_attribute_docstrings would do so at every import).

    @classmethod
    def pending(cls, **values: object) -> Pending[Self]:
        """This object as the program exports it: each value a plain one, a ``pulumi.Output``,
        a nested `Pending` or a mapping of them (the keys are the fields' Python names).

        Raises `TypeError` (a defect of the calling program, like an unexpected keyword
        argument) for a key the model does not have or a required key without a value.
        """
        fields = cls.model_fields
        unknown = sorted(set(values) - set(fields))
        missing = sorted(
            name for name, info in fields.items() if info.is_required() and values.get(name) is None
        )
        if unknown or missing:
            raise TypeError(
                f"{cls.__name__}.pending(): unknown keys {unknown}, missing keys {missing}; "
                f"the stack outputs contract (components/outputs.py) has {sorted(fields)}"
            )
        complete = {
            name: values[name] if name in values else info.get_default()
            for name, info in fields.items()
        }
        return Pending(cls, {name: value for name, value in complete.items() if value is not None})

    @classmethod
    def key(cls, name: str) -> str:
        """The document key of field `name` (``network_isolation`` -> ``networkIsolation``)."""
        return str(cls.model_fields[name].alias)


@dataclass(frozen=True)
class Pending(Generic[M_co]):
    """An `Outputs` object before Pulumi resolves its values; made by `Outputs.pending`."""

    model: type[M_co]
    values: Mapping[str, object]
    """Field name -> value; fields without a value (optional ones) are left out."""

    def document(self) -> dict[str, Any]:
        """The exported form: document keys, nested objects as mappings, values as given."""
        return {self.model.key(name): _document(value) for name, value in self.values.items()}


def _document(value: object) -> object:
    if isinstance(value, Pending):
        return value.document()
    if isinstance(value, Mapping):
        return {key: _document(item) for key, item in value.items()}
    return value


class ClusterOutput(Outputs):
    """A compute cluster (``computes.<name>`` with ``kind: AmlCompute``)."""

    kind: Literal["AmlCompute"] = "AmlCompute"
    """Tells a cluster from an instance."""
    id: str
    """The compute's ARM id."""
    vm_size: str
    """The nodes' VM size."""
    min_nodes: int
    """Nodes kept running when idle (0: scales to zero)."""
    max_nodes: int
    """Most nodes the cluster scales out to."""


class InstanceOutput(Outputs):
    """A compute instance (``computes.<name>`` with ``kind: ComputeInstance``)."""

    kind: Literal["ComputeInstance"] = "ComputeInstance"
    """Tells an instance from a cluster."""
    id: str
    """The compute's ARM id."""
    vm_size: str
    """The instance's VM size."""


ComputeOutput = Annotated[ClusterOutput | InstanceOutput, Field(discriminator="kind")]
"""One compute of a workspace: a cluster or an instance, told apart by ``kind``."""


class DatastoreOutput(Outputs):
    """A datastore of a workspace (``datastores.<name>``)."""

    type: DatastoreType
    """The kind of storage it points at: blob container, ADLS Gen2 file system or file share."""
    id: str
    """The datastore's ARM id."""


class EnvironmentOutput(Outputs):
    """An environment (``environments.<name>``)."""

    kind: EnvironmentKind
    """How it is defined: a curated one by reference, conda + base image, or a Docker build."""
    version: str
    """The version jobs use: the pinned curated version, or the content hash of the definition."""
    id: str
    """The version's ARM id; for a curated environment, the reference jobs use."""


class EndpointOutput(Outputs):
    """An online endpoint (``endpoints.<key>``)."""

    name: str
    """The endpoint's Azure name."""
    scoring_uri: str
    """Where requests are scored."""
    deployments: tuple[str, ...]
    """The names of its deployments."""
    traffic: dict[str, int]
    """The live traffic split as applied: deployment name -> percentage."""


class BatchEndpointOutput(Outputs):
    """A batch endpoint (``batchEndpoints.<key>``)."""

    name: str
    """The endpoint's Azure name."""
    scoring_uri: str
    """Where batch scoring jobs are invoked."""
    deployments: tuple[str, ...]
    """The names of its deployments."""
    default_deployment: str | None = None
    """The deployment an invocation runs when it names none; absent with no deployment."""


class ScheduleOutput(Outputs):
    """A job schedule of the workspace (``schedules.<name>``)."""

    name: str
    """The schedule's name in the workspace."""
    id: str
    """The schedule's ARM id."""
    enabled: bool
    """Whether it triggers jobs."""


class WorkspaceOutput(Outputs):
    """A workspace of the stack (``workspaces.<key>``) and what it holds."""

    name: str
    """The workspace's Azure name."""
    id: str
    """The workspace's ARM id."""
    storage_account: str
    """Name of the workspace's storage account."""
    key_vault: str
    """Name of the workspace's key vault."""
    container_registry: str
    """Name of the workspace's container registry."""
    application_insights: str
    """Name of the workspace's Application Insights component."""
    identity_client_id: str
    """Client id of the workspace's user-assigned identity."""
    identity_principal_id: str
    """Principal (object) id of the workspace's user-assigned identity."""
    computes: dict[str, ComputeOutput]
    """Computes by name."""
    datastores: dict[str, DatastoreOutput]
    """Datastores by name."""
    environments: dict[str, EnvironmentOutput]
    """Environments by name."""
    endpoints: dict[str, EndpointOutput]
    """Online endpoints by their key in config."""
    batch_endpoints: dict[str, BatchEndpointOutput] = Field(default_factory=dict)
    """Batch endpoints by their key in config; absent from stacks deployed before amlstack had
    them."""
    schedules: dict[str, ScheduleOutput] = Field(default_factory=dict)
    """Job schedules by name; absent from stacks deployed before amlstack had them."""


class RegistryOutput(Outputs):
    """The Azure ML registry the stacks share to promote models (``registry``)."""

    name: str
    """The registry's Azure name."""
    id: str
    """The registry's ARM id."""
    location: str
    """The registry's primary region."""
    public_network_access: str | None = None
    """``Enabled`` or ``Disabled``: whether other stacks reach it over the internet or need a
    private endpoint (the reachability check of a stack that uses it reads this). Absent from
    stacks deployed before amlstack exported it."""


class StackOutputs(Outputs):
    """The whole document: the stack's coordinates, its workspaces and its registry."""

    model_config = ConfigDict(extra="ignore")  # the top level is shared: see the module doc

    subscription_id: str
    """The Azure subscription the stack is deployed in."""
    tenant_id: str
    """The Microsoft Entra tenant of the subscription."""
    resource_group: str
    """The stack's resource group."""
    location: str
    """The stack's Azure region."""
    tier: str
    """The stack's tier: ``dev`` or ``prod``."""
    workspace_name: str | None = None
    """The first workspace's Azure name; absent when the stack has no workspace."""
    workspaces: dict[str, WorkspaceOutput]
    """The workspaces by their key in config (empty for a registry-only stack)."""
    registry: RegistryOutput | None = None
    """The registry; absent unless the stack owns or references one."""
    network_isolation: dict[str, str]
    """Workspace key -> the managed network mode deployed; the next run reads it back to refuse
    a change Azure cannot make."""
    replacement_keys: dict[str, dict[str, Any]] | None = None
    """URN -> type, name and the inputs that decide a replacement, of every resource the
    data-loss guard watches (stateful data, online deployments, traffic splits): the next
    ``pulumi preview``'s CrossGuard pack compares them (`infra.replacements`). Not for people;
    absent from stacks deployed before amlstack had the guard."""


def export_stack_outputs(outputs: Pending[StackOutputs]) -> None:
    """Export `outputs` as the stack's outputs, one ``pulumi.export`` per top-level key."""
    import pulumi  # noqa: PLC0415  (the jobs package reads this module without Pulumi)

    for key, value in outputs.document().items():
        pulumi.export(key, value)
