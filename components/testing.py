"""Test helpers for programs built with amlstack components (like ``structlog.testing``).

`record` runs a Pulumi program under Pulumi's own mock runtime and returns every resource it
registered (`RecordedResource`: type, name, the inputs the provider would receive, parent,
dependencies, ``protect``), plus the stack outputs, as a `Recording`. `RecordingMocks` answer as
Azure would, deterministically, so tests can assert on real-looking ARM ids; pass your own to set
the subscription, another stack's outputs or an invoke's answer. No cloud, no Pulumi CLI::

    from components import Workspace, WorkspaceArgs
    from components.testing import record

    def test_storage_has_no_shared_keys():
        recording = record(lambda: Workspace("main", WorkspaceArgs(name="main"), ...))
        account = recording.one("azure-native:storage:StorageAccount")
        assert account.inputs["allowSharedKeyAccess"] is False

This module is for tests only: amlstack's own code imports the engine from
`components.recording`.
"""

from __future__ import annotations

from components.recording import RecordedResource, Recording, RecordingMocks, record

__all__ = ["RecordedResource", "Recording", "RecordingMocks", "record"]
