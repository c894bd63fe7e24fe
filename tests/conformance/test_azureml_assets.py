"""Every compute, datastore and environment spec of the shared azureml-examples selection can be
written as amlstack config, and the Pulumi inputs then carry the settings azure-ai-ml's own loader
reads from the spec (vm size, node counts, idle times, schedules, datastore type and container,
image and conda dependencies, build context).

Where the corpus holds placeholders (``XXXXXXXX-...`` ids, ``identity_resource_id``) the config
uses well-formed stand-ins, since amlstack validates ids. Secrets in the datastore specs are passed
as secrets and never compared, printed or asserted on: only their masked form is.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from azure.ai.ml import load_compute, load_datastore, load_environment
from pydantic import SecretStr

from components.errors import SECRET_MASK
from components.reach import Reach
from components.testing import RecordedResource, Recording, record
from components.vm_sizes import canonical
from components.workspace import Workspace
from infra.assets import add_assets, define_environments
from infra.config import parse_stack_config
from tests.conftest import REACHABLE_NETWORK

LOADERS = {"compute": load_compute, "datastore": load_datastore, "environment": load_environment}
EXPECTED = {"compute": 7, "datastore": 6, "environment": 3}
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
IDENTITY = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-identities/providers"
    "/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
)
ACCOUNT = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-data/providers"
    "/Microsoft.Storage/storageAccounts/{name}"
)
INSTANCE_USER = "0a1b2c3d-0000-4000-8000-0000000000cc"
SECRET_KEYS = {"account_key", "sas_token", "client_secret", "secrets"}
DATASTORE_TYPES = {
    "azure_blob": ("AzureBlob", "container_name", "containerName"),
    "azure_data_lake_gen2": ("AzureDataLakeGen2", "filesystem", "filesystem"),
    "azure_file": ("AzureFile", "file_share_name", "fileShareName"),
}


@dataclass(frozen=True)
class Spec:
    """One spec: its path, the YAML as written, and azure-ai-ml's REST body for it."""

    path: str
    kind: str
    raw: dict[str, Any]
    entity: Any
    rest: dict[str, Any]
    name: str
    """The name in amlstack config (spec names repeat across files; a suffix keeps them apart)."""


@dataclass(frozen=True)
class Corpus:
    specs: list[Spec]
    recording: Recording
    secrets: int
    """How many secret values the datastore specs hold (counted, never kept)."""
    leaks: int
    """How many of the specs' secret values appear anywhere in the recording (a count only)."""

    def of(self, kind: str) -> list[Spec]:
        return [s for s in self.specs if s.kind == kind]

    def resource(self, type_token: str, name: str, key: str) -> RecordedResource:
        [found] = [r for r in self.recording.of_type(type_token) if r.inputs.get(key) == name]
        return found


def without_secrets(spec: Spec) -> Spec:
    """The spec with its secrets (placeholders, but secrets by type) replaced by the mask."""
    if spec.kind != "datastore":
        return spec
    return replace(spec, raw=_masked(spec.raw), rest=_masked(spec.rest), entity=None)


def _secret_values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            found
            for k, v in value.items()
            for found in ([str(v)] if k in SECRET_KEYS else _secret_values(v))
        ]
    return []


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: SECRET_MASK if k in SECRET_KEYS else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def unplaceholder(value: str) -> str:
    """``XXXXXXXX-XXXX-...`` placeholder GUIDs as a well-formed GUID."""
    return value.replace("X", "0")


