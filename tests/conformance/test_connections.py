"""Workspace connection bodies: the ARM schema of API 2025-12-01, Azure's REST example, and what
azure-ai-ml's ``load_connection`` builds for the same spec.

Three checks on what the stack sends (``WorkspaceConnection.properties``, as recorded):

- every body validates against the 2025-12-01 ``WorkspaceConnectionPropertiesV2`` schema (the
  shared ``arm-types`` copy of Azure/bicep-types-az): its ``authType`` member, enums, and no
  property the schema lacks;
- the REST example ``WorkspaceConnection/create.json`` of Azure/azure-rest-api-specs
  (``specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
  stable/2025-12-01/examples/``, quoted in `REST_CREATE`) comes out as Azure shows it;
- each connection kind amlstack offers, and each spec of the corpus's
  ``cli/resources/connections/`` it can express, gives the body azure-ai-ml 1.35 builds from the
  equivalent spec (secrets masked on both sides; azure-ai-ml spells the category
  ``AzureOpenAi``, the schema's enum ``AzureOpenAI``: compared without case). The corpus specs for
  categories amlstack does not offer (PythonFeed, S3, Snowflake, AzureSqlDb) are listed as such.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from azure.ai.ml import load_connection

from components.connection import CONNECTION_CATEGORIES, ConnectionArgs
from components.errors import SECRET_MASK
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs

SUB = "0a1b2c3d-0000-4000-8000-0000000000aa"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
OPENAI = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-team"
SERVICES = f"{RG}/providers/Microsoft.CognitiveServices/accounts/ais-team"
SEARCH = f"{RG}/providers/Microsoft.Search/searchServices/srch-team"
REGISTRY = f"{RG}/providers/Microsoft.ContainerRegistry/registries/crteam"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/stteam"

REST_CREATE = {"category": "ContainerRegistry", "target": "www.facebook.com", "authType": "None"}
"""``parameters.properties`` of ``WorkspaceConnection/create.json`` (2025-12-01)."""

CONNECTIONS: dict[str, dict[str, Any]] = {
    "openai": {"category": "AzureOpenAI", "target": OPENAI, "apiVersion": "2024-10-21"},
    "openai-key": {
        "category": "AzureOpenAI",
        "target": "https://oai-team.openai.azure.com/",
        "credentials": {"type": "ApiKey", "key": "sk-test"},
    },
    "services": {"category": "AIServices", "target": SERVICES},
    "search": {"category": "CognitiveSearch", "target": SEARCH, "identityAccess": "write"},
    "registry": {"category": "ContainerRegistry", "target": REGISTRY},
    "rest-example": {
        "category": "ContainerRegistry",
        "target": "www.facebook.com",
        "credentials": {"type": "None"},
    },
    "blob": {"category": "AzureBlob", "target": ACCOUNT, "container": "reference"},
    "lake": {"category": "ADLSGen2", "target": ACCOUNT, "container": "curated"},
    "git-pat": {
        "category": "Git",
        "target": "https://test-git-feed.com",
        "credentials": {"type": "PAT", "pat": "dummy_pat"},
    },
    "git-user-passwd": {
        "category": "Git",
        "target": "https://test-git-feed.com",
        "credentials": {"type": "UsernamePassword", "username": "dummy", "password": "dummy"},
    },
    "api": {
        "category": "ApiKey",
        "target": "https://api.example.com",
        "shared": False,
        "credentials": {"type": "ApiKey", "key": "k"},
    },
    "custom": {
        "category": "CustomKeys",
        "target": "https://tools.example.com/",
        "credentials": {"type": "CustomKeys", "keys": {"token": "t", "user": "u"}},
    },
}


def sdk_spec(name: str, config: dict[str, Any], identity: dict[str, str]) -> dict[str, Any] | None:
    """The azure-ai-ml YAML spec equivalent to one of `CONNECTIONS` (None: the SDK has none)."""
    args = ConnectionArgs(name=name, **config)
    credentials = config.get("credentials", {"type": "Identity"})
    kind = credentials["type"]
    base: dict[str, Any] = {"name": name, "is_shared": args.shared}
    if args.category == "AzureOpenAI":
        return {
            **base,
            "type": "azure_open_ai",
            "azure_endpoint": args.target_url,
            "api_version": args.api_version,
            **({"api_key": credentials["key"]} if kind == "ApiKey" else {}),
        } | ({"open_ai_resource_id": OPENAI} if kind == "Identity" else {})
    if args.category == "AIServices":
        return {
            **base,
            "type": "azure_ai_services",
            "endpoint": args.target_url,
            "ai_services_resource_id": args.target_resource_id,
        }
    if args.category == "CognitiveSearch":
        return {**base, "type": "azure_ai_search", "endpoint": args.target_url}
    if args.category == "AzureBlob":
        return {
            **base,
            "type": "azure_blob",
            "url": args.target_url,
            "account_name": "stteam",
            "container_name": args.container,
        }
    if args.category == "ApiKey":
        return {**base, "type": "api_key", "api_base": args.target_url, "api_key": "k"}
    if args.category == "CustomKeys":
        return None  # azure-ai-ml's connection schemas have no custom_keys credentials
    sdk_types = {"ADLSGen2": "azure_data_lake_gen2", "ContainerRegistry": "container_registry"}
    sdk_credentials = {
        "Identity": {"type": "aad"},
        "None": {"type": "none"},
        "PAT": {"type": "pat", "pat": credentials.get("pat")},
        "UsernamePassword": {
            "type": "username_password",
            "username": credentials.get("username"),
            "password": credentials.get("password"),
        },
    }[kind]
    if args.category == "ContainerRegistry" and kind == "Identity":
        sdk_credentials = {"type": "managed_identity", **identity}
    return {
        **base,
        "type": sdk_types.get(args.category, args.category.lower()),
        "target": args.target_url,
        "credentials": sdk_credentials,
    }


@pytest.fixture(scope="module")
def recording() -> Recording:
    def program() -> None:
        workspace = Workspace("main", WorkspaceArgs(name="main"), resource_group_name="rg",
                              location="westeurope")  # fmt: skip
        for name, config in CONNECTIONS.items():
            workspace.add_connection(ConnectionArgs(name=name, **config))

    return record(program, stack="dev")


def bodies(recording: Recording) -> dict[str, dict[str, Any]]:
    found = recording.of_type("azure-native:machinelearningservices:WorkspaceConnection")
    return {r.inputs["connectionName"]: r.inputs["properties"] for r in found}


def identity(recording: Recording) -> dict[str, str]:
    """The workspace identity as a connection names it (client id, ARM id)."""
    uai = recording.one("azure-native:managedidentity:UserAssignedIdentity")
    return {"client_id": uai.outputs["clientId"], "resource_id": uai.outputs["id"]}


def sdk_body(spec: dict[str, Any]) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # azure-ai-ml's "experimental class" notices
        connection = load_connection(source=io.StringIO(yaml.safe_dump(spec)))
    properties: dict[str, Any] = connection._to_rest_object().as_dict()["properties"]
    properties["metadata"] = {k: v for k, v in properties.get("metadata", {}).items() if v}
    return properties


def masked(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with its credential secrets as the plan shows them."""
    credentials = dict(body.get("credentials") or {})
    for key in ("key", "pat", "password"):
        if key in credentials:
            credentials[key] = SECRET_MASK
    if "keys" in credentials:
        credentials["keys"] = dict.fromkeys(credentials["keys"], SECRET_MASK)
    return {**body, **({"credentials": credentials} if credentials else {})}


