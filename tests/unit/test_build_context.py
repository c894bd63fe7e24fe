"""The build context upload provider, against a stand-in for azure-storage-blob's client."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from components import build_context
from components.build_context import _BlobUploadProvider, context_uri

FILES = {"Dockerfile": b"FROM python:3.11-slim\n", "app/score.py": b"print('hi')\n"}
PROPS = {
    "accountUrl": "https://stexample.blob.core.windows.net/",
    "container": "azureml-blobstore-0000",
    "prefix": "amlstack/environments/serving/abc123",
    "files": {path: base64.b64encode(data).decode() for path, data in FILES.items()},
}


class RefusedError(HttpResponseError):
    def __init__(self) -> None:
        super().__init__(message="AuthorizationPermissionMismatch")
        self.status_code = 403


class FakeContainer:
    """Records uploads; refuses the first `refusals` calls as a missing data role would."""

    uploads: dict[str, bytes]
    refusals = 0

    def __init__(self, account_url: str, container: str, *, credential: Any) -> None:
        assert (account_url, container) == (PROPS["accountUrl"], PROPS["container"])
        assert credential is not None

    def upload_blob(self, name: str, data: bytes, *, overwrite: bool) -> None:
        if FakeContainer.refusals:
            FakeContainer.refusals -= 1
            raise RefusedError
        assert overwrite
        FakeContainer.uploads[name] = data


@pytest.fixture(autouse=True)
def fake_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeContainer.uploads, FakeContainer.refusals = {}, 0
    # The provider imports the Azure clients when it uploads (a plan never needs them).
    monkeypatch.setattr("azure.storage.blob.ContainerClient", FakeContainer)
    monkeypatch.setattr("azure.identity.DefaultAzureCredential", object)
    monkeypatch.setattr(build_context.time, "sleep", lambda _seconds: None)


def test_every_file_lands_under_the_versioned_prefix() -> None:
    result = _BlobUploadProvider().create(dict(PROPS))
    assert FakeContainer.uploads == {f"{PROPS['prefix']}/{p}": d for p, d in FILES.items()}
    assert result.id == context_uri(PROPS["accountUrl"], PROPS["container"], PROPS["prefix"])
    assert result.id == (
        "https://stexample.blob.core.windows.net/azureml-blobstore-0000/"
        "amlstack/environments/serving/abc123/"
    )


def test_a_refusal_while_a_role_propagates_is_retried() -> None:
    FakeContainer.refusals = 2
    _BlobUploadProvider().create(dict(PROPS))
    assert len(FakeContainer.uploads) == len(FILES)


def test_a_lasting_refusal_says_which_role_is_missing() -> None:
    FakeContainer.refusals = 100
    with pytest.raises(RuntimeError, match="needs 'Storage Blob Data Contributor'"):
        _BlobUploadProvider().create(dict(PROPS))


def test_any_change_is_a_new_upload_and_no_change_is_no_diff() -> None:
    provider = _BlobUploadProvider()
    assert not provider.diff("id", PROPS, dict(PROPS)).changes
    changed = {**PROPS, "prefix": "amlstack/environments/serving/def456"}
    diff = provider.diff("id", PROPS, changed)
    assert diff.changes
    assert diff.replaces == ["prefix"]
