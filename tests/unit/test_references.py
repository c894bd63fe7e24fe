"""Model, environment and code references: azure-ai-ml's syntax in, the ids Azure expects out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.references import AssetKind, AssetRef, parse_reference

WS = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/mlw-amlstack-dev-main"
)
asset_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,4}|[a-z0-9][a-z0-9.-]{0,10}", fullmatch=True)
kinds = st.sampled_from(["models", "environments", "codes"])


@given(kind=kinds, name=asset_names, version=versions)
def test_workspace_short_form_resolves_to_the_version_arm_id(
    kind: AssetKind, name: str, version: str
) -> None:
    ref = parse_reference(f"azureml:{name}:{version}", kind)
    assert ref.resolve(WS) == f"{WS}/{kind}/{name}/versions/{version}"
    again = parse_reference(ref.resolve(WS), kind)  # the ARM id parses back to the same asset
    assert (again.source, again.name, again.version) == ("arm", name, version)
    assert again.resolve("/elsewhere") == ref.resolve(WS)


@given(
    kind=kinds,
    registry=st.from_regex(r"[a-z][a-z0-9-]{2,20}", fullmatch=True),
    name=asset_names,
    version=versions,
)
def test_registry_uris_pass_through_unchanged(
    kind: AssetKind, registry: str, name: str, version: str
) -> None:
    uri = f"azureml://registries/{registry}/{kind}/{name}/versions/{version}"
    ref = parse_reference(uri, kind)
    assert (ref.source, ref.registry, ref.name, ref.version) == (
        "registry",
        registry,
        name,
        version,
    )
    assert ref.resolve(WS) == uri


def test_environment_labels_are_kept_for_azure_to_resolve_but_model_labels_are_refused() -> None:
    curated = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"
    assert parse_reference(curated, "environments").resolve(WS) == curated
    with pytest.raises(ValueError, match="pin a version instead of a label"):
        parse_reference("azureml://registries/shared/models/credit/labels/latest", "models")
    with pytest.raises(ValueError, match="a label needs a lookup; pin a version"):
        parse_reference("azureml:credit@latest", "models")


def test_plain_names_are_environments_of_the_workspace_config_only() -> None:
    assert parse_reference("sklearn-env:2", "environments") == AssetRef(
        "environments", "config", "sklearn-env", version="2"
    )
    assert parse_reference("sklearn-env", "environments").version is None
    with pytest.raises(ValueError, match=r"expected azureml:<name>:<version>, "):
        parse_reference("credit-default", "models")


def test_a_reference_to_another_kind_of_asset_is_refused() -> None:
    with pytest.raises(ValueError, match="this names an environment"):
        parse_reference("azureml://registries/shared/environments/e/versions/1", "models")
    with pytest.raises(ValueError, match="this ARM id names a model"):
        parse_reference(f"{WS}/models/m/versions/1", "environments")


def test_the_stack_registry_needs_its_name() -> None:
    ref = AssetRef("models", "stack-registry", "credit-default", version="3")
    assert (
        ref.resolve(WS, registry_name="mlr-shared")
        == "azureml://registries/mlr-shared/models/credit-default/versions/3"
    )
    with pytest.raises(ValueError, match="cannot be resolved"):
        ref.resolve(WS)
    with pytest.raises(ValueError, match="cannot be resolved"):
        AssetRef("environments", "config", "my-env").resolve(WS)
