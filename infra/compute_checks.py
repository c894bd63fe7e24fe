"""Checks of a stack's compute options that one key cannot make alone, run with config validation.

Before anything is registered: a compute instance's setup scripts exist in the project and are not
empty, and SSH to an instance is refused in a prod stack unless the stack waives the baseline rule
``compute-no-public-ssh`` (for the instance's workspace or for the whole stack).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from components.compute import ComputesArgs
from components.compute_options import SetupScriptsArgs, define_setup_scripts
from components.errors import ConfigError, ConfigProblem
from infra.policy.waivers import WaiverArgs

__all__ = ["SSH_RULE", "setup_script_problems", "ssh_problems"]

SSH_RULE = "compute-no-public-ssh"
"""The baseline rule SSH access breaks; a prod stack that wants SSH waives it."""


def ssh_problems(
    computes: ComputesArgs,
    *,
    workspace: str,
    tier: str,
    waivers: Sequence[WaiverArgs],
    at: str,
) -> list[ConfigProblem]:
    """The instances of `workspace` (config key `at`) that ask for SSH where it is refused."""
    waived = any(w.rule == SSH_RULE and w.workspace in (None, workspace) for w in waivers)
    if tier != "prod" or waived:
        return []
    return [
        ConfigProblem(
            f"{at}.instances[{instance.name}].ssh.publicKey",
            instance.ssh.public_key,
            f"SSH is off in prod stacks: remove ssh, or waive rule {SSH_RULE!r} for workspace "
            f"{workspace!r} in amlstack:waivers, with the reason",
        )
        for instance in computes.instances
        if instance.ssh is not None
    ]


def setup_script_problems(computes: ComputesArgs, *, root: Path, at: str) -> list[ConfigProblem]:
    """The setup scripts of `computes` (config key `at`) that are missing or empty in `root`."""
    return list(_script_problems(computes, root, at))


def _script_problems(computes: ComputesArgs, root: Path, at: str) -> Iterator[ConfigProblem]:
    owners: list[tuple[str, SetupScriptsArgs | None]] = [
        (f"{at}.instances[{instance.name}]", instance.setup_scripts)
        for instance in computes.instances
    ]
    if computes.personal_instances is not None:
        owners.append((f"{at}.personalInstances", computes.personal_instances.setup_scripts))
    for where, scripts in owners:
        if scripts is None:
            continue
        try:
            define_setup_scripts(scripts, base_dir=root, at=f"{where}.setupScripts")
        except ConfigError as error:
            yield from error.problems
