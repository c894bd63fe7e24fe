"""`components.testing.record` stays observably the same while it skips work a recording never
needs: aliases are dropped and the garbage collector pauses only while the program runs."""

from __future__ import annotations

import gc

import pulumi
import pytest

from components.testing import Recording, record


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