def without_case(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "category": str(body["category"]).lower()}


def test_every_category_amlstack_offers_is_exercised() -> None:
    assert {c["category"] for c in CONNECTIONS.values()} == set(CONNECTION_CATEGORIES)


def test_bodies_match_the_2025_12_01_schema(recording: Recording, shared: Path) -> None:
    types = json.loads(
        (
            shared
            / "arm-types/bicep/machinelearningservices/microsoft.machinelearningservices"
            / "2025-12-01/types.json"
        ).read_text()
    )
    union = next(t for t in types if t.get("name") == "WorkspaceConnectionPropertiesV2")

    def ref(entry: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = types[int(entry["$ref"].rsplit("/", 1)[-1])]
        return found

    def literals(entry: dict[str, Any]) -> set[str]:
        """The named values of a string enum (a union of literals and a free string)."""
        members = [ref(e) for e in ref(entry)["elements"]]
        return {m["value"] for m in members if m["$type"] == "StringLiteralType"}

    base = union["baseProperties"]
    for name, body in bodies(recording).items():
        member = ref(union["elements"][body["authType"]])
        allowed = {**base, **member["properties"]}
        assert set(body) <= set(allowed), (name, set(body) - set(allowed))
        assert body["category"] in literals(base["category"]["type"]), name
        for key, schema in member.get("properties", {}).items():
            if key == "credentials" and "credentials" in body:
                fields = ref(schema["type"]).get("properties", {})
                assert set(body["credentials"]) <= set(fields), name
        assert isinstance(body["isSharedToAll"], bool)


def test_the_rest_example_comes_out_as_azure_shows_it(recording: Recording) -> None:
    body = bodies(recording)["rest-example"]
    assert {key: body[key] for key in REST_CREATE} == REST_CREATE


def test_bodies_are_what_azure_ai_ml_builds(recording: Recording) -> None:
    ours = bodies(recording)
    compared = []
    for name, config in CONNECTIONS.items():
        spec = sdk_spec(name, config, identity(recording))
        if spec is None:
            continue
        expected = masked(sdk_body(spec))
        assert without_case(ours[name]) == without_case(expected), name
        compared.append(name)
    assert len(compared) == len(CONNECTIONS) - 1  # all but CustomKeys


UNSUPPORTED = {
    "azure-sql-user-passwd.yml": "AzureSqlDb",
    "python-feed-pat.yml": "PythonFeed",
    "s3-access-key.yml": "S3",
    "snowflake-db-user-passwd.yml": "Snowflake",
}
"""Corpus specs whose category amlstack does not offer (none of the issue's list)."""


def corpus_config(spec: dict[str, Any]) -> dict[str, Any]:
    """A corpus spec written as amlstack config."""
    credentials = spec["credentials"]
    category = {"git": "Git", "container_registry": "ContainerRegistry"}[spec["type"]]
    kind = {"pat": "PAT", "username_password": "UsernamePassword"}.get(credentials["type"])
    config: dict[str, Any] = {"category": category, "target": spec["target"]}
    if kind is None:  # a managed identity: amlstack connects as the workspace identity
        return {**config, "identityAccess": "none"}
    secrets = {k: v for k, v in credentials.items() if k != "type"}
    return {**config, "credentials": {"type": kind, **secrets}}


def as_the_workspace_identity(spec: dict[str, Any], identity: dict[str, str]) -> dict[str, Any]:
    """The spec with a managed identity replaced by the workspace identity's ids."""
    if spec["credentials"]["type"] != "managed_identity":
        return spec
    return {**spec, "credentials": {"type": "managed_identity", **identity}}


def test_the_corpus_connection_specs(shared: Path) -> None:
    folder = shared / "conformance/azureml-examples/cli/resources/connections"
    specs = {path.stem: yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yml"))}
    assert {f"{stem}.yml" for stem in specs} >= set(UNSUPPORTED)
    supported = {stem[:33]: s for stem, s in specs.items() if f"{stem}.yml" not in UNSUPPORTED}
    assert len(supported) == 3  # git-pat, git-user-passwd, container-registry-managed-identity

    def program() -> None:
        workspace = Workspace("main", WorkspaceArgs(name="main"), resource_group_name="rg",
                              location="westeurope")  # fmt: skip
        for name, spec in supported.items():
            workspace.add_connection(ConnectionArgs(name=name, **corpus_config(spec)))

    recorded = record(program, stack="dev")
    ours = bodies(recorded)
    for name, spec in supported.items():
        expected = sdk_body({**as_the_workspace_identity(spec, identity(recorded)), "name": name})
        assert ours[name] == masked(expected), name
