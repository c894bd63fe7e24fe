"""The recording engine: run a Pulumi program under Pulumi's own mock runtime, keep what it did.

`record` runs a program and returns every resource it registered, with the inputs the provider
would receive, its parent, dependencies and ``protect``, plus the stack outputs; Azure's answers
(ids, principal ids, endpoints) are synthesized deterministically by `RecordingMocks`. The
offline plan (``infra/plan``) is built on it; users' tests reach it through `components.testing`.

Pulumi internals: the SDK has no public API for what a recording needs (the registration
requests a mock monitor receives, running a program to completion outside the CLI, reading a
stack's exports). Every use of an unexported or private Pulumi name in amlstack is in this
module, each marked ``# Pulumi internal:``; ``tests/unit/test_pulumi_internals.py`` checks each
against the installed SDK and names the one a Pulumi upgrade broke.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks

# Pulumi internal: the SDK's stack walk at every registration (`_get_stack_trace`, unexported).
from pulumi.runtime import resource as pulumi_resource

# Pulumi internal: the gRPC property (de)serializer and its secret marker (module unexported).
from pulumi.runtime import rpc

# Pulumi internal: the request's stack trace message (generated protobuf, unexported).
from pulumi.runtime.proto import source_pb2

# Pulumi internal: runs a program and waits for its outstanding RPCs (unexported).
from pulumi.runtime.stack import run_pulumi_func

# Pulumi internal: waits for a coroutine from synchronous code, as the SDK's own invokes do.
from pulumi.runtime.sync_await import _sync_await

from components._fake_azure import (
    PLACEHOLDER_OBJECT,
    PLACEHOLDER_SUBSCRIPTION,
    PLACEHOLDER_TENANT,
    provider_outputs,
)
from components.collector import paused_collector
from components.errors import SECRET_MASK

__all__ = [
    "RecordedResource",
    "Recording",
    "RecordingMocks",
    "paused_collector",
    "record",
    "sync_await",
]

_T = TypeVar("_T")


@dataclass(frozen=True)
class RecordedResource:
    """One registered resource, as the Pulumi engine saw it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    dependencies: tuple[str, ...]
    """The URNs this resource waits for, sorted (Pulumi gathers them in no fixed order)."""
    protect: bool
    outputs: dict[str, Any] = field(default_factory=dict, compare=False)
    aliases: tuple[str, ...] = field(default=(), compare=False)
    """URNs this resource had before (``aliases`` of its component): ``pulumi up`` moves a
    resource found under one of them instead of replacing it."""
    replace_on_changes: tuple[str, ...] = field(default=(), compare=False)
    """Input paths whose change replaces the resource whatever its provider says (the
    ``replace_on_changes`` option, Pulumi's property-path syntax)."""
    delete_before_replace: bool = field(default=False, compare=False)
    """The ``delete_before_replace`` option: a replacement deletes the old resource first."""
    input_dependencies: tuple[str, ...] = field(default=(), compare=False)
    """The `dependencies` implied by inputs (an input is another resource's output): the data
    dependencies. The rest were asked for with ``depends_on``."""


@dataclass(frozen=True)
class Recording:
    """Everything a program registered, in registration order, and its stack outputs."""

    project: str
    stack: str
    resources: tuple[RecordedResource, ...]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> RecordedResource:
        """The single resource of `type_token`; fails when there are none or several."""
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token}, found {len(found)}")
        return found[0]

    def named(self, name: str) -> RecordedResource:
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(
            f"no resource named {name!r}; names: {sorted(r.name for r in self.resources)}"
        )

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}


