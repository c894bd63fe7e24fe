"""Role ids match the security baseline's table; assignment names are deterministic GUIDs."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from components import roles

ALL_ROLES = [value for value in vars(roles).values() if isinstance(value, roles.Role)]
BEYOND_BASELINE = {
    # Read-only datastores on Azure Files (OAuth over REST); Azure built-in roles reference.
    "Storage File Data Privileged Reader": "b8eda974-7b85-4f76-af95-65846b26df6d",
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
