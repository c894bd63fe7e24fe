"""References to the models, environments, code assets and components a deployment uses.

A deployment never uploads a model or builds an environment itself: it names them. The names are
the ones azure-ai-ml and the ``az ml`` CLI accept, so a spec written for them carries over:

- ``azureml:<name>:<version>``: an asset already registered in the workspace;
- ``azureml://registries/<registry>/<kind>/<name>/versions/<version>`` (kind: ``models``,
  ``environments``, ``codes`` or ``components``): an asset in an Azure ML registry
  (environments may also end in ``/labels/<label>``, which Azure resolves when the deployment
  is created or updated: pin a version for a reproducible stack);
- a full ARM id of the asset version (``/subscriptions/.../workspaces/<ws>/models/<n>/versions/<v>``
  or the same under ``registries/<registry>``);
- for environments only, ``<name>`` or ``<name>:<version>``: an environment defined in the same
  workspace's stack config;
- for models only, ``{name, version, source: registry}``: a model in the stack's registry.

`parse_reference` turns the text into an `AssetRef`; `AssetRef.resolve` gives the id Azure expects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["AssetKind", "AssetRef", "RefSource", "parse_reference"]

AssetKind = Literal["models", "environments", "codes", "components"]
RefSource = Literal["config", "workspace", "registry", "stack-registry", "arm"]

_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}"
_VERSION = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_REGISTRY = r"[A-Za-z0-9][A-Za-z0-9_-]{2,32}"
_KINDS = "models|environments|codes|components"
_SHORT = re.compile(rf"azureml:(?P<name>{_NAME}):(?P<version>{_VERSION})")
_LOCAL = re.compile(rf"(?P<name>{_NAME})(?::(?P<version>{_VERSION}))?")
_REGISTRY_URI = re.compile(
    rf"azureml://registries/(?P<registry>{_REGISTRY})/(?P<kind>{_KINDS})"
    rf"/(?P<name>{_NAME})/(?:versions/(?P<version>{_VERSION})|labels/(?P<label>{_NAME}))"
)
_ARM_ID = re.compile(
    r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices"
    rf"/(?:workspaces|registries)/[^/]+/(?P<kind>{_KINDS})/(?P<name>{_NAME})"
    rf"/versions/(?P<version>{_VERSION})",
    re.IGNORECASE,
)
_SINGULAR = {
    "models": "model",
    "environments": "environment",
    "codes": "code asset",
    "components": "component",
}
_ARTICLE = {
    "models": "a model",
    "environments": "an environment",
    "codes": "a code asset",
    "components": "a component",
}


@dataclass(frozen=True)
class AssetRef:
    """A parsed reference: where the asset lives, its name, and its version (or label)."""

    kind: AssetKind
    source: RefSource
    name: str
    version: str | None = None
    label: str | None = None
    registry: str | None = None
    arm_id: str | None = None

    def resolve(self, workspace_id: str, *, registry_name: str | None = None) -> str:
        """The id Azure expects in a deployment: an ARM id or an ``azureml://registries`` URI.

        `workspace_id` is the ARM id of the deployment's workspace; `registry_name` the stack's
        registry, needed for ``source: registry``. An environment defined in stack config
        (``source == "config"``) is resolved from that environment's outputs instead.
        """
        if self.source == "arm" and self.arm_id is not None:
            return self.arm_id
        if self.source == "workspace":
            return f"{workspace_id}/{self.kind}/{self.name}/versions/{self.version}"
        registry = self.registry if self.source == "registry" else registry_name
        if self.source in ("registry", "stack-registry") and registry:
            tail = f"versions/{self.version}" if self.version else f"labels/{self.label}"
            return f"azureml://registries/{registry}/{self.kind}/{self.name}/{tail}"
        raise ValueError(f"{self} cannot be resolved to an id here")


def parse_reference(text: str, kind: AssetKind) -> AssetRef:
    """Parse `text` as a reference to a `kind` asset; `ValueError` explains what is accepted."""
    value = text.strip()
    if match := _SHORT.fullmatch(value):
        return AssetRef(kind, "workspace", match["name"], version=match["version"])
    if match := _REGISTRY_URI.fullmatch(value):
        if match["kind"] != kind:
            raise ValueError(_expected(kind, f"this names {_ARTICLE[match['kind']]}"))
        if match["label"] and kind != "environments":
            raise ValueError(_expected(kind, "pin a version instead of a label"))
        return AssetRef(
            kind,
            "registry",
            match["name"],
            version=match["version"],
            label=match["label"],
            registry=match["registry"],
        )
    if match := _ARM_ID.fullmatch(value):
        if match["kind"].lower() != kind:
            raise ValueError(
                _expected(kind, f"this ARM id names {_ARTICLE[match['kind'].lower()]}")
            )
        return AssetRef(kind, "arm", match["name"], version=match["version"], arm_id=value)
    if kind == "environments" and (match := _LOCAL.fullmatch(value)):
        return AssetRef(kind, "config", match["name"], version=match["version"])
    reason = "a label needs a lookup; pin a version" if "@" in value else ""
    raise ValueError(_expected(kind, reason))


def _expected(kind: AssetKind, reason: str) -> str:
    forms = [
        "azureml:<name>:<version>",
        f"azureml://registries/<registry>/{kind}/<name>/versions/<version>",
        f"the ARM id of the {_SINGULAR[kind]} version",
    ]
    if kind == "environments":
        forms.insert(0, "the name (optionally name:version) of an environment in this workspace")
    prefix = f"{reason}; " if reason else ""
    return f"{prefix}expected {', '.join(forms[:-1])} or {forms[-1]}"
