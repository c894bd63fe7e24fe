"""What a workspace reaches beyond its own dependencies, declared before the workspace exists.

A workspace's managed network (its outbound rules) is an input of the workspace resource, so the
private endpoint rules to the stack's datastore accounts, connection targets and the Azure ML
registry must be known when the workspace is created, before its datastores and connections are
added. `Reach` says what they are; `Reach.of` reads it from the datastores and connections a
program is about to add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pulumi

from components.connection import ConnectionArgs
from components.datastore import DatastoreArgs
from components.outbound import DatastoreAccount

__all__ = ["Reach", "RegistryLink"]


@dataclass(frozen=True)
class RegistryLink:
    """The Azure ML registry a workspace uses: owned by this stack or read from another one."""

    id: pulumi.Input[str]
    """Its ARM id."""
    name: pulumi.Input[str]
    """Its Azure name (names its private endpoint)."""


@dataclass(frozen=True)
class Reach:
    """The storage accounts and the registry a workspace's computes, deployments and people use.

    With a managed network, each gets a PrivateEndpoint outbound rule (unless the user wrote
    one); with ``network.privateEndpoints``, the data lake and the registry also get private
    endpoints in that network. Default: nothing beyond the workspace's own dependencies.
    """

    data_lake: bool = False
    """An ADLS Gen2 datastore without an account of its own will be added: the workspace creates
    its data lake first, so the managed network's rules to it exist from the start."""
    accounts: tuple[DatastoreAccount, ...] = ()
    """Existing storage accounts (ARM ids) that datastores will read, with the datastore type."""
    registry: RegistryLink | None = None
    """The Azure ML registry the workspace shares models and environments through."""
    connection_targets: tuple[tuple[str, str], ...] = ()
    """(ARM id, private link sub-resource) of each connection target given by ARM id
    (`ConnectionArgs.private_link_targets`)."""

    @classmethod
    def of(
        cls,
        datastores: Iterable[DatastoreArgs],
        *,
        registry: RegistryLink | None = None,
        connections: Iterable[ConnectionArgs] = (),
    ) -> Reach:
        """What adding `datastores` and `connections` (and using `registry`) needs."""
        listed = tuple(datastores)
        return cls(
            connection_targets=tuple(t for c in connections for t in c.private_link_targets),
            data_lake=any(d.type == "AzureDataLakeGen2" and d.account is None for d in listed),
            accounts=tuple(
                DatastoreAccount(d.account, d.type) for d in listed if d.account is not None
            ),
            registry=registry,
        )

    def covers(self, datastore: DatastoreArgs) -> bool:
        """Whether `datastore`'s account was declared here."""
        if datastore.account is None:
            return datastore.type != "AzureDataLakeGen2" or self.data_lake
        wanted = DatastoreAccount(datastore.account, datastore.type)
        return any(
            a.account_id.lower() == wanted.account_id.lower()
            and a.datastore_type == wanted.datastore_type
            for a in self.accounts
        )
