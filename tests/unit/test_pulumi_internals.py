"""The Pulumi SDK internals that `components.recording` relies on are still there, unchanged.

Each check names the internal, so that a Pulumi upgrade that removes or changes one fails here
with what to adapt, rather than somewhere inside a plan. A last test keeps every use of them in
components/recording.py.
"""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import resource
from pulumi.runtime.proto import alias_pb2, resource_pb2

from components.errors import SECRET_MASK
from components.recording import RecordingMocks, record
from tests.conftest import ROOT

PULUMI = importlib.metadata.version("pulumi")


def broken(internal: str, problem: str) -> str:
    return (
        f"pulumi {PULUMI} changed the internal {internal}, which components/recording.py relies "
        f"on: {problem}. Adapt the use marked '# Pulumi internal:' in components/recording.py, "
        "or pin pulumi to the last version that passes this test."
    )


def resolve(dotted: str) -> Any:
    """The object at `dotted` (``module.attribute.attribute``), or a failure naming it."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for index, attribute in enumerate(parts[split:], start=split):
            if not hasattr(found, attribute):
                pytest.fail(broken(dotted, f"{'.'.join(parts[:index])} has no {attribute!r}"))
            found = getattr(found, attribute)
        return found
    pytest.fail(broken(dotted, "the module is gone"))


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


SIGNATURES = {
    # internal -> the parameters it must take, in this order
    "pulumi.runtime.stack.run_pulumi_func": ["func"],
    "pulumi.runtime.sync_await._sync_await": ["awaitable"],
    "pulumi.runtime.mocks.MockMonitor.__init__": ["self", "mocks"],
    "pulumi.runtime.mocks.MockMonitor.RegisterResource": ["self", "request"],
    "pulumi.runtime.mocks.MockMonitor.ReadResource": ["self", "request"],
    "pulumi.runtime.rpc.deserialize_properties": ["props_struct"],
    "pulumi.runtime.rpc.deserialize_property": ["value"],
    "pulumi.runtime.rpc.is_rpc_secret": ["value"],
    "pulumi.runtime.mocks.MockMonitor.make_urn": ["self", "parent", "type_", "name"],
    "pulumi.runtime.resource._get_stack_trace": [],
}


@pytest.mark.parametrize("internal", sorted(SIGNATURES))
def test_the_functions_recording_calls_take_the_same_arguments(internal: str) -> None:
    function = resolve(internal)
    expected = SIGNATURES[internal]
    found = parameters(function)
    if found[: len(expected)] != expected or any(
        p.default is inspect.Parameter.empty
        for p in list(inspect.signature(function).parameters.values())[len(expected) :]
    ):
        pytest.fail(broken(internal, f"expected parameters {expected}, found {found}"))
    if internal.endswith("run_pulumi_func") and not inspect.iscoroutinefunction(function):
        pytest.fail(broken(internal, "it is no longer a coroutine function"))


@pytest.mark.parametrize("caller", ["register_resource", "read_resource"])
def test_registrations_take_their_stack_trace_from_the_module_global(caller: str) -> None:
    """The recording replaces `_get_stack_trace` by name: the SDK must look it up as a module
    global, and send what it returns (a `StackTrace`) as the request's stack trace."""
    function = resolve(f"pulumi.runtime.resource.{caller}")
    if "_get_stack_trace" not in function.__code__.co_names:
        pytest.fail(broken(f"{caller} -> _get_stack_trace", "no longer called by name"))
    if "stackTrace" not in resource_pb2.RegisterResourceRequest.DESCRIPTOR.fields_by_name:
        pytest.fail(broken("RegisterResourceRequest.stackTrace", "the field is gone"))
    resolve("pulumi.runtime.proto.source_pb2.StackTrace")


def test_a_recording_captures_no_stack_and_puts_the_sdks_walk_back() -> None:
    original = resource._get_stack_trace
    seen: list[Any] = []

    class Watching(RecordingMocks):
        def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
            seen.append(resource._get_stack_trace())
            return super().new_resource(args)

    record(program, project="p", stack="s", mocks=Watching())
    assert seen
    assert all(not trace.frames for trace in seen)
    assert resource._get_stack_trace is original


@pytest.mark.parametrize("internal", ["_special_sig_key", "_special_secret_sig"])
def test_the_rpc_markers_are_strings(internal: str) -> None:
    value = resolve(f"pulumi.runtime.rpc.{internal}")
    if not isinstance(value, str) or not value:
        pytest.fail(broken(f"pulumi.runtime.rpc.{internal}", f"expected a string, got {value!r}"))


def test_the_mock_monitor_keeps_registrations_with_their_state() -> None:
    monitor_class = resolve("pulumi.runtime.mocks.MockMonitor")
    monitor = monitor_class(RecordingMocks())
    if not isinstance(getattr(monitor, "resources", None), dict):
        pytest.fail(broken("MockMonitor.resources", "no longer a dict of registrations by URN"))
    registration = resolve("pulumi.runtime.mocks.MockMonitor.ResourceRegistration")
    if "state" not in getattr(registration, "_fields", ()):
        pytest.fail(broken("MockMonitor.ResourceRegistration.state", "the field is gone"))
    if "monitor" not in parameters(pulumi.runtime.set_mocks):
        pytest.fail(broken("set_mocks(monitor=...)", "it takes no monitor any more"))
    if "root_directory" not in parameters(pulumi.runtime.reset_options):
        pytest.fail(broken("reset_options(root_directory=...)", "the parameter is gone"))


