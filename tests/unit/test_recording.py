"""`components.recording.record` stays observably the same while it skips work a recording never
needs: aliases are dropped and the garbage collector pauses only while the program runs, then
leaves what it allocated to its rare full collections."""

from __future__ import annotations

import gc

import pulumi
import pytest

from components.recording import Recording, paused_collector, record


def program(aliases: list[pulumi.Input[str | pulumi.Alias]] | None) -> None:
    parent = pulumi.ComponentResource("amlstack:test:Thing", "thing")
    pulumi.CustomResource(
        "azure-native:storage:StorageAccount",
        "thing-storage",
        {"accountName": "stthing"},
        pulumi.ResourceOptions(parent=parent, aliases=aliases),
    )


def comparable(recording: Recording) -> list[tuple[object, ...]]:
    return [
        (r.urn, r.type, r.parent, r.inputs, r.dependencies, r.outputs) for r in recording.resources
    ]


def test_aliases_change_nothing_a_recording_shows() -> None:
    aliased = record(
        lambda: program(
            [pulumi.Alias(name="old-storage"), pulumi.Alias(type_="azure-native:storage/v1:X")]
        )
    )
    assert comparable(aliased) == comparable(record(lambda: program(None)))


def test_the_garbage_collector_is_back_after_a_recording_even_a_failed_one() -> None:
    assert gc.isenabled()
    record(lambda: program(None))
    assert gc.isenabled()

    def failing() -> None:
        raise ValueError("bad program")

    with pytest.raises(ValueError, match="bad program"):
        record(failing)
    assert gc.isenabled()
    gc.disable()
    try:
        record(lambda: program(None))
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_what_the_paused_collector_saw_allocated_skips_the_young_generations() -> None:
    with paused_collector():
        kept = [Node() for _ in range(5000)]
        assert not gc.isenabled()
        assert gc.get_count()[0] >= 5000  # waiting for a young collection
    assert gc.isenabled()
    assert gc.get_count()[0] < 5000  # moved to the oldest generation instead
    assert gc.get_freeze_count() == 0  # not frozen: a full collection still frees them
    cycles = len(kept)
    del kept
    assert gc.collect() >= cycles


def test_the_paused_collector_leaves_a_callers_frozen_objects_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_collector():
            [Node() for _ in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
