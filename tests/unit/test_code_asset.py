"""Scoring code: the folder hash (property tests) and the upload provider, on a fake transport."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest
from hypothesis import assume, given
from hypothesis import strategies as st

from components._azure_rest import AzureRestError
from components.code_asset import CodeUploadProvider, folder_digest, snapshot_folder
from tests.fake_transport import Answer, FakeCredential, FakeTransport

ACCOUNT = "https://stmain.blob.core.windows.net/"
file_names = st.text(alphabet="abcxyz/._-", min_size=1, max_size=12)
digests = st.binary(min_size=4, max_size=4).map(lambda b: hashlib.sha256(b).hexdigest())


@given(files=st.dictionaries(file_names, digests, min_size=1, max_size=6), data=st.data())
def test_digest_ignores_listing_order_but_not_content_or_names(
    files: dict[str, str], data: st.DataObject
) -> None:
    shuffled = dict(data.draw(st.permutations(list(files.items()))))
    assert folder_digest(shuffled) == folder_digest(files)
    name = data.draw(st.sampled_from(sorted(files)))
    other = data.draw(digests.filter(lambda d: d != files[name]))
    assert folder_digest({**files, name: other}) != folder_digest(files)
    renamed = {(f"{k}x" if k == name else k): v for k, v in files.items()}
    assume(len(renamed) == len(files))
    assert folder_digest(renamed) != folder_digest(files)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_snapshot_hashes_the_code_and_skips_caches_and_hidden_files(tmp_path: Path) -> None:
    write(
        tmp_path / "serving",
        {
            "score.py": "def run(): ...",
            "lib/util.py": "X = 1",
            "__pycache__/score.cpython-311.pyc": "junk",
            "lib/util.pyc": "junk",
            ".env": "SECRET=1",
            ".git/config": "x",
        },
    )
    code = snapshot_folder(tmp_path, "serving")
    assert code.source == "serving"
    assert code.files == {
        "lib/util.py": hashlib.sha256(b"X = 1").hexdigest(),
        "score.py": hashlib.sha256(b"def run(): ...").hexdigest(),
    }
    (tmp_path / "serving/score.py").write_text("def run(): return 1")
    assert snapshot_folder(tmp_path, "serving").digest != code.digest


class FakeBlobs:
    """A blob container that keeps what was PUT."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.transport = FakeTransport(fallback=self.answer)

    def answer(self, request: HttpRequest) -> Answer:
        blob = request.url.removeprefix(ACCOUNT.rstrip("/"))
        if request.method == "PUT":
            self.blobs[blob] = request.content
            return 201, None
        return (200, None) if blob in self.blobs else (404, None)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path / "serving", {"score.py": "def run(): ...", "lib/my util.py": "X = 1"})
    monkeypatch.chdir(tmp_path)  # pulumi up runs in the project directory
    return tmp_path


def upload_props(project: Path) -> dict[str, Any]:
    code = snapshot_folder(project, "serving")
    return {
        "accountUrl": ACCOUNT,
        "container": "azureml-blobstore-guid",
        "prefix": f"amlstack-code/{code.digest}",
        "source": code.source,
        "files": code.files,
    }


def test_create_uploads_every_file_with_an_entra_token(project: Path) -> None:
    fake = FakeBlobs()
    provider = CodeUploadProvider(transport=fake.transport, credential=FakeCredential())
    props = upload_props(project)
    result = provider.create(props)
    folder = f"/azureml-blobstore-guid/{props['prefix']}"
    assert result.id == f"{ACCOUNT}azureml-blobstore-guid/{props['prefix']}"
    assert fake.blobs == {
        f"{folder}/lib/my%20util.py": b"X = 1",
        f"{folder}/score.py": b"def run(): ...",
    }
    put = fake.transport.requests("PUT")[0]
    assert put.headers["x-ms-blob-type"] == "BlockBlob"
    assert put.headers["x-ms-version"] == "2023-11-03"
    assert put.headers["Authorization"] == "Bearer token-for-https://storage.azure.com/.default"


def test_a_file_changed_since_the_preview_is_not_uploaded(project: Path) -> None:
    fake = FakeBlobs()
    provider = CodeUploadProvider(transport=fake.transport, credential=FakeCredential())
    props = upload_props(project)
    (project / "serving/score.py").write_text("changed")
    with pytest.raises(AzureRestError, match="changed since the program read it"):
        provider.create(props)


def test_new_content_replaces_moving_the_folder_does_not(project: Path) -> None:
    provider = CodeUploadProvider(credential=FakeCredential())
    olds = upload_props(project)
    moved = provider.diff("id", olds, {**olds, "source": "elsewhere"})
    assert (moved.changes, moved.replaces) == (False, [])
    (project / "serving/score.py").write_text("def run(): return 2")
    edited = provider.diff("id", olds, upload_props(project))
    assert edited.replaces == ["prefix", "files"]
    assert edited.delete_before_replace is False


def test_read_notices_missing_blobs_and_delete_keeps_them(project: Path) -> None:
    fake = FakeBlobs()
    provider = CodeUploadProvider(transport=fake.transport, credential=FakeCredential())
    props = upload_props(project)
    result = provider.create(props)
    assert provider.read(result.id, props).id == result.id
    provider.delete(result.id, props)
    assert len(fake.blobs) == 2
    fake.blobs.popitem()
    assert provider.read(result.id, props).id is None
