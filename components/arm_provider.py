"""The base of amlstack's dynamic providers that write ARM resources Pulumi's provider cannot
(`EndpointTraffic`, `BatchEndpointDefaults`, `WorkspaceIpRules`): how they reach ARM.

Pulumi pickles a provider into the state with dill; its class is importable, so dill stores a
reference to it plus the settings below. Everything else is imported inside the methods, so that
loading a pickled provider stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pulumi import dynamic

if TYPE_CHECKING:
    from components._arm import Arm

__all__ = ["ArmProvider"]


class ArmProvider(dynamic.ResourceProvider):
    """A dynamic provider that calls ARM through `components._arm`.

    `transport` (an azure-core ``HttpTransport``) and `credential` default to the real network
    and ``DefaultAzureCredential``; tests pass fakes. `poll_seconds` is the wait between polls of
    a long-running operation, `timeout_seconds` the longest wait (default: the subclass's
    `default_timeout_seconds`).
    """

    serialize_as_secret_always = False  # it holds no secret: only the settings below
    api_version: ClassVar[str]
    """The ARM API version of the resources the provider writes."""
    default_timeout_seconds: ClassVar[float] = 1800.0

    def __init__(
        self,
        *,
        transport: Any = None,
        credential: Any = None,
        poll_seconds: float = 10.0,
        timeout_seconds: float | None = None,
    ) -> None:
        super().__init__()
        self.transport = transport
        self.credential = credential
        self.poll_seconds = poll_seconds
        self.timeout_seconds = (
            self.default_timeout_seconds if timeout_seconds is None else timeout_seconds
        )

    def _arm(self) -> Arm:
        from components._arm import arm_client

        return arm_client(
            self.api_version,
            transport=self.transport,
            credential=self.credential,
            poll_seconds=self.poll_seconds,
            timeout_seconds=self.timeout_seconds,
        )
