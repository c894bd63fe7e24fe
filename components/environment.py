"""Environments of all three kinds: curated, system-managed and user-managed.

- **curated**: a Microsoft environment referenced by name (``azureml://registries/azureml/
  environments/sklearn-1.5/versions/53`` or ``AzureML-sklearn-1.5@latest``); nothing is
  created, the reference is exported for jobs.
- **system-managed**: a base image plus a conda file from the repository; Azure ML builds the
  conda environment on top of the image.
- **user-managed**: a Docker build context folder from the repository (uploaded to the
  workspace storage by a `BuildContextUpload`), or a ready-made image.

A registered environment's version is a hash of everything that defines it (image, conda file
content, build context files, Dockerfile path, OS, description): a change makes a new version
and no change makes no diff. Versions are immutable in Azure ML and ``az ml environment`` only
archives, so amlstack keeps old versions (and their build contexts) when a new one replaces
them (``retainOnDelete``): jobs that used them stay reproducible.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pulumi
import yaml
from pulumi_azure_native import machinelearningservices as ml
from pydantic import ValidationInfo, field_validator

from components.args import Args
from components.blob_upload import FolderUpload, folder_url
from components.errors import ConfigError
from components.naming import ENVIRONMENT
from components.outputs import EnvironmentKind, EnvironmentOutput, Pending
from components.workspace_ref import WorkspaceRef

__all__ = [
    "BuildArgs",
    "BuildContextUpload",
    "Environment",
    "EnvironmentArgs",
    "EnvironmentDefinition",
    "EnvironmentKind",
    "define_environment",
    "parse_curated",
]

_MAX_BUILD_CONTEXT_BYTES = 1024 * 1024
_VERSION_LENGTH = 16
_REGISTRY_REF = re.compile(
    r"azureml://registries/azureml/environments/(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)"
    r"/(?:versions/(?P<version>[A-Za-z0-9._-]+)|labels/(?P<label>[A-Za-z0-9._-]+))"
)
_WORKSPACE_REF = re.compile(
    r"(?:azureml:)?(?P<name>AzureML-[A-Za-z0-9._-]+)"
    r"(?:@(?P<label>latest)|:(?P<version>[A-Za-z0-9._-]+))"
)
_IMAGE = re.compile(
    r"(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
_ONE_SOURCE = "exactly one of curated, image or build is required"


class BuildArgs(Args):
    """A Docker build context: a folder of the repository with a Dockerfile."""

    context: str
    """The folder, relative to the project directory (where Pulumi.yaml is)."""
    dockerfile: str = "Dockerfile"
    """The Dockerfile, relative to `context`. Default ``Dockerfile``."""


class EnvironmentArgs(Args):
    """One environment. Exactly one of `curated`, `image` or `build` says what it is."""

    name: str
    """Environment name in the workspace (1-255 letters, digits, '-' or '_'); jobs use it."""
    curated: str | None = None
    """A curated environment reference: ``azureml://registries/azureml/environments/<name>/
    versions/<v>`` (or ``/labels/latest``), or ``AzureML-<name>@latest`` / ``:<version>``."""
    image: str | None = None
    """A Docker image (``mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest``). With
    `condaFile` it is the base of a system-managed environment; alone, a user-managed one."""
    conda_file: str | None = None
    """A conda YAML file, relative to the project directory; needs `image`."""
    build: BuildArgs | None = None
    """A Docker build context: a user-managed environment built by Azure ML."""
    os_type: Literal["Linux", "Windows"] = "Linux"
    """Operating system of the image. Default Linux."""
    description: str = ""
    """Shown in Azure ML studio."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return ENVIRONMENT.require(value)

    @field_validator("curated")
    @classmethod
    def _valid_reference(cls, value: str | None) -> str | None:
        if value is not None:
            parse_curated(value)
        return value

    @field_validator("image")
    @classmethod
    def _valid_image(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("curated") is not None:
            raise ValueError(f"{_ONE_SOURCE}; this environment sets both curated and image")
        if not _IMAGE.fullmatch(value):
            raise ValueError(
                "expected a Docker image reference like 'mcr.microsoft.com/azureml/"
                "openmpi4.1.0-ubuntu22.04:latest' or 'pytorch/pytorch:2.3.0'"
            )
        return value

    @field_validator("conda_file")
    @classmethod
    def _conda_needs_image(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "image" in info.data and info.data["image"] is None:
            raise ValueError(
                "a conda file needs image (the base image conda installs into); a build "
                "context installs its packages in its Dockerfile, a curated one has them"
            )
        return value

    @field_validator("build")
    @classmethod
    def _exactly_one_source(cls, value: BuildArgs | None, info: ValidationInfo) -> BuildArgs | None:
        if "curated" not in info.data or "image" not in info.data:
            return value  # one of them is invalid already, and reported
        given = [key for key in ("curated", "image") if info.data[key] is not None]
        if value is not None:
            given.append("build")
        if len(given) != 1:
            found = " and ".join(given) if given else "none"
            raise ValueError(f"{_ONE_SOURCE}; this environment sets {found}")
        return value

    @property
    def kind(self) -> EnvironmentKind:
        if self.curated is not None:
            return "curated"
        if self.conda_file is not None:
            return "system-managed"
        return "user-managed"


def parse_curated(reference: str) -> tuple[str, str]:
    """(the id jobs use, the version or label) of a curated environment reference."""
    match = _REGISTRY_REF.fullmatch(reference)
    if match is not None:
        return reference, match.group("version") or match.group("label")
    match = _WORKSPACE_REF.fullmatch(reference)
    if match is not None:
        name, label, version = match.group("name", "label", "version")
        return (
            (f"azureml:{name}@{label}", label) if label else (f"azureml:{name}:{version}", version)
        )
    raise ValueError(
        "expected 'azureml://registries/azureml/environments/<name>/versions/<version>' "
        "(or '/labels/latest') or 'AzureML-<name>@latest' (or ':<version>')"
    )


@dataclass(frozen=True)
class EnvironmentDefinition:
    """An environment with its files read and its content version computed."""

    name: str
    kind: EnvironmentKind
    version: str
    """The content hash (registered kinds) or the curated version or label."""
    reference: str | None = None
    """What jobs use for a curated environment (``azureml://...`` or ``azureml:AzureML-...``)."""
    image: str | None = None
    conda: str | None = None
    """The conda file, normalized YAML (keys sorted, comments dropped), as Azure ML stores it."""
    build_context: str | None = None
    """The build context folder, relative to the project directory."""
    build_files: tuple[tuple[str, bytes], ...] = ()
    """The build context's files (POSIX paths relative to the context, sorted) and contents."""
    dockerfile: str | None = None
    os_type: str = "Linux"
    description: str = ""


def define_environment(args: EnvironmentArgs, *, base_dir: Path, at: str) -> EnvironmentDefinition:
    """Read what `args` points to under `base_dir` and compute its version.

    `at` names the environment in messages (``amlstack:workspaces[0].environments[1]``); a
    missing or invalid file raises `ConfigError` naming the key, before anything is registered.
    """
    if args.curated is not None:
        reference, version = parse_curated(args.curated)
        return EnvironmentDefinition(args.name, "curated", version, reference=reference)
    conda = _read_conda(base_dir, args.conda_file, f"{at}.condaFile") if args.conda_file else None
    files: tuple[tuple[str, bytes], ...] = ()
    if args.build is not None:
        files = _read_context(base_dir, args.build, f"{at}.build")
    content = {
        "image": args.image,
        "condaFile": conda,
        "build": {
            "dockerfile": args.build.dockerfile,
            "files": {path: hashlib.sha256(data).hexdigest() for path, data in files},
        }
        if args.build is not None
        else None,
        "osType": args.os_type,
        "description": args.description,
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return EnvironmentDefinition(
        args.name,
        args.kind,
        digest[:_VERSION_LENGTH],
        image=args.image,
        conda=conda,
        build_context=args.build.context if args.build is not None else None,
        build_files=files,
        dockerfile=args.build.dockerfile if args.build is not None else None,
        os_type=args.os_type,
        description=args.description,
    )


def _read_conda(base_dir: Path, relative: str, key: str) -> str:
    path = base_dir / relative
    if not path.is_file():
        raise ConfigError.not_found(key, relative, "file", base_dir)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError.single(key, relative, f"expected valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise ConfigError.single(
            key, relative, "expected a conda environment file with a 'dependencies' list"
        )
    return yaml.safe_dump(data, sort_keys=True)


def _read_context(base_dir: Path, build: BuildArgs, key: str) -> tuple[tuple[str, bytes], ...]:
    folder = base_dir / build.context
    if not folder.is_dir():
        raise ConfigError.not_found(f"{key}.context", build.context, "folder", base_dir)
    if not (folder / build.dockerfile).is_file():
        raise ConfigError.not_found(f"{key}.dockerfile", build.dockerfile, "file", build.context)
    files = tuple(
        (path.relative_to(folder).as_posix(), path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )
    size = sum(len(data) for _, data in files)
    if size > _MAX_BUILD_CONTEXT_BYTES:
        raise ConfigError.single(
            f"{key}.context",
            build.context,
            f"expected at most {_MAX_BUILD_CONTEXT_BYTES} bytes of files (found {size}); "
            "keep data and models out of a build context",
        )
    return files


class Environment(pulumi.ComponentResource):
    """An environment of the workspace: registered (system- or user-managed) or curated.

    A curated environment registers nothing: the component only carries its reference.
    """

    def __init__(
        self,
        name: str,
        definition: EnvironmentDefinition,
        *,
        workspace: WorkspaceRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Register `definition` in `workspace` (nothing for a curated one);
        `Workspace.add_environment` parents it to the workspace."""
        super().__init__("amlstack:ml:Environment", name, None, opts)
        self.definition = definition
        if definition.reference is not None:
            self.id: pulumi.Output[str] = pulumi.Output.from_input(definition.reference)
            self.register_outputs({"id": self.id})
            return
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        container = ml.EnvironmentContainer(
            f"{name}-container",
            name=definition.name,
            resource_group_name=workspace.resource_group_name,
            workspace_name=workspace.name,
            properties=ml.EnvironmentContainerPropertiesArgs(
                description=definition.description or None
            ),
            opts=kept,
        )
        build, uploads = self._build_context(name, workspace, kept)
        self.version = ml.EnvironmentVersion(
            f"{name}-version",
            name=container.name,
            version=definition.version,
            resource_group_name=workspace.resource_group_name,
            workspace_name=workspace.name,
            properties=ml.EnvironmentVersionPropertiesArgs(
                image=definition.image,
                conda_file=definition.conda,
                build=build,
                os_type=definition.os_type,
                description=definition.description or None,
            ),
            opts=pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(depends_on=uploads)),
        )
        self.id = self.version.id
        self.register_outputs({"id": self.id})

    def outputs(self) -> Pending[EnvironmentOutput]:
        """This environment's entry in the stack outputs (``environments.<name>``)."""
        definition = self.definition
        return EnvironmentOutput.pending(
            kind=definition.kind, version=definition.version, id=self.id
        )

    def _build_context(
        self, name: str, workspace: WorkspaceRef, opts: pulumi.ResourceOptions
    ) -> tuple[ml.BuildContextArgs | None, list[pulumi.Resource]]:
        """Upload the build context into the workspace's default blob container (as
        azure-ai-ml does), under a prefix named by this environment's version."""
        definition = self.definition
        if definition.build_context is None:
            return None, []
        account_url, container = workspace.blob_endpoint, workspace.code_container
        prefix = f"amlstack/environments/{definition.name}/{definition.version}"
        upload = BuildContextUpload(
            f"{name}-build-context",
            source=definition.build_context,
            files={path: hashlib.sha256(data).hexdigest() for path, data in definition.build_files},
            account_url=account_url,
            container=container,
            prefix=prefix,
            opts=opts,
        )
        uri = pulumi.Output.all(account_url, container).apply(
            lambda parts: folder_url(parts[0], parts[1], prefix) + "/"
        )
        return ml.BuildContextArgs(context_uri=uri, dockerfile_path=definition.dockerfile), [upload]


class BuildContextUpload(FolderUpload, module="amlstack", name="BuildContextUpload"):
    """The files of an environment's Docker build context, uploaded under
    ``<container>/amlstack/environments/<name>/<version>/``."""

    PREVIOUS_TYPES = ("pulumi-python:dynamic:Resource",)
    """Before it had a type of its own, the upload was a plain dynamic resource."""
