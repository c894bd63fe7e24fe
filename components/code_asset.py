"""Scoring code as an Azure ML code asset: uploaded by the stack, versioned by its content hash.

A deployment whose ``code.path`` is a folder of the project gets a `CodeUpload` (a Pulumi dynamic
resource that writes each file to ``<container>/amlstack-code/<hash>/`` in the workspace's storage
account, with a Microsoft Entra token: the account accepts no shared keys) and a ``CodeVersion``
named after the deployment whose version is the hash. Editing the code gives a new hash, so a new
upload and a new code version, and the deployment moves to it; nothing is overwritten.

Old uploads and code versions are kept (``retain_on_delete``): they are immutable, small, and a
rollback or a deployment still rolling may point at them, which is also what azure-ai-ml does with
its ``LocalUpload`` folders. The offline plan uploads nothing: it shows the files and their hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi
from pulumi import dynamic
from pulumi_azure_native import machinelearningservices

__all__ = [
    "CODE_PREFIX",
    "CodeUpload",
    "CodeUploadProvider",
    "LocalCode",
    "create_code_version",
    "folder_digest",
    "snapshot_folder",
]

CODE_PREFIX = "amlstack-code"
"""Blob folder of uploaded code, inside the workspace's default container."""

_STORAGE_SCOPE = "https://storage.azure.com/.default"
_BLOB_API_VERSION = "2023-11-03"


@dataclass(frozen=True)
class LocalCode:
    """A folder of scoring code: where it is (relative to the project) and what is in it."""

    source: str
    """The folder, relative to the project directory (POSIX separators)."""
    files: dict[str, str]
    """SHA-256 of every file by its path inside the folder."""

    @property
    def digest(self) -> str:
        return folder_digest(self.files)


def folder_digest(files: Mapping[str, str]) -> str:
    """One SHA-256 over the file paths and their hashes, independent of listing order."""
    lines = "".join(f"{path}\0{files[path]}\n" for path in sorted(files))
    return hashlib.sha256(lines.encode()).hexdigest()


def snapshot_folder(root: Path, source: str) -> LocalCode:
    """Hash every file under ``root / source``, skipping caches and hidden files."""
    folder = root / source
    files = {
        PurePosixPath(path.relative_to(folder).as_posix()).as_posix(): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not _ignored(path.relative_to(folder))
    }
    return LocalCode(source=PurePosixPath(Path(source).as_posix()).as_posix(), files=files)


def _ignored(relative: Path) -> bool:
    return relative.suffix == ".pyc" or any(
        part.startswith(".") or part == "__pycache__" for part in relative.parts
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class CodeUploadProvider(dynamic.ResourceProvider):
    """Upload a folder's files as block blobs; the folder's content hash is in their path.

    Create reads each file (relative to the working directory, which ``pulumi up`` sets to the
    project directory), checks it still has the hash the program computed, and PUTs it. Any
    change of content gives a new prefix, so it is a replacement; delete keeps the blobs (see the
    module docstring). Read checks that every blob is still there.
    """

    serialize_as_secret_always = False

    def __init__(self, *, transport: Any = None, credential: Any = None) -> None:
        super().__init__()
        self.transport = transport
        self.credential = credential

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        from components._azure_rest import AzureRestError, raise_for_status

        rest = self._rest(props)
        folder = Path.cwd() / str(props["source"])
        for name, expected in sorted(dict(props["files"]).items()):
            data = (folder / name).read_bytes()
            if hashlib.sha256(data).hexdigest() != expected:
                raise AzureRestError(
                    f"{folder / name} changed since the program read it; run pulumi up again"
                )
            response = rest.send(
                "PUT",
                _blob_url(props, name),
                content=data,
                headers={"x-ms-blob-type": "BlockBlob"},
            )
            raise_for_status(response, f"upload {name}")
        return dynamic.CreateResult(_folder_url(props), dict(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        from pulumi.runtime import rpc

        replaces = [
            key
            for key in ("accountUrl", "container", "prefix", "files")
            if news.get(key) == rpc.UNKNOWN or news.get(key) != olds.get(key)
        ]
        return dynamic.DiffResult(
            changes=bool(replaces), replaces=replaces, delete_before_replace=False
        )

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        from components._azure_rest import raise_for_status

        rest = self._rest(props)
        for name in sorted(dict(props.get("files") or {})):
            response = rest.send("HEAD", _blob_url(props, name))
            if response.status_code == 404:
                return dynamic.ReadResult(None, {})
            raise_for_status(response, f"read {name}")
        return dynamic.ReadResult(id_, dict(props))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Keep the blobs: a retained code version points at them."""

    def _rest(self, props: Mapping[str, Any]) -> Any:
        from components._azure_rest import RestClient

        return RestClient(
            str(props["accountUrl"]),
            scope=_STORAGE_SCOPE,
            transport=self.transport,
            credential=self.credential,
            headers={"x-ms-version": _BLOB_API_VERSION},
        )


def _folder_url(props: Mapping[str, Any]) -> str:
    return f"{str(props['accountUrl']).rstrip('/')}/{props['container']}/{props['prefix']}"


def _blob_url(props: Mapping[str, Any], name: str) -> str:
    from urllib.parse import quote

    return f"{_folder_url(props)}/{quote(name)}"


class CodeUpload(dynamic.Resource, module="amlstack", name="CodeUpload"):
    """The files of a `LocalCode` folder, uploaded under ``<container>/<prefix>/``."""

    def __init__(
        self,
        resource_name: str,
        *,
        code: LocalCode,
        account_url: pulumi.Input[str],
        container: pulumi.Input[str],
        provider: CodeUploadProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            provider or CodeUploadProvider(),
            resource_name,
            {
                "accountUrl": account_url,
                "container": container,
                "prefix": f"{CODE_PREFIX}/{code.digest}",
                "source": code.source,
                "files": dict(code.files),
            },
            opts,
        )


def create_code_version(
    resource_name: str,
    code: LocalCode,
    *,
    asset_name: str,
    blob_endpoint: pulumi.Input[str],
    container: pulumi.Input[str],
    workspace_name: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    parent: pulumi.Resource,
) -> machinelearningservices.CodeVersion:
    """Upload `code` and register it as version ``<hash[:16]>`` of the code asset `asset_name`."""
    upload = CodeUpload(
        f"{resource_name}-upload",
        code=code,
        account_url=blob_endpoint,
        container=container,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    code_uri = pulumi.Output.all(blob_endpoint, container).apply(
        lambda parts: _folder_url(
            {
                "accountUrl": parts[0],
                "container": parts[1],
                "prefix": f"{CODE_PREFIX}/{code.digest}",
            }
        )
    )
    return machinelearningservices.CodeVersion(
        resource_name,
        name=asset_name,
        version=code.digest[:16],
        resource_group_name=resource_group_name,
        workspace_name=workspace_name,
        properties=machinelearningservices.CodeVersionPropertiesArgs(
            code_uri=code_uri,
            description=f"{code.source} (sha256 {code.digest})",
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[upload], retain_on_delete=True),
    )
