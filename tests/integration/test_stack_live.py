"""A real stack: `pulumi up` through the Automation API, checked against the offline plan, then
destroyed (opt-in).

Runs only with ``AMLSTACK_INTEGRATION=1``, a Pulumi CLI on ``PATH`` that is logged in to a
backend (``pulumi login``, or ``PULUMI_BACKEND_URL`` / ``PULUMI_ACCESS_TOKEN``; a passphrase
backend also needs ``PULUMI_CONFIG_PASSPHRASE``), Azure credentials the azure-native provider
accepts (``az login``, or ``ARM_USE_OIDC``/``ARM_CLIENT_ID``/``ARM_TENANT_ID`` in CI) and
``AZURE_SUBSCRIPTION_ID``. It creates a throwaway dev-tier stack (``AMLSTACK_INTEGRATION_STACK``,
default ``it-<random>``: deleted workspaces stay soft-deleted for 14 days with their names taken,
so each run gets fresh names) with one small workspace and a cluster that scales to zero, and
deletes it at the end, whatever happens. Nothing here is faked; without those it is skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from pulumi import automation

from infra.plan import Plan, find_project, run_plan
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

LOCATION = os.environ.get("AMLSTACK_INTEGRATION_LOCATION", "westeurope")


def stack_config(subscription: str) -> dict[str, Any]:
    return {
        "azure-native:subscriptionId": subscription,
        "amlstack:location": LOCATION,
        "amlstack:tier": "dev",
        "amlstack:tags": {"purpose": "amlstack-integration-test"},
        "amlstack:workspaces": [
            {
                "name": "it",
                "computes": {
                    "clusters": [{"name": "cpu", "vmSize": "Standard_DS3_v2", "maxNodes": 1}]
                },
            }
        ],
    }


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Any, Plan]]:
    if os.environ.get("AMLSTACK_INTEGRATION") != "1":
        pytest.skip("set AMLSTACK_INTEGRATION=1 (and log in to Pulumi and Azure) to deploy")
    if shutil.which("pulumi") is None:
        pytest.skip("no Pulumi CLI on PATH")
    subscription = os.environ.get("AZURE_SUBSCRIPTION_ID")
    if not subscription:
        pytest.skip("set AZURE_SUBSCRIPTION_ID to the subscription to deploy into")
    name = os.environ.get("AMLSTACK_INTEGRATION_STACK", f"it-{uuid.uuid4().hex[:6]}")
    stack_file = ROOT / f"Pulumi.{name}.yaml"
    config = stack_config(subscription)
    stack_file.write_text(yaml.safe_dump({"config": config}))
    try:
        plan = run_plan(find_project(ROOT), name)
        stack = automation.create_or_select_stack(stack_name=name, work_dir=str(ROOT))
        try:
            stack.up(policy_packs=[str(ROOT / "infra" / "policy")], on_output=print)
            yield stack, plan
        finally:
            stack.destroy(on_output=print)
            stack.workspace.remove_stack(name)
    finally:
        stack_file.unlink(missing_ok=True)


def test_the_deployed_outputs_are_the_ones_the_plan_predicted(deployed: tuple[Any, Plan]) -> None:
    stack, plan = deployed
    outputs = {key: value.value for key, value in stack.outputs().items()}
    assert outputs["workspaceName"] == plan.outputs["workspaceName"]
    assert outputs["resourceGroup"] == plan.outputs["resourceGroup"]
    real = outputs["workspaces"]["it"]
    predicted = plan.outputs["workspaces"]["it"]
    for key in ("name", "id", "storageAccount", "keyVault", "containerRegistry"):
        assert real[key] == predicted[key], key
    assert real["computes"]["cpu"]["id"] == predicted["computes"]["cpu"]["id"]


def test_the_deployed_resources_are_the_planned_ones(deployed: tuple[Any, Plan]) -> None:
    stack, plan = deployed
    state = stack.export_stack().deployment["resources"]
    real = {r["urn"] for r in state if not r["type"].startswith("pulumi:providers:")}
    assert real == {r.urn for r in plan.resources}


def test_a_second_preview_changes_nothing(deployed: tuple[Any, Plan]) -> None:
    stack, _ = deployed
    summary = stack.preview(policy_packs=[str(ROOT / "infra" / "policy")]).change_summary
    assert set(summary) <= {"same"}, summary
