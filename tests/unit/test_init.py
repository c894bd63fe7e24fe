"""`amlstack init`: a commented first stack file that plans with exit code 0, from options or
prompts; it never overwrites, and bad values exit 2 like the config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from components.exit_codes import ExitCode
from infra.entrypoint import app
from infra.plan import find_project, run_plan
from infra.reference import SCHEMA_FILE
from infra.scaffold import parse_principal
from tests.conftest import HUB_SUBNET

runner = CliRunner()
ADMINS = "Group:0a1b2c3d-0000-4000-8000-000000000001:ml-admins"
ALICE = "User:0a1b2c3d-0000-4000-8000-000000000011:alice@contoso.com"


def init(project: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["init", *args, "-C", str(project)], input=stdin)
    return result.exit_code, result.output


@pytest.mark.parametrize("tier", ["dev", "prod"])
def test_options_write_a_stack_that_plans_and_meets_its_tier(
    scratch_project: Path, tier: str
) -> None:
    code, output = init(
        scratch_project,
        "teams",
        "--tier",
        tier,
        "--location",
        "westeurope",
        "--workspace",
        "vision",
        "--workspace",
        "forecast",
        "--owner",
        ADMINS,
        "--data-scientist",
        ALICE,
        "--cluster",
        "cpu-cluster",
        "--personal-instances",
        "--endpoint",
        "demand",
        *(["--subnet", HUB_SUBNET] if tier == "prod" else []),
        "--no-interactive",
    )
    assert code == 0, output
    text = (scratch_project / "Pulumi.teams.yaml").read_text()
    assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_FILE}\n")
    assert f"amlstack:tier: {tier}" in text
    config = yaml.safe_load(text)["config"]
    vision, forecast = config["amlstack:workspaces"]
    assert (vision["name"], forecast["name"]) == ("vision", "forecast")
    assert vision["access"]["dataScientist"] == [
        {
            "objectId": "0a1b2c3d-0000-4000-8000-000000000011",
            "type": "User",
            "name": "alice@contoso.com",
        }
    ]
    assert forecast["endpoints"] == [{"name": "demand"}]
    plan = run_plan(find_project(scratch_project), "teams")
    assert plan.failed_mandatory == ()  # meets its tier's rules: `amlstack plan` exits 0
    computes = plan.outputs["workspaces"]["vision"]["computes"]
    assert {c["kind"] for c in computes.values()} == {"AmlCompute", "ComputeInstance"}


def test_without_options_it_asks(scratch_project: Path) -> None:
    answers = "\n".join(
        ["northeurope", "dev", "team-a, team-b", ADMINS, ALICE, "", "y", "score", ""]
    )
    code, output = init(scratch_project, "asked", "--interactive", stdin=answers)
    assert code == 0, output
    assert "Azure region [westeurope]:" in output
    config = yaml.safe_load((scratch_project / "Pulumi.asked.yaml").read_text())["config"]
    assert config["amlstack:location"] == "northeurope"
    assert [w["name"] for w in config["amlstack:workspaces"]] == ["team-a", "team-b"]
    team = config["amlstack:workspaces"][0]
    assert team["computes"]["clusters"][0]["name"] == "cpu-cluster"  # the default answer
    assert "personalInstances" in team["computes"]
    assert team["endpoints"] == [{"name": "score"}]
    assert run_plan(find_project(scratch_project), "asked").failed_mandatory == ()


def test_a_minimal_stack_needs_only_a_location_and_for_prod_its_way_in(
    scratch_project: Path,
) -> None:
    code, output = init(
        scratch_project,
        "small",
        "--location",
        "eastus2",
        "--subnet",
        HUB_SUBNET,
        "--no-interactive",
    )
    assert code == 0, output
    config = yaml.safe_load((scratch_project / "Pulumi.small.yaml").read_text())["config"]
    assert config == {
        "amlstack:location": "eastus2",
        "amlstack:tier": "prod",
        "amlstack:workspaces": [
            {"name": "main", "network": {"privateEndpoints": {"subnetId": HUB_SUBNET}}}
        ],
    }
    assert run_plan(find_project(scratch_project), "small").failed_mandatory == ()
    code, output = init(
        scratch_project, "tiny", "--tier", "dev", "--location", "eastus2", "--no-interactive"
    )
    assert code == 0, output


def test_a_prod_stack_without_its_way_in_is_refused(scratch_project: Path) -> None:
    code, output = init(scratch_project, "closed", "--location", "eastus2", "--no-interactive")
    assert code == ExitCode.INVALID_INPUT
    assert "--subnet: required but missing; a prod stack closes every public door" in output
    assert not (scratch_project / "Pulumi.closed.yaml").exists()


def test_it_never_overwrites_a_stack_file(scratch_project: Path) -> None:
    existing = scratch_project / "Pulumi.dev.yaml"
    existing.write_text("config: {}\n")
    code, output = init(
        scratch_project, "dev", "--tier", "dev", "--location", "westeurope", "--no-interactive"
    )
    assert code == ExitCode.INVALID_INPUT
    assert "Pulumi.dev.yaml exists already; amlstack init never overwrites" in output
    assert existing.read_text() == "config: {}\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--location", "westeurop"], "amlstack:location: 'westeurop' is not allowed"),
        ([], "--location: '' is not allowed; required"),
        (["--location", "westeurope", "--owner", "0a1b2c3d-0000-4000-8000-000000000001"], "TYPE:"),
        (
            ["--location", "westeurope", "--reader", "Person:0a1b2c3d-0000-4000-8000-00000000000f"],
            "TYPE",
        ),
        (["--location", "westeurope", "--owner", "Group:bob"], "--owner: 'Group:bob'"),
        (["--location", "westeurope", "--workspace", "Team_A"], "workspaces[Team_A].name"),
        (["--location", "westeurope", "--cluster", "c"], "a compute cluster name must be 2-16"),
        (["--location", "westeurope", "--tier", "staging"], "'staging'"),
    ],
)
def test_bad_values_exit_2_and_write_nothing(
    scratch_project: Path, args: list[str], expected: str
) -> None:
    code, output = init(scratch_project, "bad", *args, "--no-interactive")
    assert code == ExitCode.INVALID_INPUT, output
    assert expected in output
    assert "Traceback" not in output
    assert not (scratch_project / "Pulumi.bad.yaml").exists()


def test_a_bad_stack_name_is_refused(scratch_project: Path) -> None:
    code, output = init(scratch_project, "../x", "--location", "westeurope", "--no-interactive")
    assert code == ExitCode.INVALID_INPUT
    assert "STACK: '../x' is not allowed" in output


def test_principals_are_type_object_id_and_an_optional_name() -> None:
    assert parse_principal("--owner", "sp:0A1B2C3D-0000-4000-8000-000000000001") == {
        "objectId": "0a1b2c3d-0000-4000-8000-000000000001",
        "type": "ServicePrincipal",
    }
    assert (
        parse_principal("--reader", "group:0a1b2c3d-0000-4000-8000-000000000001:a:b")["name"]
        == "a:b"
    )


def test_options_for_people_or_computes_mean_no_questions_about_them(scratch_project: Path) -> None:
    code, output = init(
        scratch_project, "quick", "--interactive", "--cluster", "cpu", stdin="westeurope\ndev\n\n"
    )
    assert code == 0, output
    assert "Owners" not in output
    assert "endpoint" not in output
    config = yaml.safe_load((scratch_project / "Pulumi.quick.yaml").read_text())["config"]
    assert config["amlstack:workspaces"] == [
        {"name": "main", "computes": {"clusters": [{"name": "cpu", "vmSize": "Standard_DS3_v2"}]}}
    ]


def test_a_long_name_label_is_written_on_one_line_and_read_back(scratch_project: Path) -> None:
    name = "team " * 300  # YAML folds a long plain scalar unless told not to
    code, output = init(
        scratch_project,
        "long",
        "--tier",
        "dev",
        "--location",
        "westeurope",
        "--data-scientist",
        f"User:0a1b2c3d-0000-4000-8000-000000000011:{name.strip()}",
        "--no-interactive",
    )
    assert code == 0, output
    config = yaml.safe_load((scratch_project / "Pulumi.long.yaml").read_text())["config"]
    [person] = config["amlstack:workspaces"][0]["access"]["dataScientist"]
    assert person["name"] == name.strip()
