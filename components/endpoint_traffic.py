"""The resource that applies an online endpoint's traffic and mirror split after its deployments.

Azure refuses a split that names a deployment that does not exist yet, so the split cannot be an
input of the endpoint (the endpoint must exist before its deployments: a cycle). Here the endpoint
is created with no traffic, the deployments next, and then `EndpointTraffic` (a Pulumi dynamic
resource that depends on every deployment) writes ``properties.traffic`` and
``properties.mirrorTraffic`` with the ARM REST API: GET the endpoint, PUT it back with the new
split, wait for the operation. ``pulumi up`` orders it for free: a new deployment is created
before the split names it, and a removed deployment is deleted (deletes run last) after the
update that moved its traffic away.

Pulumi pickles the provider into the state with dill; its class is importable (amlstack is
installed in the stack's environment), so dill stores a reference to it plus its settings, a
short and deterministic string. Everything else is imported inside the methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi import dynamic

from components.endpoint_patch import API_VERSION, EndpointPatchProvider, endpoint_put_body
from components.provider_pickling import DynamicResource

__all__ = ["API_VERSION", "EndpointTraffic", "EndpointTrafficProvider"]

_SPLITS = ("traffic", "mirrorTraffic")


class EndpointTrafficProvider(EndpointPatchProvider):
    """Create, diff, update, read and delete an endpoint's split through ARM (see
    `EndpointPatchProvider` for the settings)."""

    patched = _SPLITS
    kind = "online"
    purpose = "traffic moves only to a deployment that succeeded"

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        from components.traffic import mirror_problems, traffic_problems

        traffic, mirror = news.get("traffic"), news.get("mirrorTraffic")
        if not isinstance(traffic, dict) or not isinstance(mirror, dict):
            return dynamic.CheckResult(news, [])  # unknown during preview
        live, mirrored = _ints(traffic), _ints(mirror)
        names = list(live)
        failures = [
            dynamic.CheckFailure("traffic", problem) for problem in traffic_problems(live, names)
        ]
        failures += [
            dynamic.CheckFailure("mirrorTraffic", problem)
            for problem in mirror_problems(mirrored, live, names)
        ]
        return dynamic.CheckResult(news, failures)

    def _changed(self, olds: Mapping[str, Any], news: Mapping[str, Any], key: str) -> bool:
        new, old = news.get(key), olds.get(key)
        if isinstance(new, Mapping) and isinstance(old, Mapping):
            return _ints(new) != _ints(old)
        return super()._changed(olds, news, key)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Send no traffic to any deployment, so that the deployments can be deleted next."""
        arm = self._arm()
        endpoint_id = str(props.get("endpointId") or id_)
        endpoint = arm.get(endpoint_id)
        if endpoint is not None:
            arm.put(endpoint_id, endpoint_put_body(endpoint, traffic={}, mirrorTraffic={}))

    def _part(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {key: _ints(props.get(key) or {}) for key in _SPLITS}

    def _deployments(self, part: Mapping[str, Any]) -> list[str]:
        traffic, mirror = part["traffic"], part["mirrorTraffic"]
        return sorted(n for n in {**traffic, **mirror} if traffic.get(n) or mirror.get(n))

    def _read_part(self, props: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        return {
            key: _merge(_ints(props.get(key) or {}), _ints(live.get(key) or {})) for key in _SPLITS
        }


def _ints(split: Mapping[str, Any]) -> dict[str, int]:
    """Pulumi passes numbers as floats; Azure wants integers."""
    return {str(name): int(share) for name, share in split.items()}


def _merge(declared: Mapping[str, int], live: Mapping[str, int]) -> dict[str, int]:
    """What Azure has, over the declared names (a name Azure leaves out has 0)."""
    merged = {name: live.get(name, 0) for name in declared}
    merged.update({name: share for name, share in live.items() if share})
    return merged


class EndpointTraffic(DynamicResource, module="amlstack", name="EndpointTraffic"):
    """An online endpoint's live split (`traffic`) and mirror split (`mirrorTraffic`).

    Both map deployment names to integer percentages. Give it ``depends_on`` every deployment of
    the endpoint (and nothing that is being deleted), so that Pulumi creates it after them.
    `endpoint_revision` changes whenever the endpoint's own settings change, so that the split is
    written again after Pulumi updates the endpoint.
    """

    traffic: pulumi.Output[dict[str, int]]
    """The live split as applied (Pulumi names outputs after the inputs: ``traffic``, ...)."""

    def __init__(
        self,
        resource_name: str,
        *,
        endpoint_id: pulumi.Input[str],
        traffic: Mapping[str, int],
        mirror_traffic: Mapping[str, int],
        endpoint_revision: str = "",
        provider: EndpointTrafficProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            provider or EndpointTrafficProvider(),
            resource_name,
            {
                "endpointId": endpoint_id,
                "traffic": dict(traffic),
                "mirrorTraffic": dict(mirror_traffic),
                "endpointRevision": endpoint_revision,
            },
            opts,
        )

    @property
    def mirror_traffic(self) -> pulumi.Output[dict[str, int]]:
        """The mirror split as applied."""
        output: pulumi.Output[dict[str, int]] = self.__dict__["mirrorTraffic"]
        return output
