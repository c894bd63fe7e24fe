"""GET, PUT and PATCH of ARM resources through `components.azure_rest`, waiting for
long-running operations: what amlstack's dynamic providers (`components.arm_provider`) send.

Imported inside the providers' methods, so that loading a pickled provider stays cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from components.azure_rest import (
    ARM_ENDPOINT,
    ARM_SCOPE,
    AzureRestError,
    RestClient,
    raise_for_status,
)

__all__ = ["TERMINAL_STATES", "Arm", "arm_client", "provisioning_state"]

TERMINAL_STATES = frozenset({"Succeeded", "Failed", "Canceled"})
"""Provisioning states after which Azure no longer changes a resource by itself."""


def arm_client(
    api_version: str,
    *,
    transport: Any,
    credential: Any,
    poll_seconds: float,
    timeout_seconds: float,
) -> Arm:
    """An `Arm` over the real network (or `transport`), sleeping between polls."""
    rest = RestClient(ARM_ENDPOINT, scope=ARM_SCOPE, transport=transport, credential=credential)
    return Arm(rest, api_version, poll_seconds, timeout_seconds, time.sleep, time.monotonic)


class Arm:
    """GET, PUT and PATCH of ARM resources at one api-version, waiting for long-running
    operations."""

    def __init__(  # noqa: PLR0917 (plain settings, given once by `arm_client`)
        self,
        rest: Any,
        api_version: str,
        poll_seconds: float,
        timeout_seconds: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.rest = rest
        self.api_version = api_version
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.sleep = sleep
        self.clock = clock

    def get(self, resource_id: str) -> dict[str, Any] | None:
        """The resource, or None when it does not exist."""
        response = self.rest.send("GET", self._url(resource_id))
        if response.status_code == 404:
            return None
        return _json(response, f"GET {resource_id}")

    def put(self, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT `body` and wait until the resource is provisioned; returns the final resource."""
        return self._write("PUT", resource_id, body)

    def patch(self, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH `body` and wait until the resource is provisioned; returns the final resource."""
        return self._write("PATCH", resource_id, body)

    def _write(self, method: str, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.rest.send(method, self._url(resource_id), json=body)
        result = _json(response, f"{method} {resource_id}")
        operation = response.headers.get("Azure-AsyncOperation")
        deadline = self.clock() + self.timeout_seconds
        while operation:
            status = _json(self.rest.send("GET", operation), f"GET {operation}")
            if status.get("status") in TERMINAL_STATES:
                _raise_unless_succeeded(status.get("status"), status, resource_id)
                break
            self._wait(deadline, resource_id)
        while provisioning_state(result) not in TERMINAL_STATES:
            self._wait(deadline, resource_id)
            result = self.get(resource_id) or {}
        _raise_unless_succeeded(provisioning_state(result), result, resource_id)
        return result

    def _url(self, resource_id: str) -> str:
        return f"{ARM_ENDPOINT}{resource_id}?api-version={self.api_version}"

    def _wait(self, deadline: float, resource_id: str) -> None:
        if self.clock() > deadline:
            raise AzureRestError(
                f"{resource_id}: still provisioning after {self.timeout_seconds:.0f}s"
            )
        self.sleep(self.poll_seconds)


def provisioning_state(resource: Mapping[str, Any]) -> str:
    """``properties.provisioningState`` (a resource that reports none counts as Succeeded)."""
    return str((resource.get("properties") or {}).get("provisioningState", "Succeeded"))


def _json(response: Any, what: str) -> dict[str, Any]:
    raise_for_status(response, what)
    payload = response.json() if response.content else {}
    return payload if isinstance(payload, dict) else {}


def _raise_unless_succeeded(state: object, payload: Mapping[str, Any], resource_id: str) -> None:
    if state != "Succeeded":
        error = payload.get("error") or {}
        raise AzureRestError(
            f"{resource_id}: {state}: {error.get('message', 'no details from Azure')}"
        )