REQUEST_FIELDS = {
    "RegisterResourceRequest": {
        "type",
        "name",
        "custom",
        "parent",
        "object",
        "dependencies",
        "propertyDependencies",
        "protect",
        "aliases",
    },
    "ReadResourceRequest": {"type", "name", "parent", "properties", "dependencies"},
    "RegisterResourceResponse": {"urn"},
    "Alias": {"urn", "spec"},
    "ReadResourceResponse": {"urn"},
}


@pytest.mark.parametrize("message", sorted(REQUEST_FIELDS))
def test_the_monitor_requests_carry_the_fields_recording_reads(message: str) -> None:
    proto = alias_pb2 if message == "Alias" else resource_pb2
    fields = set(getattr(proto, message).DESCRIPTOR.fields_by_name)
    missing = REQUEST_FIELDS[message] - fields
    if missing:
        pytest.fail(broken(f"resource_pb2.{message}", f"no field {', '.join(sorted(missing))}"))


def program() -> None:
    parent = pulumi.ComponentResource("amlstack:test:Thing", "thing")
    first = pulumi.CustomResource(
        "azure-native:resources:ResourceGroup",
        "thing-rg",
        {"location": "westeurope", "tags": {"token": pulumi.Output.secret("s3cr3t"), "a": "b"}},
        pulumi.ResourceOptions(parent=parent, protect=True),
    )
    pulumi.CustomResource(
        "azure-native:storage:StorageAccount",
        "thing-storage",
        {"resourceGroupName": first.id, "count": 3},
        pulumi.ResourceOptions(parent=parent, depends_on=[first]),
    )
    pulumi.CustomResource(  # a read: ReadResource, not RegisterResource
        "azure-native:keyvault:Vault", "existing", None, pulumi.ResourceOptions(id="vault-id")
    )
    pulumi.export("root", pulumi.get_root_directory())
    pulumi.export("secret", pulumi.Output.secret("hidden"))


def test_a_component_alias_is_recorded_as_the_urn_it_names() -> None:
    def moved() -> None:
        parent = pulumi.ComponentResource("amlstack:test:Parent", "parent")
        pulumi.ComponentResource(
            "amlstack:test:Child",
            "child",
            opts=pulumi.ResourceOptions(
                parent=parent, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]
            ),
        )

    child = record(moved, project="p", stack="s").named("child")
    if child.aliases != ("urn:pulumi:s::p::pulumi:pulumi:Stack$amlstack:test:Child::child",):
        pytest.fail(broken("RegisterResourceRequest.aliases", f"recorded {child.aliases}"))


def test_a_recording_round_trip_sees_what_the_engine_saw(tmp_path: Path) -> None:
    recording = record(program, project="p", stack="s", root_directory=str(tmp_path))
    by_name = {r.name: r for r in recording.resources}
    assert set(by_name) == {"p-s", "thing", "thing-rg", "thing-storage", "existing"}
    assert by_name["p-s"].type == "pulumi:pulumi:Stack"
    group, storage, vault = by_name["thing-rg"], by_name["thing-storage"], by_name["existing"]
    assert (
        group.urn
        == "urn:pulumi:s::p::amlstack:test:Thing$azure-native:resources:ResourceGroup::thing-rg"
    )
    assert group.parent == by_name["thing"].urn
    assert group.protect
    assert not storage.protect
    assert group.inputs == {"location": "westeurope", "tags": {"a": "b", "token": SECRET_MASK}}
    assert group.outputs["id"].endswith("/resourceGroups/thing-rg")
    assert storage.inputs["resourceGroupName"] == group.outputs["id"]
    assert repr(storage.inputs["count"]) == "3"  # an int again, not protobuf's 3.0
    assert storage.dependencies == (group.urn,)
    assert storage.input_dependencies == (group.urn,)  # resourceGroupName is the group's id
    assert group.input_dependencies == ()
    assert vault.custom
    assert vault.type == "azure-native:keyvault:Vault"
    assert recording.outputs == {"root": str(tmp_path), "secret": SECRET_MASK}


PRIVATE_MODULES = (
    "pulumi.runtime.mocks",
    "pulumi.runtime.rpc",
    "pulumi.runtime.settings",
    "pulumi.runtime.stack",
    "pulumi.runtime.sync_await",
)
"""Modules whose use needs the check above: only components/recording.py imports them (the
dynamic providers' `rpc.UNKNOWN`, the value Pulumi gives an unknown input, excepted)."""
ALLOWED = {
    ("components/endpoint_patch.py", "pulumi.runtime.rpc"),
    ("components/blob_upload.py", "pulumi.runtime.rpc"),
}


def test_only_the_recording_module_uses_pulumi_internals() -> None:
    found = []
    paths = [
        path
        for package in ("components", "infra", "jobs")
        for path in (ROOT / package).rglob("*.py")
    ]
    for path in sorted(paths):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "components/recording.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for module in modules:
                private = module.startswith("pulumi") and module.rpartition(".")[2].startswith("_")
                if private or (module in PRIVATE_MODULES and (relative, module) not in ALLOWED):
                    found.append(f"{relative}:{node.lineno} imports {module}")
    assert not found, (
        "Pulumi internals outside components/recording.py (wrap the use there, with its check "
        "in this test):\n  " + "\n  ".join(found)
    )
