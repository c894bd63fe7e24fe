"""Names are valid for Azure, deterministic, shortened by hash, and distinct when inputs differ."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import naming
from components.errors import ConfigError

RULES = [
    naming.RESOURCE_GROUP,
    naming.WORKSPACE,
    naming.STORAGE_ACCOUNT,
    naming.KEY_VAULT,
    naming.CONTAINER_REGISTRY,
    naming.LOG_ANALYTICS,
    naming.APP_INSIGHTS,
    naming.USER_IDENTITY,
    naming.ML_REGISTRY,
    naming.ONLINE_ENDPOINT,
    naming.COMPUTE_CLUSTER,
    naming.COMPUTE_INSTANCE,
]
parts = st.lists(st.text(max_size=40), max_size=4)
suffixes = st.text(alphabet="0123456789abcdef", min_size=6, max_size=6)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.kind)
@given(parts=parts)
def test_any_input_gives_a_name_azure_accepts(rule: naming.NameRule, parts: list[str]) -> None:
    name = naming.derive_name(rule, *parts)
    assert rule.accepts(name), name
    assert naming.derive_name(rule, *parts) == name


@pytest.mark.parametrize(
    "rule", [naming.STORAGE_ACCOUNT, naming.KEY_VAULT, naming.CONTAINER_REGISTRY]
)
@given(parts=parts, unique=suffixes)
def test_globally_unique_names_end_with_the_suffix(
    rule: naming.NameRule, parts: list[str], unique: str
) -> None:
    name = naming.derive_name(rule, *parts, unique=unique)
    assert rule.accepts(name), name
    assert name.endswith(unique)


@given(a=st.text(min_size=30, max_size=60), b=st.text(min_size=30, max_size=60))
def test_long_names_that_differ_stay_different(a: str, b: str) -> None:
    clean_a, clean_b = (naming.derive_name(naming.KEY_VAULT, x) for x in (a, b))
    plain_a, plain_b = ("-".join(filter(None, _tokens(x))) for x in (a, b))
    if plain_a != plain_b:
        assert clean_a != clean_b


def _tokens(text: str) -> list[str]:
    return re.split(r"[^a-z0-9]+", text.lower())


@given(
    project=st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True),
    stack=st.text(min_size=1, max_size=40),
    workspace=st.from_regex(r"[a-z][a-z0-9-]{0,22}[a-z0-9]", fullmatch=True),
    unique=suffixes,
)
def test_every_workspace_name_is_valid(
    project: str, stack: str, workspace: str, unique: str
) -> None:
    names = naming.workspace_names(project, stack, workspace, unique=unique)
    assert naming.WORKSPACE.accepts(names.workspace)
    assert naming.STORAGE_ACCOUNT.accepts(names.storage_account)
    assert naming.KEY_VAULT.accepts(names.key_vault)
    assert naming.CONTAINER_REGISTRY.accepts(names.container_registry)
    assert naming.LOG_ANALYTICS.accepts(names.log_analytics)
    assert naming.APP_INSIGHTS.accepts(names.app_insights)
    assert naming.USER_IDENTITY.accepts(names.identity)


def test_short_names_read_as_project_stack_workspace() -> None:
    names = naming.workspace_names("amlstack", "dev", "main", unique="abc123")
    assert names.workspace == "mlw-amlstack-dev-main"
    assert names.storage_account == "stamlstackdevmainabc123"
    assert names.key_vault == "kv-amlstack-dev-m-abc123"
    assert names.container_registry == "cramlstackdevmainabc123"
    assert names.identity == "id-amlstack-dev-main"


def test_a_too_long_name_keeps_its_start_and_ends_with_a_hash() -> None:
    long_stack = "customer-facing-recommendations-staging"
    name = naming.derive_name(naming.WORKSPACE, "amlstack", long_stack, "main")
    assert len(name) == naming.WORKSPACE.max_length
    assert name.startswith("mlw-amlstack-customer-faci-")
    assert name != naming.derive_name(naming.WORKSPACE, "amlstack", long_stack, "other")


def test_unique_suffix_is_stable_and_sensitive_to_every_part() -> None:
    assert naming.unique_suffix("sub", "rg") == naming.unique_suffix("sub", "rg")
    assert naming.unique_suffix("sub", "rg") != naming.unique_suffix("sub", "rg2")
    assert naming.unique_suffix("ab", "c") != naming.unique_suffix("a", "bc")


@pytest.mark.parametrize(
    ("rule", "bad"),
    [
        (naming.COMPUTE_CLUSTER, "cpu-cluster-for-everyone"),
        (naming.COMPUTE_CLUSTER, "1cpu"),
        (naming.COMPUTE_INSTANCE, "ab"),
        (naming.STORAGE_ACCOUNT, "Has-Hyphen"),
        (naming.KEY_VAULT, "kv--double"),
    ],
)
def test_check_name_rejects_what_azure_rejects(rule: naming.NameRule, bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        naming.check_name(rule, bad, field="amlstack:x.name")
    message = str(caught.value)
    assert "amlstack:x.name" in message
    assert repr(bad) in message
    assert rule.kind in message
