"""Upload a project folder to blob storage with a Microsoft Entra token: one dynamic resource.

Azure ML reads scoring code (``codeUri``) and Docker build contexts (``contextUri``) from a blob
folder, so the stack uploads those folders itself, as azure-ai-ml does. pulumi-azure-native's
``storage.Blob`` cannot: it authenticates with the account key, which the workspace storage
refuses (pulumi/pulumi-azure-native#2015, #2948). `FolderUpload` PUTs each file as a block blob
through `components.azure_rest` with a token for the identity running ``pulumi up``.

Its inputs carry each file's SHA-256, not its content: the state stays small, and the upload
checks that a file still has the hash the program read. A folder's content decides its prefix
(``amlstack-code/<hash>``, ``amlstack/environments/<name>/<version>``), so a change is a new
upload (a replacement) and nothing is overwritten; delete keeps the blobs, because retained code
and environment versions point at them. The offline plan uploads nothing: it shows the files and
their hashes.

The identity running ``pulumi up`` needs Storage Blob Data Contributor on the workspace storage
account and network access to it. amlstack does not grant that role itself: Azure needs the
principal's type (user or service principal) with the assignment, and a deployment cannot tell
which it runs as. On 403 a request is retried for about a minute and a half, while a fresh role
assignment propagates.

Pulumi pickles the provider into the state with dill; its class is importable, so dill stores a
reference to it plus its settings. Everything else is imported inside the methods.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import pulumi
from pulumi import dynamic

from components.provider_pickling import DynamicResource

__all__ = ["FolderUpload", "FolderUploadProvider", "folder_url"]

_STORAGE_SCOPE = "https://storage.azure.com/.default"
_BLOB_API_VERSION = "2023-11-03"
_FORBIDDEN = 403
_REPLACING_INPUTS = ("accountUrl", "container", "prefix", "files")
_MISSING_ROLE = (
    "the identity running pulumi needs 'Storage Blob Data Contributor' on the workspace "
    "storage account and network access to it"
)


def folder_url(account_url: str, container: str, prefix: str) -> str:
    """The blob folder ``<account>/<container>/<prefix>`` (no trailing slash)."""
    return f"{account_url.rstrip('/')}/{container}/{prefix.strip('/')}"


def _project_directory(start: Path) -> Path:
    """The nearest directory from `start` up that holds ``Pulumi.yaml``; `start` when none does.

    Pulumi runs the program and its providers in the ``main`` directory (``infra/``), while the
    folders in config are relative to the project directory.
    """
    for directory in (start, *start.parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return start


class FolderUploadProvider(dynamic.ResourceProvider):
    """Create uploads every file; any change of folder, container or content replaces; read
    checks every blob is still there; delete keeps the blobs.

    `transport` (an azure-core ``HttpTransport``) and `credential` default to the network and
    ``DefaultAzureCredential``; tests pass fakes. A request refused with 403 is sent again up to
    `propagation_attempts` times in all, `propagation_wait_seconds` apart.
    """

    serialize_as_secret_always = False  # it holds no secret: only the settings below
    # Class-level defaults: a provider pickled before these settings existed loads with them.
    propagation_attempts = 5
    propagation_wait_seconds = 20.0

    def __init__(
        self,
        *,
        transport: Any = None,
        credential: Any = None,
        propagation_attempts: int = 5,
        propagation_wait_seconds: float = 20.0,
    ) -> None:
        super().__init__()
        self.transport = transport
        self.credential = credential
        self.propagation_attempts = propagation_attempts
        self.propagation_wait_seconds = propagation_wait_seconds

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        from components.azure_rest import AzureRestError, raise_for_status

        rest = self._rest(props)
        folder = _project_directory(Path.cwd()) / str(props["source"])
        for name, expected in sorted(dict(props["files"]).items()):
            data = (folder / name).read_bytes()
            if hashlib.sha256(data).hexdigest() != expected:
                raise AzureRestError(
                    f"{folder / name} changed since the program read it; run pulumi up again"
                )
            response = self._send(
                rest,
                "PUT",
                _blob_url(props, name),
                content=data,
                headers={"x-ms-blob-type": "BlockBlob"},
            )
            if response.status_code == _FORBIDDEN:
                raise AzureRestError(
                    f"uploading {name} to {_folder_url(props)} failed (403): {_MISSING_ROLE}"
                )
            raise_for_status(response, f"upload {name}")
        return dynamic.CreateResult(_folder_url(props), dict(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        from pulumi.runtime import rpc

        replaces = [
            key
            for key in _REPLACING_INPUTS
            if news.get(key) == rpc.UNKNOWN or news.get(key) != olds.get(key)
        ]
        return dynamic.DiffResult(
            changes=bool(replaces), replaces=replaces, delete_before_replace=False
        )

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        from components.azure_rest import raise_for_status

        rest = self._rest(props)
        for name in sorted(dict(props.get("files") or {})):
            response = self._send(rest, "HEAD", _blob_url(props, name))
            if response.status_code == 404:
                return dynamic.ReadResult(None, {})
            raise_for_status(response, f"read {name}")
        return dynamic.ReadResult(id_, dict(props))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Keep the blobs: a retained code or environment version points at them."""

    def _rest(self, props: Mapping[str, Any]) -> Any:
        from components.azure_rest import RestClient

        return RestClient(
            str(props["accountUrl"]),
            scope=_STORAGE_SCOPE,
            transport=self.transport,
            credential=self.credential,
            headers={"x-ms-version": _BLOB_API_VERSION},
        )

    def _send(self, rest: Any, method: str, url: str, **kwargs: Any) -> Any:
        """Send; on 403 wait and send again while a new role assignment may be propagating."""
        for _attempt in range(1, self.propagation_attempts):
            response = rest.send(method, url, **kwargs)
            if response.status_code != _FORBIDDEN:
                return response
            time.sleep(self.propagation_wait_seconds)
        return rest.send(method, url, **kwargs)


def _folder_url(props: Mapping[str, Any]) -> str:
    return folder_url(str(props["accountUrl"]), str(props["container"]), str(props["prefix"]))


def _blob_url(props: Mapping[str, Any], name: str) -> str:
    return f"{_folder_url(props)}/{quote(name)}"


class FolderUpload(DynamicResource):
    """The files of a project folder, uploaded under ``<container>/<prefix>/`` of an account.

    Subclasses name the kind of upload (its Pulumi type token), as `components.code_asset`'s
    ``CodeUpload`` and `components.environment`'s ``BuildContextUpload`` do; a subclass whose
    type token changed lists the old ones in `PREVIOUS_TYPES`, which become aliases.
    """

    PREVIOUS_TYPES: ClassVar[tuple[str, ...]] = ()
    """Type tokens this kind of upload had before: deployed uploads stay in place."""

    def __init__(
        self,
        resource_name: str,
        *,
        source: str,
        files: Mapping[str, str],
        account_url: pulumi.Input[str],
        container: pulumi.Input[str],
        prefix: str,
        provider: FolderUploadProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`source` is the folder relative to the project directory (POSIX separators), `files`
        the SHA-256 of each file by its path inside the folder."""
        super().__init__(
            provider or FolderUploadProvider(),
            resource_name,
            {
                "accountUrl": account_url,
                "container": container,
                "prefix": prefix,
                "source": source,
                "files": dict(files),
            },
            pulumi.ResourceOptions.merge(
                opts,
                pulumi.ResourceOptions(
                    aliases=[pulumi.Alias(type_=old) for old in self.PREVIOUS_TYPES]
                ),
            ),
        )
