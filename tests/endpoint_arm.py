"""A fake ARM serving one endpoint and its deployments, for the endpoint providers' tests
(`EndpointTraffic`, `BatchEndpointDefaults`): GET and PUT of the endpoint, GET of each
deployment, through `jobs.testing.FakeAzure`."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from azure.core.rest import HttpRequest

from components.azure_rest import ARM_ENDPOINT
from jobs.testing import Answer, FakeAzure

__all__ = ["FakeEndpointArm"]


class FakeEndpointArm:
    """`endpoint` (its ARM body) at `endpoint_id`, with `deployments` (name to body)."""

    def __init__(
        self,
        endpoint_id: str,
        endpoint: dict[str, Any],
        deployments: Mapping[str, dict[str, Any]],
    ) -> None:
        self.endpoint: dict[str, Any] | None = endpoint
        self.deployments = dict(deployments)
        self.transport = FakeAzure()
        self.route("GET", endpoint_id, self.get_endpoint)
        self.route("PUT", endpoint_id, self.put_endpoint)
        for name in deployments:
            self.route("GET", f"{endpoint_id}/deployments/{name}", self._deployment(name))

    def route(self, method: str, path: str, handler: Callable[[HttpRequest], Answer]) -> None:
        """Answer `method` on the ARM `path` (any query string) with `handler`."""
        self.transport.handle(method, rf"^{re.escape(ARM_ENDPOINT + path)}(\?|$)", handler)

    def get_endpoint(self, _request: HttpRequest) -> Answer:
        return (200, self.endpoint) if self.endpoint else (404, {"error": {"code": "NotFound"}})

    def put_endpoint(self, request: HttpRequest) -> Answer:
        """Take the body as the endpoint's new state and answer it (200, done)."""
        body = json.loads(request.content)
        assert self.endpoint is not None
        self.endpoint = {**self.endpoint, **body, "properties": dict(body["properties"])}
        return 200, copy.deepcopy(self.endpoint)

    def _deployment(self, name: str) -> Callable[[HttpRequest], Answer]:
        return lambda _request: (200, self.deployments[name])