class RecordingMocks(pulumi_mocks.Mocks):
    """Mocks that answer as Azure would: ARM ids, names and computed outputs, deterministically.

    `stack_references` gives the outputs of other stacks (`pulumi.StackReference`) by stack name;
    `calls` answers invokes by token beyond ``getClientConfig``.
    """

    def __init__(
        self,
        *,
        subscription_id: str = PLACEHOLDER_SUBSCRIPTION,
        tenant_id: str = PLACEHOLDER_TENANT,
        object_id: str = PLACEHOLDER_OBJECT,
        stack_references: Mapping[str, Mapping[str, Any]] | None = None,
        calls: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.subscription_id = subscription_id
        self.tenant_id = tenant_id
        self.object_id = object_id
        self.stack_references = dict(stack_references or {})
        self.calls = dict(calls or {})

    def new_resource(
        self, args: pulumi_mocks.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            outputs = dict(self.stack_references.get(args.name, {}))
            return args.name, {"name": args.name, "outputs": outputs, "secretOutputNames": []}
        if not args.typ.startswith("azure-native:"):
            return f"{args.name}-id", dict(args.inputs)
        state = provider_outputs(
            args.typ, args.name, args.inputs, self.subscription_id, self.tenant_id
        )
        return state["id"], state

    def call(
        self, args: pulumi_mocks.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": self.subscription_id,
                "tenantId": self.tenant_id,
                "objectId": self.object_id,
                "clientId": self.object_id,
            }, []
        return dict(self.calls.get(args.token, {})), []


_STACK_TYPE = "pulumi:pulumi:Stack"


class _CapturingMonitor(pulumi_mocks.MockMonitor):  # Pulumi internal: the class is unexported
    """The mock monitor, also keeping what each registration request carried.

    Pulumi internal: `MockMonitor.RegisterResource` / `ReadResource` (the gRPC methods, each
    returning a response with the URN) and `MockMonitor.resources` (URN to the registration,
    whose ``state`` the mocks answered).
    """

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        registration = self.resources.get(response.urn)
        self.recorded.append(
            RecordedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                inputs=_plain(_deserialize(request.object)),
                dependencies=tuple(sorted(set(request.dependencies))),
                protect=bool(request.protect),
                outputs=_plain(registration.state) if registration else {},
                aliases=tuple(self._alias_urn(request, alias) for alias in request.aliases),
                replace_on_changes=tuple(request.replaceOnChanges),
                delete_before_replace=bool(request.deleteBeforeReplace),
                input_dependencies=tuple(
                    sorted(
                        {
                            urn
                            for dependencies in request.propertyDependencies.values()
                            for urn in dependencies.urns
                        }
                    )
                ),
            )
        )
        return response

    def _alias_urn(self, request: Any, alias: Any) -> str:
        """The URN an alias names, built like the mock monitor builds URNs: there, a resource
        without a parent is a child of the stack (the engine leaves the stack's type out).

        Pulumi internal: the request's ``aliases`` (``alias_pb2.Alias``: ``urn`` or ``spec``
        with ``name``, ``type``, ``parentUrn``, ``noParent``) and `MockMonitor.make_urn`.
        """
        if alias.urn:
            return str(alias.urn)
        spec = alias.spec
        stack_urn = next((r.urn for r in self.recorded if r.type == _STACK_TYPE), "")
        parent = stack_urn if spec.noParent else (spec.parentUrn or request.parent)
        return str(self.make_urn(parent, spec.type or request.type, spec.name or request.name))

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        registration = self.resources[response.urn]
        self.recorded.append(
            RecordedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=True,
                parent=request.parent,
                inputs=_plain(_deserialize(request.properties)),
                dependencies=tuple(sorted(set(request.dependencies))),
                protect=False,
                outputs=_plain(registration.state),
            )
        )
        return response


def record(
    program: Callable[[], object],
    *,
    project: str = "amlstack",
    stack: str = "test",
    config: Mapping[str, object] | None = None,
    secret_keys: Iterable[str] = (),
    mocks: RecordingMocks | None = None,
    root_directory: str | None = None,
) -> Recording:
    """Run `program` under Pulumi's mock runtime and return what it registered and exported.

    `config` keys are full Pulumi keys (``amlstack:location``); values that are not strings are
    passed as JSON, as the Pulumi CLI does for structured config. `root_directory` is what
    ``pulumi.get_root_directory()`` returns (the project directory). Exceptions raised by the
    program (a `ConfigError`, say) propagate unchanged.
    """
    mocks = mocks or RecordingMocks()
    monitor = _CapturingMonitor(mocks)
    pulumi.runtime.set_all_config(
        {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in (config or {}).items()
        },
        list(secret_keys),
    )
    pulumi.runtime.reset_options(project=project, stack=stack, root_directory=root_directory)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    try:
        with paused_collector(), _without_source_positions():
            sync_await(run_pulumi_func(lambda: _run_without_aliases(program)))
            outputs = sync_await(_resolve_outputs(_exports()))
    finally:
        pulumi.runtime.reset_options()
        pulumi.runtime.set_all_config({}, [])
    return Recording(
        project=project, stack=stack, resources=tuple(monitor.recorded), outputs=outputs
    )


