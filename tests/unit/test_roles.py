"""Role ids match the security baseline's table; assignment names are deterministic GUIDs."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import roles

ALL_ROLES = list(roles.BUILT_IN_ROLES)
# Roles the baseline's table does not list, each with its source: Microsoft's Azure built-in
# roles reference (MicrosoftDocs/azure-docs, articles/role-based-access-control/built-in-roles.md,
# the tables "Privileged", "AI + machine learning", "Storage", "Containers").
BEYOND_BASELINE = {
    # Read-only datastores on Azure Files (OAuth over REST).
    "Storage File Data Privileged Reader": "b8eda974-7b85-4f76-af95-65846b26df6d",
    # Customer-managed key encryption (SECURITY_BASELINE.md, CMK row): the workspace identity
    # unwraps the key; Azure ML docs, "Customer-managed keys", and the Azure Verified Module.
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    # Identity access of workspace connections (components.connection).
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services OpenAI Contributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "Search Index Data Reader": "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    "Search Index Data Contributor": "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "Search Service Contributor": "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
    # Well-known roles teams grant through access.roles.
    "Azure AI Developer": "64702f94-c441-49e6-a78b-ef80e0188fee",
    "Azure AI Administrator": "b78c5d69-af96-48a3-bf8d-a8b4d589de94",
    "Azure AI Inference Deployment Operator": "3afb7f49-54cb-416e-8c09-6dc049efa503",
    "Foundry User": "53ca6127-db72-4b80-b1b0-d745d6d5456d",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Cognitive Services Contributor": "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "AcrDelete": "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
}


def _baseline_ids(shared: Path) -> dict[str, str]:
    text = (shared / "SECURITY_BASELINE.md").read_text()
    section = text.split("## Built-in role definition ids", 1)[1]
    rows = re.findall(r"^\| ([^|]+?) \| ([0-9a-f-]{36}) \|$", section, flags=re.MULTILINE)
    return {name.strip(): role_id for name, role_id in rows}


def test_every_role_id_is_the_baseline_id(shared: Path) -> None:
    baseline = _baseline_ids(shared)
    assert len(baseline) == 15
    assert {r.name: r.id for r in ALL_ROLES} == {**baseline, **BEYOND_BASELINE}


def test_every_role_constant_is_in_the_one_table() -> None:
    constants = {v for v in vars(roles).values() if isinstance(v, roles.Role)}
    assert constants <= set(roles.BUILT_IN_ROLES)
    assert len({r.id for r in ALL_ROLES}) == len({r.slug for r in ALL_ROLES}) == len(ALL_ROLES)


def test_roles_are_found_by_name_in_any_case_or_by_id() -> None:
    assert roles.find_role("azure ai developer") is roles.AI_DEVELOPER
    assert roles.find_role(roles.AI_DEVELOPER.id.upper()) is roles.AI_DEVELOPER
    custom = roles.find_role("11111111-2222-4333-8444-555555555555")
    assert (custom.id, custom.slug, custom.definition_id) == (
        "11111111-2222-4333-8444-555555555555",
        "role-11111111",
        None,
    )


def test_a_custom_role_by_full_id_is_sent_as_given() -> None:
    full = (
        "/subscriptions/0a1b2c3d-0000-4000-8000-000000000000/providers/"
        "Microsoft.Authorization/roleDefinitions/11111111-2222-4333-8444-555555555555"
    )
    role = roles.find_role(full)
    assert roles.role_definition_id("another-subscription", role) == full
    assert role.slug == "role-11111111"


def test_an_unknown_role_name_suggests_the_closest() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'Azure AI Developer'.*GUID"):
        roles.find_role("Azure AI Develper")


def test_config_roles_are_the_workspace_roles_azure_ml_documents() -> None:
    assert {r.name for r in roles.WORKSPACE_ROLES.values()} == {
        "Reader",
        "Contributor",
        "Owner",
        "AzureML Data Scientist",
        "AzureML Metrics Writer (preview)",
        "AzureML Compute Operator",
    }


def test_role_definition_id_is_subscription_scoped() -> None:
    assert roles.role_definition_id("sub-1", roles.READER) == (
        "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/"
        "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    )


ids = st.uuids().map(str)


@given(scope=st.text(min_size=1), principal=ids, role=st.sampled_from(ALL_ROLES))
def test_assignment_name_is_a_stable_guid_of_its_parts(
    scope: str, principal: str, role: roles.Role
) -> None:
    name = roles.role_assignment_name(scope, principal, role.id)
    assert str(uuid.UUID(name)) == name
    assert roles.role_assignment_name(scope.upper(), principal.upper(), role.id) == name


@given(scope=st.text(min_size=1), a=ids, b=ids)
def test_assignment_name_differs_per_principal(scope: str, a: str, b: str) -> None:
    if a != b:
        assert roles.role_assignment_name(scope, a, roles.OWNER.id) != roles.role_assignment_name(
            scope, b, roles.OWNER.id
        )


def test_assignment_name_differs_per_role_and_scope() -> None:
    principal = "11111111-1111-1111-1111-111111111111"
    names = {
        roles.role_assignment_name(scope, principal, role.id)
        for scope in ("/subscriptions/a/resourceGroups/x", "/subscriptions/a/resourceGroups/y")
        for role in ALL_ROLES
    }
    assert len(names) == 2 * len(ALL_ROLES)
