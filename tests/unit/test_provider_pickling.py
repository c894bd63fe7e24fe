"""Dynamic resources leave Python's pickler as they found it, however many a process creates."""

from __future__ import annotations

import pickle
import sys
from typing import Any

from pulumi import dynamic

import components
from components.endpoint_traffic import EndpointTraffic
from components.provider_pickling import DynamicResource
from components.testing import record


class Plain(dynamic.ResourceProvider):
    def create(self, props: Any) -> dynamic.CreateResult:
        return dynamic.CreateResult("id", props)


class PlainResource(dynamic.Resource, module="test", name="Plain"):
    """A dynamic resource created without amlstack's guard."""


def methods() -> tuple[object, object]:
    pickler: Any = pickle._Pickler
    return pickler.__dict__["_batch_setitems"], pickler.__dict__["save_dict"]


def test_pulumi_still_leaves_the_pickler_patched() -> None:
    """Why `components.provider_pickling` exists: when this fails, Pulumi fixed it (drop the
    guard)."""
    before = methods()
    try:
        record(lambda: PlainResource(Plain(), "plain", {}))
        assert methods() != before
    finally:
        pickler: Any = pickle._Pickler
        pickler._batch_setitems, pickler.save_dict = before


def test_more_dynamic_resources_than_the_recursion_limit_in_one_process() -> None:
    before = methods()
    count = sys.getrecursionlimit() + 50

    def many() -> None:
        for index in range(count):
            EndpointTraffic(
                f"split-{index}", endpoint_id="e", traffic={"blue": 100}, mirror_traffic={}
            )

    recording = record(many)
    assert len(recording.of_type("pulumi-python:dynamic/amlstack:EndpointTraffic")) == count
    assert methods() == before
    first, last = recording.named("split-0"), recording.named(f"split-{count - 1}")
    assert first.inputs["__provider"] == last.inputs["__provider"]  # the same bytes each time


def test_every_dynamic_resource_of_amlstack_restores_the_pickler() -> None:
    for name in components.__all__:  # load every public module
        getattr(components, name)

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    ours = [c for c in subclasses(dynamic.Resource) if c.__module__.startswith("components.")]
    assert {c.__name__ for c in ours} >= {"EndpointTraffic", "FolderUpload", "WorkspaceIpRules"}
    assert [c for c in ours if not issubclass(c, DynamicResource)] == []
