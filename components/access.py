"""Role-based access: who may do what on a workspace, granted with deterministic assignment names.

Stack config lists principals per role (``access: {dataScientist: [{objectId, type}]}``), and
any other Azure role, built-in or custom, by name or id under ``access.roles``; code calls
``workspace.grant_data_scientist(principal)`` or ``workspace.grant(role, principal)``. Either way
each grant becomes one
``azure-native:authorization:RoleAssignment`` whose GUID name is derived from scope, principal
and role, so re-runs never collide with an assignment that already exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

import pulumi
from pulumi_azure_native import authorization
from pydantic import Field, ValidationInfo, field_validator

from components.args import Args, check_unique
from components.roles import (
    GUID,
    WORKSPACE_ROLES,
    Role,
    find_role,
    role_assignment_name,
    role_definition_id,
)

__all__ = [
    "AccessArgs",
    "Grantee",
    "IdentityGrantee",
    "Principal",
    "PrincipalType",
    "RoleGrantArgs",
    "assign_role",
    "check_object_id",
]

PrincipalType = Literal["User", "Group", "ServicePrincipal"]
_SCOPE_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)


class Grantee(Protocol):
    """Anything a role can be granted to: a person, a group, a service principal, an identity."""

    @property
    def grant_label(self) -> str:
        """A stable label, part of the role assignment's Pulumi resource name."""
        ...

    @property
    def grant_principal_id(self) -> pulumi.Input[str]: ...

    @property
    def grant_principal_type(self) -> str: ...


class Principal(Args):
    """A Microsoft Entra principal named in stack config."""

    object_id: str
    """The principal's object id (a GUID), not its client id or user principal name."""
    type: PrincipalType
    """``User``, ``Group`` or ``ServicePrincipal``; Azure needs it to grant new principals."""
    name: str | None = None
    """A label for people reading the config; never sent to Azure."""

    @field_validator("object_id")
    @classmethod
    def _is_guid(cls, value: str) -> str:
        return check_object_id(value)

    @property
    def grant_label(self) -> str:
        return self.object_id

    @property
    def grant_principal_id(self) -> pulumi.Input[str]:
        return self.object_id

    @property
    def grant_principal_type(self) -> str:
        return self.type


@dataclass(frozen=True)
class IdentityGrantee:
    """A managed identity created by a stack, labelled by its Pulumi name (its id comes later)."""

    label: str
    principal_id: pulumi.Input[str]

    @property
    def grant_label(self) -> str:
        return self.label

    @property
    def grant_principal_id(self) -> pulumi.Input[str]:
        return self.principal_id

    @property
    def grant_principal_type(self) -> str:
        return "ServicePrincipal"


class RoleGrantArgs(Args):
    """Any Azure role on the workspace, for some principals."""

    role: str
    """The role: a built-in role's name (``Azure AI Developer``, any case; the table is
    `components.roles.BUILT_IN_ROLES`), any role definition GUID (built-in or custom), or a
    custom role's full id (``/subscriptions/<id>/providers/Microsoft.Authorization/
    roleDefinitions/<GUID>``). An unknown name is refused with the closest known one."""
    principals: tuple[Principal, ...] = Field(min_length=1)
    """Who gets it (at least one)."""

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        find_role(value)
        return value

    @field_validator("principals")
    @classmethod
    def _each_principal_once(cls, principals: tuple[Principal, ...]) -> tuple[Principal, ...]:
        check_unique([p.object_id for p in principals], "list each principal once")
        return principals

    @property
    def definition(self) -> Role:
        """The role `role` names."""
        return find_role(self.role)


class AccessArgs(Args):
    """Principals per workspace role. Every list defaults to empty: no access is implicit."""

    reader: tuple[Principal, ...] = ()
    """Reader: view the workspace and its assets, change nothing."""
    contributor: tuple[Principal, ...] = ()
    """Contributor: manage the workspace and its assets, but not access to it."""
    owner: tuple[Principal, ...] = ()
    """Owner: full access, including granting roles to others."""
    data_scientist: tuple[Principal, ...] = ()
    """AzureML Data Scientist: run jobs, manage assets and computes, not the workspace itself."""
    metrics_writer: tuple[Principal, ...] = ()
    """AzureML Metrics Writer: log metrics to runs (for CI or an external trainer)."""
    compute_operator: tuple[Principal, ...] = ()
    """AzureML Compute Operator: create, start, stop and delete computes."""
    roles: tuple[RoleGrantArgs, ...] = ()
    """Any other role on the workspace, built-in or custom, by name or id (see
    `RoleGrantArgs`). Default none. A role and principal listed twice (here, or here and in a
    field above) is refused: the assignment would exist once."""

    @field_validator(*WORKSPACE_ROLES)
    @classmethod
    def _each_principal_once(cls, principals: tuple[Principal, ...]) -> tuple[Principal, ...]:
        check_unique([p.object_id for p in principals], "list each principal once")
        return principals

    @field_validator("roles")
    @classmethod
    def _each_grant_once(
        cls, grants: tuple[RoleGrantArgs, ...], info: ValidationInfo
    ) -> tuple[RoleGrantArgs, ...]:
        pairs = [
            (role, p.object_id)
            for field, role in WORKSPACE_ROLES.items()
            for p in info.data.get(field, ())
        ]
        pairs += [(g.definition, p.object_id) for g in grants for p in g.principals]
        seen: dict[tuple[str, str], str] = {}
        twice = []
        for role, object_id in pairs:
            if (role.id, object_id) in seen:
                twice.append(f"{role.name} for {object_id}")
            seen[(role.id, object_id)] = role.name
        if twice:
            raise ValueError(
                f"grant each role to each principal once; repeated: {', '.join(twice)}"
            )
        return grants

    def grants(self) -> Iterator[tuple[Role, Principal]]:
        """Every (role, principal) pair, in a stable order: the named roles, then `roles`."""
        for field, role in WORKSPACE_ROLES.items():
            for principal in getattr(self, field):
                yield role, principal
        for grant in self.roles:
            for principal in grant.principals:
                yield grant.definition, principal


def check_object_id(value: str) -> str:
    """`value` lowercased when it is a GUID (an Entra object or tenant id), else ValueError."""
    if not GUID.fullmatch(value):
        raise ValueError("expected a GUID like 00000000-0000-0000-0000-000000000000")
    return value.lower()


def assign_role(
    resource_name: str,
    *,
    role: Role,
    grantee: Grantee,
    scope: pulumi.Input[str],
    parent: pulumi.Resource,
) -> authorization.RoleAssignment:
    """Grant `role` to `grantee` at `scope` (an ARM id), named by a GUID of the three."""
    scope_output = pulumi.Output.from_input(scope)
    principal_output = pulumi.Output.from_input(grantee.grant_principal_id)
    return authorization.RoleAssignment(
        resource_name,
        role_assignment_name=pulumi.Output.all(scope_output, principal_output).apply(
            lambda values: role_assignment_name(values[0], values[1], role.id)
        ),
        scope=scope_output,
        principal_id=principal_output,
        principal_type=grantee.grant_principal_type,
        role_definition_id=scope_output.apply(
            lambda s: role_definition_id(_subscription_of(s), role)
        ),
        description=f"amlstack: {role.name} for {grantee.grant_label}",
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _subscription_of(scope: str) -> str:
    match = _SCOPE_SUBSCRIPTION.match(scope)
    if match is None:
        raise ValueError(f"role assignment scope {scope!r} is not an ARM id under /subscriptions/")
    return match.group(1)
