"""The resource that makes one deployment of a batch endpoint its default, after it exists.

A batch endpoint runs its default deployment when it is invoked without naming one. Azure takes
the default as ``properties.defaults.deploymentName`` of the endpoint, and the endpoint must exist
before its deployments: the same cycle as an online endpoint's traffic (`EndpointTraffic`), broken
the same way. The endpoint is created without a default, then its deployments, then
`BatchEndpointDefaults` (a Pulumi dynamic resource that depends on every deployment) GETs the
endpoint and PUTs it back with the default (`components.endpoint_patch`). Switching the default is a
config edit: the update runs before a dropped deployment is deleted (Pulumi deletes last), and
Azure refuses to delete the default deployment.

Pulumi pickles the provider into the state with dill; its class is importable, so dill stores a
reference to it plus its settings. Everything else is imported inside the methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.endpoint_patch import API_VERSION, EndpointPatchProvider
from components.provider_pickling import DynamicResource

__all__ = ["API_VERSION", "BatchEndpointDefaults", "BatchEndpointDefaultsProvider"]


class BatchEndpointDefaultsProvider(EndpointPatchProvider):
    """Create, diff, update, read and delete an endpoint's default deployment through ARM (see
    `EndpointPatchProvider` for the settings)."""

    patched = ("deploymentName",)
    kind = "batch"
    purpose = "only a deployment that succeeded becomes the default"

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo: the default goes with its endpoint, and a kept endpoint keeps it
        (Azure has no endpoint without a default once it has deployments)."""

    def _part(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"deploymentName": str(props["deploymentName"])}

    def _deployments(self, part: Mapping[str, Any]) -> list[str]:
        return [part["deploymentName"]]

    def _body_part(self, part: Mapping[str, Any]) -> dict[str, Any]:
        return {"defaults": {"deploymentName": part["deploymentName"]}}

    def _read_part(self, _props: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        return {"deploymentName": (live.get("defaults") or {}).get("deploymentName")}


class BatchEndpointDefaults(DynamicResource, module="amlstack", name="BatchEndpointDefaults"):
    """A batch endpoint's default deployment (`deployment_name`).

    Give it ``depends_on`` every deployment of the endpoint (and nothing that is being deleted),
    so that Pulumi creates it after them. `endpoint_revision` changes whenever the endpoint's own
    settings change: Pulumi's PUT of the endpoint carries no default, so it is written again.
    """

    def __init__(
        self,
        resource_name: str,
        *,
        endpoint_id: pulumi.Input[str],
        deployment_name: str,
        endpoint_revision: str = "",
        provider: BatchEndpointDefaultsProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            provider or BatchEndpointDefaultsProvider(),
            resource_name,
            {
                "endpointId": endpoint_id,
                "deploymentName": deployment_name,
                "endpointRevision": endpoint_revision,
            },
            opts,
        )

    @property
    def deployment_name(self) -> pulumi.Output[str]:
        """The default deployment as applied (Pulumi names outputs after the inputs)."""
        output: pulumi.Output[str] = self.__dict__["deploymentName"]
        return output
