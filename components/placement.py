"""Where a component's children go: resource group, region, tags, and the parent component."""

from __future__ import annotations

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

    def options(self, *, protect: bool = False) -> pulumi.ResourceOptions:
        """Options for a child: parented to the component, `protect` only where asked."""
        return pulumi.ResourceOptions(parent=self.parent, protect=protect)
