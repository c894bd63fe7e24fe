"""The folder upload (scoring code, build contexts): its provider on a fake blob service, and the
type tokens and aliases of the two kinds of upload."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
from azure.core.rest import HttpRequest
from pulumi.dynamic.dynamic import serialize_provider

from components import recording
from components.azure_rest import AzureRestError
from components.blob_upload import FolderUploadProvider, folder_url
from components.code_asset import CodeUpload, snapshot_folder
from components.environment import BuildContextUpload
from jobs.testing import Answer, FakeAzure, StaticCredential, fake_token
from tests.conftest import ROOT
from tests.unit.test_endpoint_traffic import classes_loaded

ACCOUNT = "https://stmain.blob.core.windows.net/"
CONTAINER = "azureml-blobstore-guid"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


class FakeBlobs:
    """A blob container that keeps what was PUT; refuses the first `refusals` requests with 403,
    as Azure does while a new data role assignment propagates."""

    def __init__(self, refusals: int = 0) -> None:
        self.blobs: dict[str, bytes] = {}
        self.refusals = refusals
        self.transport = FakeAzure()
        for method in ("PUT", "HEAD"):
            self.transport.handle(method, "", self.answer)

    def answer(self, request: HttpRequest) -> Answer:
        if self.refusals:
            self.refusals -= 1
            return 403, {"error": {"code": "AuthorizationPermissionMismatch", "message": "no"}}
        blob = request.url.removeprefix(ACCOUNT.rstrip("/"))
        if request.method == "PUT":
            self.blobs[blob] = request.content
            return 201, None
        return (200, None) if blob in self.blobs else (404, None)

    def provider(self) -> FolderUploadProvider:
        return FolderUploadProvider(
            transport=self.transport, credential=StaticCredential(), propagation_wait_seconds=0
        )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: amlstack\nruntime: python\nmain: infra/\n")
    (tmp_path / "infra").mkdir()
    write(tmp_path / "serving", {"score.py": "def run(): ...", "lib/my util.py": "X = 1"})
    monkeypatch.chdir(tmp_path / "infra")  # pulumi up runs the program in `main`
    return tmp_path


def upload_props(project: Path) -> dict[str, Any]:
    code = snapshot_folder(project, "serving")
    return {
        "accountUrl": ACCOUNT,
        "container": CONTAINER,
        "prefix": f"amlstack-code/{code.digest}",
        "source": code.source,
        "files": code.files,
    }


def test_create_uploads_every_file_of_the_project_folder_with_an_entra_token(
    project: Path,
) -> None:
    fake = FakeBlobs()
    props = upload_props(project)
    result = fake.provider().create(props)
    folder = f"/{CONTAINER}/{props['prefix']}"
    assert result.id == f"{ACCOUNT}{CONTAINER}/{props['prefix']}"
    assert result.id == folder_url(ACCOUNT, CONTAINER, props["prefix"])
    assert fake.blobs == {
        f"{folder}/lib/my%20util.py": b"X = 1",
        f"{folder}/score.py": b"def run(): ...",
    }
    put = fake.transport.requests_to("PUT")[0]
    assert put.headers["x-ms-blob-type"] == "BlockBlob"
    assert put.headers["x-ms-version"] == "2023-11-03"
    assert (
        put.headers["Authorization"] == f"Bearer {fake_token(audience='https://storage.azure.com')}"
    )


def test_a_file_changed_since_the_preview_is_not_uploaded(project: Path) -> None:
    fake = FakeBlobs()
    props = upload_props(project)
    (project / "serving/score.py").write_text("changed")
    with pytest.raises(AzureRestError, match="changed since the program read it"):
        fake.provider().create(props)


def test_a_refusal_while_a_role_propagates_is_retried(project: Path) -> None:
    fake = FakeBlobs(refusals=2)
    fake.provider().create(upload_props(project))
    assert len(fake.blobs) == 2


def test_a_lasting_refusal_says_which_role_is_missing(project: Path) -> None:
    fake = FakeBlobs(refusals=100)
    with pytest.raises(AzureRestError, match="needs 'Storage Blob Data Contributor'"):
        fake.provider().create(upload_props(project))
    assert len(fake.transport.sent) == 5
    assert fake.blobs == {}


def test_new_content_replaces_moving_the_folder_does_not(project: Path) -> None:
    provider = FolderUploadProvider(credential=StaticCredential())
    olds = upload_props(project)
    assert not provider.diff("id", olds, dict(olds)).changes
    moved = provider.diff("id", olds, {**olds, "source": "elsewhere"})
    assert (moved.changes, moved.replaces) == (False, [])
    (project / "serving/score.py").write_text("def run(): return 2")
    edited = provider.diff("id", olds, upload_props(project))
    assert edited.replaces == ["prefix", "files"]
    assert edited.delete_before_replace is False


def test_read_notices_missing_blobs_and_delete_keeps_them(project: Path) -> None:
    fake = FakeBlobs()
    provider = fake.provider()
    props = upload_props(project)
    result = provider.create(props)
    assert provider.read(result.id, props).id == result.id
    provider.delete(result.id, props)
    assert len(fake.blobs) == 2
    fake.blobs.popitem()
    assert provider.read(result.id, props).id is None


def test_each_kind_of_upload_has_its_type_and_the_build_context_keeps_its_old_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aliases: dict[str, list[Any]] = {}
    drop = recording._drop_aliases

    def spy(args: pulumi.ResourceTransformationArgs) -> Any:
        aliases[args.name] = list(args.opts.aliases or [])
        return drop(args)

    monkeypatch.setattr(recording, "_drop_aliases", spy)
    files = {"Dockerfile": hashlib.sha256(b"FROM python:3.11-slim\n").hexdigest()}

    def program() -> None:
        code = snapshot_folder(ROOT, "serving/credit-default")
        CodeUpload("code", code=code, account_url=ACCOUNT, container=CONTAINER)
        BuildContextUpload(
            "context",
            source="environments/serving",
            files=files,
            account_url=ACCOUNT,
            container=CONTAINER,
            prefix="amlstack/environments/serving/0123",
        )

    recorded = recording.record(program)
    assert recorded.named("code").type == "pulumi-python:dynamic/amlstack:CodeUpload"
    assert recorded.named("context").type == "pulumi-python:dynamic/amlstack:BuildContextUpload"
    assert aliases["code"] == []
    [alias] = aliases["context"]
    assert alias.type_ == "pulumi-python:dynamic:Resource"
    assert (alias.name, alias.parent) == (..., ...)  # the upload's own name and parent
    assert recorded.named("context").inputs["files"] == files


CODE_UPLOAD_PROVIDER_BEFORE_THE_MERGE = (
    "gASVUwAAAAAAAACMFWNvbXBvbmVudHMuY29kZV9hc3NldJSMEkNvZGVVcGxvYWRQcm92aWRlcpSTlCmBlH2UKIwKY3Jl"
    "ZGVudGlhbJROjAl0cmFuc3BvcnSUTnViLg=="
)
"""``serialize_provider(CodeUploadProvider())`` as amlstack wrote it into states before the code
and build-context uploads shared one provider."""


def test_code_uploads_deployed_before_the_merge_can_still_be_read_and_deleted(
    project: Path,
) -> None:
    loaded = dill.loads(base64.b64decode(CODE_UPLOAD_PROVIDER_BEFORE_THE_MERGE))
    assert isinstance(loaded, FolderUploadProvider)
    fake = FakeBlobs()
    props = upload_props(project)
    fake.provider().create(props)
    loaded.transport, loaded.credential = fake.transport, StaticCredential()
    assert loaded.read("id", props).id == "id"
    loaded.delete("id", props)
    assert len(fake.blobs) == 2


FOLDER_UPLOAD_PROVIDER_BEFORE_THE_REST_MODULE_WENT_PUBLIC = (
    "gASVkwAAAAAAAACMFmNvbXBvbmVudHMuYmxvYl91cGxvYWSUjBRGb2xkZXJVcGxvYWRQcm92aWRlcpSTlCmBlH2UKIwK"
    "Y3JlZGVudGlhbJROjBRwcm9wYWdhdGlvbl9hdHRlbXB0c5RLBYwYcHJvcGFnYXRpb25fd2FpdF9zZWNvbmRzlEdANAAA"
    "AAAAAIwJdHJhbnNwb3J0lE51Yi4="
)
"""``serialize_provider(FolderUploadProvider())`` as amlstack wrote it into states while the REST
pipeline was the private ``components._azure_rest``."""


@pytest.mark.parametrize(
    ("blob", "module", "name"),
    [
        (CODE_UPLOAD_PROVIDER_BEFORE_THE_MERGE, "components.code_asset", "CodeUploadProvider"),
        (
            FOLDER_UPLOAD_PROVIDER_BEFORE_THE_REST_MODULE_WENT_PUBLIC,
            "components.blob_upload",
            "FolderUploadProvider",
        ),
    ],
)
def test_uploads_deployed_before_the_rename_name_only_their_class_and_still_upload(
    project: Path, blob: str, module: str, name: str
) -> None:
    """Renaming ``components._azure_rest`` needs no alias: no deployed state names it."""
    loaded, seen = classes_loaded(blob)
    assert seen == [(module, name)]
    fake = FakeBlobs()
    loaded.transport, loaded.credential = fake.transport, StaticCredential()
    loaded.create(upload_props(project))
    assert len(fake.blobs) == 2
    assert serialize_provider(FolderUploadProvider()) == (
        FOLDER_UPLOAD_PROVIDER_BEFORE_THE_REST_MODULE_WENT_PUBLIC
    )
