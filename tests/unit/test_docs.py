"""The docs site builds with no broken link or orphan page; the generated reference and schema
match the models; every sample stack file validates against the schema."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from components.args import Args
from infra.config import StackConfig
from infra.entrypoint import app
from infra.plan import find_project, plan_graph, run_plan
from infra.reference import (
    PAGES,
    REFERENCE_DIR,
    SCHEMA_FILE,
    field_docs,
    generated_files,
    stack_schema,
)
from tests.conftest import ROOT

REGENERATE = "uv run python -m infra.reference"
SCHEMA_COMMENT = f"# yaml-language-server: $schema={SCHEMA_FILE}"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """mkdocs --strict: a broken link or anchor, or a page missing from the nav, fails."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "getting-started" / "index.html").is_file()
    assert (tmp_path / "schema" / "stack.schema.json").is_file()


@pytest.mark.parametrize("name", sorted(generated_files()))
def test_generated_files_match_the_models(name: str) -> None:
    committed = ROOT / name
    assert committed.is_file(), f"{name} is missing; regenerate: {REGENERATE}"
    assert committed.read_text() == generated_files()[name], (
        f"{name} differs from what the models generate; regenerate: {REGENERATE}"
    )


def test_every_generated_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    relative = REFERENCE_DIR.removeprefix("docs/")
    for page in PAGES:
        assert f"{relative}/{page.file}" in nav, page.file


def test_the_reference_documents_every_key_with_its_docstring() -> None:
    pages = "\n".join(generated_files()[f"{REFERENCE_DIR}/{p.file}"] for p in PAGES)
    assert "| `maxNodes` | integer, at least 1 | `4` |" in pages
    assert "| `sku` | `Standard_LRS`, `Standard_ZRS`" in pages  # a Literal's choices
    assert "`Standard_GRS`<br>dev: `Standard_LRS`" in pages  # the tier preset beside the default
    assert "| `computes` | [Computes](computes.md#computes) |" in pages  # another page
    assert "| `users` | list of [Principal](workspace.md#principal) |" in pages  # one section
    assert pages.count("## Principal {") == 1
    assert "| `key` | secret string | **required** |" in pages
    docs = field_docs(StackConfig)
    assert docs["registry_stack"].startswith("The stack that owns the registry")


def test_inherited_attribute_docstrings_are_found() -> None:
    class Base(Args):
        size: int = 1
        """The size."""

    class Child(Base):
        name: str = "x"
        """The name."""

    assert field_docs(Child) == {"size": "The size.", "name": "The name."}


def sample_stack_files() -> list[Path]:
    return sorted(ROOT.glob("Pulumi.*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = stack_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", sample_stack_files(), ids=lambda p: p.name)
def test_every_sample_stack_validates_against_the_schema(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    text = path.read_text()
    assert text.startswith(SCHEMA_COMMENT + "\n"), f"{path.name} needs the schema comment"
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(yaml.safe_load(text))
    ]
    assert errors == []


def yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"```yaml[^\n]*\n(.*?)```", markdown, flags=re.DOTALL)


@pytest.mark.parametrize(
    "page", ["README.md", "docs/getting-started.md"], ids=lambda p: Path(p).name
)
def test_the_stack_files_the_docs_show_validate(
    page: str, validator: jsonschema.Draft202012Validator
) -> None:
    stacks = [
        document
        for block in yaml_blocks((ROOT / page).read_text())
        if isinstance(document := yaml.safe_load(block), dict) and "config" in document
    ]
    assert stacks
    for document in stacks:
        assert [e.message for e in validator.iter_errors(document)] == []


def test_the_schema_catches_what_editors_should_flag(
    validator: jsonschema.Draft202012Validator,
) -> None:
    def errors(config: dict[str, object]) -> list[str]:
        return [e.message for e in validator.iter_errors({"config": config})]

    base = {"amlstack:location": "westeurope"}
    assert errors({**base, "amlstack:workspaces": [{"name": "main"}]}) == []
    assert errors({**base, "azure-native:subscriptionId": "x", "tier": "dev"}) == []
    assert errors({**base, "amlstack:tags": {"owner": {"secure": "v1:abc"}}}) == []
    cluster = {"name": "c", "maxNode": 3, "idleTimeBeforeScaleDown": 300}
    [typo] = errors(
        {**base, "amlstack:workspaces": [{"name": "m", "computes": {"clusters": [cluster]}}]}
    )
    assert "'maxNode' was unexpected" in typo
    assert errors({**base, "amlstack:teir": "dev"}) == [
        "'amlstack:teir' is not valid under any of the given schemas"
    ]
    assert errors({"amlstack:location": "mars"})  # regions are a list of choices
    assert errors({"amlstack:tier": "dev"})  # no location at all


def test_the_schema_carries_descriptions_and_defaults() -> None:
    definitions = stack_schema()["$defs"]
    cluster = definitions["ComputeClusterArgs"]["properties"]
    assert cluster["maxNodes"]["default"] == 4
    assert cluster["minNodes"]["description"].startswith("Nodes kept running when idle")
    assert definitions["WorkspaceConfig"]["properties"]["tags"]["default"] == {}
    assert all("title" not in d for d in definitions.values())


def test_the_cli_writes_the_committed_schema(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = CliRunner().invoke(app, ["schema", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text() == (ROOT / SCHEMA_FILE).read_text()
    printed = CliRunner().invoke(app, ["schema"])
    assert json.loads(printed.stdout) == json.loads(target.read_text())


def test_the_pictured_graph_is_the_dev_stack_of_today() -> None:
    """docs/images/plan-dev.svg shows the labels the dev stack's graph has now (regenerate:
    uv run amlstack plan dev -q --graph docs/images/plan-dev.svg, with Graphviz)."""
    graph = plan_graph(run_plan(find_project(ROOT), "dev"))
    svg = (ROOT / "docs" / "images" / "plan-dev.svg").read_text()
    texts = set(re.findall(r"<text [^>]*>([^<]*)</text>", svg))
    lines = {line for node in graph.nodes for line in node.label}
    lines |= {box.label for box in graph.boxes}
    unescaped = {t.replace("&#45;", "-").replace("&#39;", "'").replace("&amp;", "&") for t in texts}
    assert lines <= unescaped, (
        f"{sorted(lines - unescaped)} not in the picture; regenerate it (with Graphviz): "
        "uv run amlstack plan dev -q --graph docs/images/plan-dev.svg"
    )
