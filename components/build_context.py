"""Upload a Docker build context to blob storage with Entra ID, for a user-managed environment.

Azure ML builds an environment's image from a build context in blob storage (``contextUri``),
so the local folder must be uploaded first, as azure-ai-ml does. pulumi-azure-native's
``storage.Blob`` cannot do it here: it authenticates with the account key, which the workspace
storage refuses (pulumi/pulumi-azure-native#2015, #2948). This dynamic resource uploads with
``DefaultAzureCredential`` instead, into the workspace's default blob container, under a prefix
named by the environment's content version; uploads are immutable and kept on delete, like the
environment versions that use them.

For real deployments the identity running ``pulumi up`` needs the Storage Blob Data
Contributor role on the workspace storage account and network access to it. amlstack does not
grant that role itself: Azure needs the principal's type (user or service principal) with the
assignment, and a deployment cannot tell which it runs as. On 403 the upload retries for about
a minute, while a fresh role assignment propagates.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider

__all__ = ["BuildContextUpload", "context_uri"]

_INPUTS = ("accountUrl", "container", "prefix", "files")
_PROPAGATION_ATTEMPTS = 5
_PROPAGATION_WAIT_SECONDS = 20


def context_uri(account_url: str, container: str, prefix: str) -> str:
    """The blob folder URI Azure ML reads the build context from (with a trailing slash)."""
    return f"{account_url.rstrip('/')}/{container}/{prefix.strip('/')}/"


class _BlobUploadProvider(ResourceProvider):
    """Creates by uploading every file; any change of input is a new upload (a replacement)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        # Imported here: only `pulumi up` uploads; a plan or preview never needs these clients.
        from azure.core.exceptions import HttpResponseError
        from azure.identity import DefaultAzureCredential
        from azure.storage.blob import ContainerClient

        uri = context_uri(props["accountUrl"], props["container"], props["prefix"])
        client = ContainerClient(
            props["accountUrl"], props["container"], credential=DefaultAzureCredential()
        )
        prefix = props["prefix"].strip("/")
        for attempt in range(1, _PROPAGATION_ATTEMPTS + 1):
            try:
                for path, content in props["files"].items():
                    data = base64.b64decode(content)
                    client.upload_blob(f"{prefix}/{path}", data, overwrite=True)
                break
            except HttpResponseError as error:
                if error.status_code == 403 and attempt < _PROPAGATION_ATTEMPTS:
                    time.sleep(_PROPAGATION_WAIT_SECONDS)  # a new role assignment propagating
                    continue
                raise RuntimeError(
                    f"uploading the build context to {uri} failed ({error.status_code}): the "
                    "identity running pulumi needs 'Storage Blob Data Contributor' on the "
                    "workspace storage account and network access to it"
                ) from error
        return CreateResult(id_=uri, outs=dict(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in _INPUTS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=changed, delete_before_replace=False)


class BuildContextUpload(Resource):
    """The files of a build context, uploaded under ``<container>/<prefix>`` of an account."""

    def __init__(
        self,
        name: str,
        *,
        account_url: pulumi.Input[str],
        container: pulumi.Input[str],
        prefix: str,
        files: Mapping[str, bytes],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            _BlobUploadProvider(),
            name,
            {
                "accountUrl": account_url,
                "container": container,
                "prefix": prefix,
                "files": {path: base64.b64encode(data).decode() for path, data in files.items()},
            },
            opts,
        )
