"""Where a component's children go: resource group, region, tags, and the parent component."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

__all__ = ["Placement"]


@dataclass(frozen=True)
class Placement:
    """What every child resource of a component shares."""

    resource_group_name: pulumi.Input[str]
    location: str
    tags: dict[str, str]
    parent: pulumi.Resource

    def options(
        self, *, protect: bool = False, depends_on: Sequence[pulumi.Resource] = ()
    ) -> pulumi.ResourceOptions:
        """Options for a child: parented to the component, `protect` only where asked, waiting
        for `depends_on` (a customer-managed key's role assignments) beyond its inputs."""
        return pulumi.ResourceOptions(
            parent=self.parent, protect=protect, depends_on=list(depends_on) or None
        )