def sync_await(awaitable: Awaitable[_T]) -> _T:
    """Wait for `awaitable` from synchronous code, inside a running program or outside one, as
    the SDK's own synchronous invokes do (a program has no public synchronous read)."""
    return _sync_await(awaitable)


@contextmanager
def _without_source_positions() -> Iterator[None]:
    """Register resources without their source position and stack trace.

    For every registration the SDK walks the Python stack and turns each frame into a file URI
    for the engine (`pulumi.runtime.resource._get_stack_trace`: 15% of a 50-workspace plan,
    benchmarks/plan_bench.py); the mock monitor keeps neither, and the SDK has no switch for
    it. Pulumi internal: the module global `_get_stack_trace`, which ``register_resource`` and
    ``read_resource`` call, is replaced by one returning an empty trace (no source position),
    as the SDK itself returns when it finds no user frame, and put back afterwards.
    """
    original = pulumi_resource._get_stack_trace
    pulumi_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        pulumi_resource._get_stack_trace = original


def _run_without_aliases(program: Callable[[], object]) -> None:
    """Run `program`, its result discarded (`run_pulumi_func` would await it), with resource
    aliases dropped: they only match resources already in a stack's state, and a recording has
    none. pulumi-azure-native gives every resource one alias per API version, each turned into a
    URN Output; without them a recording takes about half the time and memory."""
    pulumi.runtime.register_stack_transformation(_drop_aliases)
    program()


def _drop_aliases(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    """Drop the aliases of custom resources (the SDK's API versions); a component's own aliases
    (a rename or a move) are kept and recorded."""
    if not args.opts.aliases or not isinstance(args.resource, pulumi.CustomResource):
        return None
    opts = copy.copy(args.opts)
    opts.aliases = None
    return pulumi.ResourceTransformationResult(args.props, opts)


def _exports() -> dict[str, Any]:
    """What the program exported: `pulumi.export` keeps them on the root stack resource."""
    root = pulumi.runtime.get_root_resource()
    # Pulumi internal: `Stack.outputs`, the exports by name (the Stack class is unexported).
    return dict(getattr(root, "outputs", None) or {})


async def _resolve_outputs(exported: dict[str, Any]) -> dict[str, Any]:
    async def resolve(value: Any) -> Any:
        output = pulumi.Output.from_input(value)
        if await output.is_secret():
            return SECRET_MASK
        return _plain(await output.future())

    values = await asyncio.gather(*(resolve(v) for v in exported.values()))
    return dict(zip(exported, values, strict=True))


def _deserialize(value: Any) -> Any:
    """Like ``rpc.deserialize_properties``, except that a secret stays where it is.

    Pulumi's deserializer marks a whole object secret when one of its values is (it lifts
    secretness); the provider receives only that value as a secret, and so do the inputs here.
    """
    if isinstance(value, struct_pb2.Struct):
        # Pulumi internal: `rpc._special_sig_key` / `_special_secret_sig` mark a special value.
        if rpc._special_sig_key in value:
            if value[rpc._special_sig_key] == rpc._special_secret_sig:
                return SECRET_MASK
            return rpc.deserialize_properties(value)  # assets, resource references, outputs
        return {key: _deserialize(item) for key, item in value.items()}
    if isinstance(value, struct_pb2.ListValue):
        return [_deserialize(item) for item in value]
    return rpc.deserialize_property(value)


def _plain(value: Any) -> Any:
    """JSON-ready values: secrets masked, integral floats (protobuf numbers) back to ints."""
    if rpc.is_rpc_secret(value):
        return SECRET_MASK
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
