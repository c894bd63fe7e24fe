"""VM sizes checked offline: the tables, exact spelling, did-you-mean, and the explicit override."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.compute import ComputeClusterArgs, ComputeInstanceArgs
from components.deployment import DeploymentArgs
from components.errors import ConfigError
from components.vm_sizes import (
    CLUSTER_VM_SIZES,
    INSTANCE_VM_SIZES,
    ONLINE_DEPLOYMENT_SKUS,
    canonical,
    closest,
    vm_size_problem,
)

TABLES = st.sampled_from([CLUSTER_VM_SIZES, INSTANCE_VM_SIZES, ONLINE_DEPLOYMENT_SKUS])
USER = {"object_id": "0a1b2c3d-0000-4000-8000-000000000001"}


@given(st.data())
def test_every_size_in_a_table_is_accepted_as_spelled(data: st.DataObject) -> None:
    sizes = data.draw(TABLES)
    size = data.draw(st.sampled_from(sorted(sizes)))
    assert vm_size_problem(size, sizes, offered_for="x") is None


@given(st.data())
def test_the_canonical_spelling_is_recovered_from_any_case(data: st.DataObject) -> None:
    size = data.draw(st.sampled_from(sorted(CLUSTER_VM_SIZES | ONLINE_DEPLOYMENT_SKUS)))
    assert canonical(size.upper()) == size
    assert canonical(size.lower()) == size


@given(st.data())
def test_a_wrong_case_size_is_refused_naming_the_canonical_spelling(data: st.DataObject) -> None:
    sizes = data.draw(TABLES)
    size = data.draw(st.sampled_from(sorted(sizes)))
    problem = vm_size_problem(size.upper(), sizes, offered_for="x")
    assert problem == f"sizes are spelled exactly as Azure does: did you mean {size!r}?"


@given(st.data(), st.text(min_size=1, max_size=30))
def test_an_unknown_size_gets_the_three_closest_of_the_table(
    data: st.DataObject, value: str
) -> None:
    sizes = data.draw(TABLES)
    suggestions = closest(value, sizes)
    assert len(suggestions) == 3
    assert set(suggestions) <= sizes
    if not any(size.casefold() == value.casefold() for size in sizes):
        problem = vm_size_problem(value, sizes, offered_for="x")
        assert problem is not None
        assert all(repr(size) in problem for size in suggestions)


@given(st.data())
def test_a_size_is_its_own_closest_match(data: st.DataObject) -> None:
    sizes = data.draw(TABLES)
    size = data.draw(st.sampled_from(sorted(sizes)))
    assert closest(size, sizes)[0] == size


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("Standard_D3S_v2", "Standard_DS3_v2"), ("Standard_NC6s_v9", "Standard_NC6s_v3")],
)
def test_the_issue_typos_suggest_what_was_meant(typo: str, meant: str) -> None:
    assert meant in closest(typo, CLUSTER_VM_SIZES)


def test_fx_sizes_are_for_clusters_only_as_azure_ml_documents() -> None:
    assert "Standard_FX4mds" in CLUSTER_VM_SIZES
    assert "Standard_FX4mds" not in INSTANCE_VM_SIZES
    assert INSTANCE_VM_SIZES < CLUSTER_VM_SIZES


def test_the_online_sku_list_is_not_the_compute_list() -> None:
    assert "Standard_DS11_v2" in INSTANCE_VM_SIZES  # studio's default instance size
    assert "Standard_DS11_v2" not in ONLINE_DEPLOYMENT_SKUS
    assert "Standard_NC24ads_A100_v4" in ONLINE_DEPLOYMENT_SKUS


def test_an_unknown_size_is_a_config_error_naming_the_key_and_the_closest_sizes() -> None:
    with pytest.raises(ConfigError) as raised:
        ComputeClusterArgs.parse({"name": "gpu", "vmSize": "Standard_NC6s_v9"}, at="gpu")
    (problem,) = raised.value.problems
    assert problem.field == "gpu.vmSize"
    assert "Standard_NC6s_v3" in problem.allowed


def test_vm_size_check_false_allows_a_size_newer_than_the_table() -> None:
    newer = "Standard_NC6s_v9"
    assert ComputeClusterArgs(name="gpu", vm_size=newer, vm_size_check=False).vm_size == newer
    instance = ComputeInstanceArgs.model_validate(
        {"name": "dev-box", "assignedUser": USER, "vmSize": newer, "vmSizeCheck": False}
    )
    assert instance.vm_size == newer
    deployment = DeploymentArgs.model_validate(
        {"name": "blue", "model": "azureml:credit:1", "instanceType": newer, "vmSizeCheck": False}
    )
    assert deployment.instance_type == newer


def test_a_deployment_instance_type_is_checked_against_the_managed_sku_list() -> None:
    with pytest.raises(ConfigError) as raised:
        DeploymentArgs.parse(
            {"name": "blue", "model": "azureml:credit:1", "instanceType": "Standard_DS11_v2"},
            at="blue",
        )
    (problem,) = raised.value.problems
    assert problem.field == "blue.instanceType"
    assert "managed online deployments" in problem.allowed
