"""docs/security.md is what the rules, presets and tables say: generated, and compared here."""

from __future__ import annotations

from typer.testing import CliRunner

from infra.entrypoint import app
from infra.policy import RULES
from infra.policy.document import REGENERATE, security_document
from infra.tiers import PRESETS
from tests.conftest import ROOT

runner = CliRunner()


def test_the_committed_security_document_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "security.md").read_text()
    assert committed == security_document(), f"docs/security.md is stale; run: {REGENERATE}"


def test_the_document_names_each_rule_its_built_ins_tiers_and_waiver() -> None:
    text = security_document()
    for rule in RULES:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert f"| {' and '.join(sorted(rule.tiers))} | {rule.level} |" in row
        assert all(short_id in row for short_id in rule.builtins)
    for preset in PRESETS["dev"]:
        assert f"| `{preset.key}` |" in text
    assert "amlstack:waivers:" in text
    assert "azureMachineLearningComputesShouldBeInAVirtualNetwork" in text


def test_amlstack_policies_prints_the_document_and_each_rules_built_ins() -> None:
    markdown = runner.invoke(app, ["policies", "--markdown"])
    assert markdown.exit_code == 0
    assert markdown.output == security_document()
    listing = runner.invoke(app, ["policies"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    text = " ".join(listing.output.split())
    assert "keyvault-purge-protection mandatory, prod" in text
    assert "built-in 0b60c0b2 (MCSB): Key vaults should have deletion protection enabled" in text
    assert "relaxed in dev stacks by keyVault.purgeProtection: False" in text
    assert "exemption" in text  # compute-in-virtual-network says what to assign
