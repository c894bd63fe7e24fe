"""Checks of a workspace's endpoints that one key cannot make alone, run with config validation.

Before anything is registered: an environment a deployment names from the workspace's config
exists (with the pinned version, if any), a model from the stack's registry has a registry, a
scoring code folder exists and holds its script, and a batch deployment runs on a compute cluster
of the workspace (not an instance, not an unknown name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from components.batch_endpoint import (
    BatchEndpointArgs,
    BatchModelDeploymentArgs,
    batch_compute_problem,
    deployment_compute,
)
from components.deployment import CodeArgs, ScoringArgs
from components.endpoint import OnlineEndpointArgs
from components.environment import EnvironmentArgs, parse_curated
from components.errors import ConfigProblem
from components.references import AssetRef
from components.suggest import did_you_mean

__all__ = ["batch_endpoint_problems", "defined_environments", "endpoint_problems"]


def defined_environments(environments: Sequence[EnvironmentArgs]) -> dict[str, str | None]:
    """The environments a workspace's config defines: name -> version when config pins it (a
    curated reference), None when the version is the content hash computed at deploy time."""
    return {
        env.name: parse_curated(env.curated)[1] if env.curated else None for env in environments
    }


def endpoint_problems(
    endpoints: Sequence[OnlineEndpointArgs],
    environments: Sequence[EnvironmentArgs],
    *,
    at: str,
    has_registry: bool,
    root: Path | None = None,
) -> list[ConfigProblem]:
    """What is wrong with the references of `endpoints` (config key `at`) in a workspace that
    defines `environments`. With `root`, also check that every code folder exists there."""
    defined = defined_environments(environments)
    return [
        problem
        for endpoint in endpoints
        for deployment in endpoint.deployments
        for problem in _deployment_problems(
            deployment,
            f"{at}[{endpoint.name}].deployments[{deployment.name}]",
            defined,
            has_registry=has_registry,
            root=root,
        )
    ]


def batch_endpoint_problems(
    endpoints: Sequence[BatchEndpointArgs],
    environments: Sequence[EnvironmentArgs],
    *,
    clusters: Sequence[str],
    instances: Sequence[str],
    at: str,
    has_registry: bool,
    root: Path | None = None,
) -> list[ConfigProblem]:
    """What is wrong with the references of batch `endpoints` (config key `at`): the model
    deployments' assets as for online deployments, and every deployment's compute, which must be
    one of the workspace's `clusters` (its compute `instances` are named in the refusal)."""
    defined = defined_environments(environments)
    problems: list[ConfigProblem] = []
    for endpoint in endpoints:
        for deployment in endpoint.deployments:
            where = f"{at}[{endpoint.name}].deployments[{deployment.name}]"
            if isinstance(deployment, BatchModelDeploymentArgs):
                problems += _deployment_problems(
                    deployment, where, defined, has_registry=has_registry, root=root
                )
            key, compute = deployment_compute(deployment)
            problem = compute and batch_compute_problem(compute, clusters, instances)
            if problem:
                problems.append(ConfigProblem(f"{where}.{key}", compute, problem))
    return problems


def _deployment_problems(
    deployment: ScoringArgs,
    where: str,
    environments: Mapping[str, str | None],
    *,
    has_registry: bool,
    root: Path | None,
) -> Iterator[ConfigProblem]:
    if deployment.model_ref.source == "stack-registry" and not has_registry:
        yield ConfigProblem(
            f"{where}.model.source",
            "registry",
            "the stack has no registry: set amlstack:registry or amlstack:registryStack, "
            "or use source 'workspace'",
        )
    env = deployment.environment_ref
    if env is not None and env.source == "config" and not _defined(env, environments):
        known = ", ".join(f"{n}:{v}" if v else n for n, v in sorted(environments.items())) or "none"
        yield ConfigProblem(
            f"{where}.environment",
            deployment.environment,
            f"not an environment of this workspace's config (defined: {known}); "
            f"{did_you_mean(env.name, environments)}or use azureml:<name>:<version>, "
            "azureml://registries/... or an ARM id",
        )
    if root is not None and deployment.code is not None and deployment.code.path is not None:
        yield from _code_problems(deployment.code, f"{where}.code", root)


def _defined(env: AssetRef, environments: Mapping[str, str | None]) -> bool:
    """A deployment names a config environment by name; a version must be the pinned one."""
    return env.name in environments and env.version in (None, environments[env.name])


def _code_problems(code: CodeArgs, where: str, root: Path) -> Iterator[ConfigProblem]:
    folder = root / str(code.path)
    if not folder.is_dir():
        yield ConfigProblem(
            f"{where}.path", code.path, f"expected a folder in {root}", problem="folder not found"
        )
    elif not (folder / code.scoring_script).is_file():
        yield ConfigProblem(
            f"{where}.scoringScript",
            code.scoring_script,
            f"expected a file inside {code.path}",
            problem="file not found",
        )
