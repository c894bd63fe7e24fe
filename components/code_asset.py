"""Scoring code as an Azure ML code asset: uploaded by the stack, versioned by its content hash.

A deployment whose ``code.path`` is a folder of the project gets a `CodeUpload` (a
`components.blob_upload.FolderUpload` that writes each file to ``<container>/amlstack-code/<hash>/``
in the workspace's storage account) and a ``CodeVersion`` named after the deployment whose
version is the hash. Editing the code gives a new hash, so a new upload and a new code version,
and the deployment moves to it; nothing is overwritten.

Old uploads and code versions are kept (the upload's delete keeps its blobs, the code version is
``retain_on_delete``): they are immutable, small, and a rollback or a deployment still rolling may
point at them, which is also what azure-ai-ml does with its ``LocalUpload`` folders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import machinelearningservices

from components.blob_upload import FolderUpload, FolderUploadProvider, folder_url

if TYPE_CHECKING:
    from components.workspace_ref import WorkspaceRef

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

CodeUploadProvider = FolderUploadProvider
"""The upload provider's name before build contexts shared it. Stacks deployed earlier keep a
pickled reference to this name in their state, and Pulumi loads it to delete or refresh their
uploads, so it must stay importable."""


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
        path.relative_to(folder).as_posix(): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not _ignored(path.relative_to(folder))
    }
    return LocalCode(source=Path(source).as_posix(), files=files)


def _ignored(relative: Path) -> bool:
    return relative.suffix == ".pyc" or any(
        part.startswith(".") or part == "__pycache__" for part in relative.parts
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class CodeUpload(FolderUpload, module="amlstack", name="CodeUpload"):
    """The files of a `LocalCode` folder, uploaded under ``<container>/amlstack-code/<hash>/``."""

    def __init__(
        self,
        resource_name: str,
        *,
        code: LocalCode,
        account_url: pulumi.Input[str],
        container: pulumi.Input[str],
        provider: FolderUploadProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            resource_name,
            source=code.source,
            files=code.files,
            account_url=account_url,
            container=container,
            prefix=_prefix(code),
            provider=provider,
            opts=opts,
        )


def _prefix(code: LocalCode) -> str:
    """The blob folder of `code` in the container: ``amlstack-code/<content hash>``."""
    return f"{CODE_PREFIX}/{code.digest}"


def create_code_version(
    resource_name: str,
    code: LocalCode,
    *,
    asset_name: str,
    workspace: WorkspaceRef,
    parent: pulumi.Resource,
) -> machinelearningservices.CodeVersion:
    """Upload `code` to the workspace's code container and register it as version
    ``<hash[:16]>`` of the code asset `asset_name` in the workspace."""
    upload = CodeUpload(
        f"{resource_name}-upload",
        code=code,
        account_url=workspace.blob_endpoint,
        container=workspace.code_container,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    code_uri = pulumi.Output.all(workspace.blob_endpoint, workspace.code_container).apply(
        lambda parts: folder_url(parts[0], parts[1], _prefix(code))
    )
    return machinelearningservices.CodeVersion(
        resource_name,
        name=asset_name,
        version=code.digest[:16],
        resource_group_name=workspace.resource_group_name,
        workspace_name=workspace.name,
        properties=machinelearningservices.CodeVersionPropertiesArgs(
            code_uri=code_uri,
            description=f"{code.source} (sha256 {code.digest})",
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[upload], retain_on_delete=True),
    )
