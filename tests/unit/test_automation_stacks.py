"""The sample stacks' automation: dev's batch endpoint and nightly schedule, prod's batch endpoint
on the registry model, in the plans and in the stack outputs the jobs package reads."""

from __future__ import annotations

from typing import Any

from infra.plan import Plan
from jobs.context import StackContext, parse_outputs
from jobs.specs import load_spec
from jobs.submit import SubmitOptions, dry_run
from tests.conftest import ROOT

ML = "azure-native:machinelearningservices"


def context(plan: Plan) -> StackContext:
    outputs = parse_outputs(plan.outputs, stack=plan.stack, source="plan")
    return StackContext(stack=plan.stack, source="plan", outputs=outputs, workspace_key="main")


def named(plan: Plan, name: str) -> Any:
    [resource] = [r for r in plan.resources if r.name == name]
    return resource


def test_dev_scores_in_batch_with_uploaded_code_on_its_cluster(
    sample_plans: dict[str, Plan],
) -> None:
    dev = sample_plans["dev"]
    batch = context(dev).workspace.batch_endpoints["credit-batch"]
    assert batch.deployments == ("blue",)
    assert batch.default_deployment == "blue"
    assert batch.scoring_uri == f"https://{batch.name}.westeurope.inference.ml.azure.com/jobs"
    deployment = named(dev, "main-credit-batch-blue").inputs["properties"]
    assert deployment["compute"].endswith("/computes/cpu-cluster")
    assert (
        "/codes/main-batch-credit-batch-blue/versions/" in deployment["codeConfiguration"]["codeId"]
    )
    upload = named(dev, "main-credit-batch-blue-code-upload")
    assert upload.inputs["source"] == "serving/credit-default-batch"


def test_prod_scores_in_batch_with_the_registry_model(sample_plans: dict[str, Plan]) -> None:
    prod = sample_plans["prod"]
    deployment = named(prod, "main-credit-batch-blue").inputs["properties"]
    registry = prod.outputs["registry"]["name"]
    assert deployment["model"]["assetId"] == (
        f"azureml://registries/{registry}/models/credit-default/versions/2"
    )
    assert context(prod).workspace.batch_endpoints["credit-batch"].default_deployment == "blue"
    assert not [r for r in prod.resources if r.type == f"{ML}:Schedule"]


def test_dev_retrains_nightly_with_the_pipeline_job_submit_runs(
    sample_plans: dict[str, Plan],
) -> None:
    """The schedule's job is the dry run of the same file, against the same stack."""
    dev = sample_plans["dev"]
    stack = context(dev)
    assert stack.workspace.schedules["nightly-retrain"].enabled
    schedule = named(dev, "main-nightly-retrain-schedule").inputs["properties"]
    assert schedule["trigger"] == {
        "triggerType": "Cron",
        "expression": "0 2 * * *",
        "timeZone": "W. Europe Standard Time",
    }
    scheduled = schedule["action"]["jobDefinition"]
    spec = load_spec(ROOT / "pipelines/nightly-retrain/pipeline.yml")
    submitted = dry_run(spec, stack, SubmitOptions()).body["properties"]
    assert scheduled["settings"]["default_compute"] == submitted["settings"]["default_compute"]
    assert scheduled["inputs"] == submitted["inputs"]
    assert scheduled["experimentName"] == submitted["experimentName"] == "credit-default-nightly"
    component = named(dev, "main-nightly-retrain-jobs-train").inputs["properties"]["componentSpec"]
    environment = stack.workspace.environments["train-cpu"].id
    assert component["environment"] == f"azureml:{environment}"