@pytest.fixture(scope="module")
def corpus(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    examples = shared / "conformance" / "azureml-examples"
    copy = tmp_path_factory.mktemp("azureml-examples")
    specs: list[Spec] = []
    taken: set[str] = set()
    for line in (examples / "SELECTION.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _, loader, path = line.split("|")
        if loader not in LOADERS:
            continue
        source = examples / path
        folder = copy / Path(path).parent
        if not folder.exists():
            shutil.copytree(source.parent, folder)
        raw = yaml.safe_load(source.read_text())
        build = raw.get("build", {}).get("path")
        if build:  # the corpus ships no Dockerfiles: a one-line stand-in
            (folder / build / "Dockerfile").write_text("FROM python:3.11-slim\n")
        entity = LOADERS[loader](folder / source.name)
        name = raw["name"]
        while name in taken:
            name = f"{raw['name'][:13]}-{len(taken)}"
        taken.add(name)
        specs.append(Spec(path, loader, raw, entity, entity._to_rest_object().as_dict(), name))
    workspace = {
        "name": "main",
        "network": REACHABLE_NETWORK,
        "computes": {
            "clusters": [cluster(s) for s in specs if s.raw.get("type") == "amlcompute"],
            "instances": [instance(s) for s in specs if s.raw.get("type") == "computeinstance"],
        },
        "datastores": [datastore(s) for s in specs if s.kind == "datastore"],
        "environments": [environment(s, copy) for s in specs if s.kind == "environment"],
    }
    # The specs' credentials come as `pulumi config set --secret --path` passes them to the
    # program: the whole workspaces key marked secret (infra/secret_config.py).
    config = parse_stack_config(
        {"location": "westeurope", "workspaces": [workspace]},
        secret_keys=frozenset({"workspaces"}),
    )
    secrets = [v for s in specs if s.kind == "datastore" for v in _secret_values(s.raw)]
    specs = [without_secrets(s) for s in specs]  # nothing a failing assertion shows holds one

    def program() -> None:
        [args] = config.workspaces
        ws = Workspace(
            "main",
            args.workspace_args(),
            resource_group_name="rg",
            location="westeurope",
            reach=Reach.of(args.datastores),
        )
        add_assets(ws, args, define_environments(config, copy)["main"])
        pulumi.export("assets", ws.outputs().document())

    recording = record(program, stack="conformance")
    seen = json.dumps([[r.inputs, r.outputs] for r in recording.resources] + [recording.outputs])
    return Corpus(specs, recording, len(secrets), sum(secret in seen for secret in secrets))


def cluster(spec: Spec) -> dict[str, Any]:
    raw = spec.raw
    config: dict[str, Any] = {"name": spec.name}
    if "size" in raw:
        config["vmSize"] = canonical(raw["size"])  # amlstack asks for Azure's own spelling
    for key, ours in (("min_instances", "minNodes"), ("max_instances", "maxNodes")):
        if key in raw:
            config[ours] = raw[key]
    if "idle_time_before_scale_down" in raw:
        config["idleTimeBeforeScaleDown"] = raw["idle_time_before_scale_down"]  # seconds
    if "tier" in raw:
        config["tier"] = {"low_priority": "LowPriority", "dedicated": "Dedicated"}[raw["tier"]]
    identity = raw.get("identity")
    if identity:
        if identity["type"] == "system_assigned":
            config["identity"] = {"type": "SystemAssigned"}
        else:
            config["identity"] = {
                "type": "UserAssigned",
                "userAssignedIdentities": [
                    IDENTITY.format(name=i["resource_id"].replace("_", "-"))
                    for i in identity["user_assigned_identities"]
                ],
            }
    return config


def instance(spec: Spec) -> dict[str, Any]:
    raw = spec.raw
    schedules = [
        {
            "action": schedule["action"].capitalize(),
            "cron": schedule["trigger"]["expression"],
            "timeZone": schedule["trigger"]["time_zone"],
            "startTime": schedule["trigger"]["start_time"],
        }
        for schedule in raw.get("schedules", {}).get("compute_start_stop", [])
    ]
    # The spec creates an instance for whoever runs `az ml`; amlstack names the user.
    return {
        "name": spec.name,
        "vmSize": canonical(raw["size"]),
        "assignedUser": {"objectId": INSTANCE_USER},
        "schedules": schedules,
    }


def datastore(spec: Spec) -> dict[str, Any]:
    raw = spec.raw
    kind, container_key, _ = DATASTORE_TYPES[raw["type"]]
    config: dict[str, Any] = {
        "name": spec.name,
        "type": kind,
        "container": raw[container_key],
        "account": ACCOUNT.format(name=raw["account_name"]),
        "description": raw.get("description", ""),
    }
    credentials = raw.get("credentials")
    if credentials and "account_key" in credentials:
        config["credentials"] = {"type": "AccountKey", "key": SecretStr(credentials["account_key"])}
    elif credentials and "sas_token" in credentials:
        config["credentials"] = {"type": "Sas", "token": SecretStr(credentials["sas_token"])}
    elif credentials:
        config["credentials"] = {
            "type": "ServicePrincipal",
            "tenantId": unplaceholder(credentials["tenant_id"]),
            "clientId": unplaceholder(credentials["client_id"]),
            "clientSecret": SecretStr(credentials["client_secret"]),
        }
    return config


def environment(spec: Spec, copy: Path) -> dict[str, Any]:
    raw, folder = spec.raw, Path(spec.path).parent
    config: dict[str, Any] = {"name": spec.name, "description": raw.get("description", "")}
    if "image" in raw:
        config["image"] = raw["image"]
    if "conda_file" in raw:
        config["condaFile"] = str(folder / raw["conda_file"])
    if "build" in raw:
        config["build"] = {"context": str(folder / raw["build"]["path"])}
    assert (copy / folder).is_dir()
    return config


def test_the_selection_lists_the_specs_this_test_expects(corpus: Corpus) -> None:
    assert {kind: len(corpus.of(kind)) for kind in EXPECTED} == EXPECTED
    assert corpus.secrets == 4  # account keys (2), a SAS token, a client secret


def test_clusters_carry_the_spec_sizes_node_counts_idle_times_and_identity(
    corpus: Corpus,
) -> None:
    for spec in corpus.of("compute"):
        if spec.rest["properties"]["computeType"] != "AmlCompute":
            continue
        ours = corpus.resource(
            "azure-native:machinelearningservices:Compute", spec.name, "computeName"
        )
        theirs = spec.rest["properties"]["properties"]
        mine = ours.inputs["properties"]["properties"]
        assert mine["vmSize"].casefold() == theirs["vmSize"].casefold(), spec.path
        assert mine["scaleSettings"] == theirs["scaleSettings"], spec.path
        assert mine["vmPriority"] == theirs.get("vmPriority", "Dedicated"), spec.path
        assert ours.inputs["identity"]["type"] == spec.rest.get("identity", {}).get(
            "type",
            "UserAssigned",  # amlstack's default: the workspace identity
        ), spec.path
        theirs_ids = spec.rest.get("identity", {}).get("userAssignedIdentities", {})
        if theirs_ids:
            assert len(ours.inputs["identity"]["userAssignedIdentities"]) == len(theirs_ids)
        # Where amlstack deliberately differs from the SDK's defaults (security baseline):
        assert (theirs["enableNodePublicIp"], mine["enableNodePublicIp"]) == (True, False)
        assert mine["remoteLoginPortPublicAccess"] == "Disabled"


def test_instances_carry_the_spec_size_and_schedules(corpus: Corpus) -> None:
    instances = [
        s for s in corpus.of("compute") if s.rest["properties"]["computeType"] == "ComputeInstance"
    ]
    assert len(instances) == 2
    for spec in instances:
        ours = corpus.resource(
            "azure-native:machinelearningservices:Compute", spec.name, "computeName"
        )
        theirs = spec.rest["properties"]["properties"]
        mine = ours.inputs["properties"]["properties"]
        assert mine["vmSize"].casefold() == theirs["vmSize"].casefold(), spec.path
        their_schedules = theirs.get("schedules", {}).get("computeStartStop", [])
        my_schedules = mine.get("schedules", {}).get("computeStartStop", [])
        assert len(my_schedules) == len(their_schedules), spec.path
        for mine_one, theirs_one in zip(my_schedules, their_schedules, strict=True):
            assert mine_one["action"].casefold() == theirs_one["action"].casefold()
            assert (mine_one["status"], mine_one["triggerType"]) == (
                theirs_one["status"],
                theirs_one["triggerType"],
            )
            assert mine_one["cron"] == {
                key: theirs_one["cron"][key] for key in ("expression", "startTime", "timeZone")
            }
        # The spec leaves idle shutdown off; amlstack always sets it (Azure Policy 679ddf89).
        assert "idleTimeBeforeShutdown" not in theirs
        assert mine["idleTimeBeforeShutdown"] == "PT1H"


def test_datastores_carry_the_spec_type_account_container_and_credential_kind(
    corpus: Corpus,
) -> None:
    specs = corpus.of("datastore")
    assert {s.rest["properties"]["credentials"]["credentialsType"] for s in specs} == {
        "None",
        "AccountKey",
        "Sas",
        "ServicePrincipal",
    }
    for spec in specs:
        ours = corpus.resource("azure-native:machinelearningservices:Datastore", spec.name, "name")
        theirs, mine = spec.rest["properties"], ours.inputs["properties"]
        _, _, container_key = DATASTORE_TYPES[spec.raw["type"]]
        for key in ("datastoreType", "accountName", container_key, "endpoint", "protocol"):
            assert mine[key] == theirs[key], (spec.path, key)
        assert mine.get("description") == theirs.get("description"), spec.path
        their_credentials, my_credentials = theirs["credentials"], mine["credentials"]
        kind = their_credentials["credentialsType"]
        assert my_credentials["credentialsType"] == kind, spec.path
        if kind == "None":
            assert set(my_credentials) == {"credentialsType"}
            continue
        # The secret travels as a Pulumi secret: only its mask is ever visible.
        assert corpus.leaks == 0
        assert set(my_credentials["secrets"].values()) == {kind, SECRET_MASK}, spec.path
        if kind == "ServicePrincipal":
            for key in ("tenantId", "clientId"):
                assert my_credentials[key] == unplaceholder(their_credentials[key])
            assert my_credentials["authorityUrl"] == their_credentials["authorityUrl"]


def test_environments_carry_the_spec_image_conda_dependencies_and_build_context(
    corpus: Corpus,
) -> None:
    kinds = {}
    for spec in corpus.of("environment"):
        ours = corpus.resource(
            "azure-native:machinelearningservices:EnvironmentVersion", spec.name, "name"
        )
        theirs, mine = spec.rest["properties"], ours.inputs["properties"]
        assert mine.get("image") == theirs.get("image"), spec.path
        assert mine.get("description") == theirs.get("description"), spec.path
        if "condaFile" in theirs:
            assert yaml.safe_load(mine["condaFile"]) == yaml.safe_load(theirs["condaFile"])
            assert yaml.safe_load(mine["condaFile"]) == spec.entity.conda_file
        else:
            assert "condaFile" not in mine
        if "build" in theirs:
            context = Path(spec.entity.base_path, spec.entity.build.path)
            upload = corpus.recording.named(f"main-{spec.name}-build-context")
            expected = {
                p.relative_to(context).as_posix() for p in context.rglob("*") if p.is_file()
            }
            assert set(upload.inputs["files"]) == expected
            # azure-ai-ml leaves it unset: Azure ML's default is "Dockerfile", sent explicitly here
            assert mine["build"]["dockerfilePath"] == (
                spec.entity.build.dockerfile_path or "Dockerfile"
            )
            assert mine["build"]["contextUri"].startswith("https://")
        kinds[spec.name] = corpus.recording.outputs["assets"]["environments"][spec.name]["kind"]
    assert kinds == {
        "docker-image-example": "user-managed",
        "docker-image-plus-conda-example": "system-managed",
        "docker-context-example": "user-managed",
    }
