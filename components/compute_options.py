"""The compute options teams ask for most: setup scripts and SSH on compute instances, and the
workspace's serverless compute settings.

- Setup scripts: a creation script (runs once, when the instance is created) and a startup script
  (every start), each a shell script of the project. Azure takes a script from the workspace's
  notebooks file share or inline; amlstack sends the project file inline (``scriptSource:
  inline``, its content base64-encoded, as Azure's template reference documents), so the script is
  part of the instance's definition: the plan shows it, a review sees a change, and the deployer
  needs no access to the file share. Keep scripts small; a script fetches what it needs.
- SSH: off by default. With a public key the instance opens SSH (port 22) for that key; it still
  has no public IP, so it is reachable from the virtual network only. Prod stacks refuse it unless
  the baseline rule ``compute-no-public-ssh`` is waived.
- Serverless compute: jobs without a compute target run on serverless nodes; with a subnet they
  run in it, without public IPs by default.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, field_validator

from components.args import Args, check_project_path
from components.errors import ConfigError
from components.naming import check_subnet_id

__all__ = [
    "MIN_RSA_BITS",
    "SSH_KEY_TYPES",
    "ServerlessComputeArgs",
    "SetupScript",
    "SetupScriptArgs",
    "SetupScripts",
    "SetupScriptsArgs",
    "SshArgs",
    "check_ssh_public_key",
    "define_setup_scripts",
]

SSH_KEY_TYPES = frozenset(
    {
        "ssh-rsa",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
    }
)
"""OpenSSH public key types accepted for compute instances."""

MIN_RSA_BITS = 2048
"""Azure accepts RSA keys of at least 2048 bits for Linux VMs (Azure docs, "SSH keys")."""

_KEY_LINE = re.compile(r"(?P<type>\S+)\s+(?P<blob>[A-Za-z0-9+/]+={0,2})(?:\s+(?P<comment>.*))?")
_ALLOWED_KEY = (
    "expected an OpenSSH public key line: ssh-ed25519, ssh-rsa (2048 bits or more) or "
    "ecdsa-sha2-nistp256/384/521, then the base64 key (the content of id_ed25519.pub)"
)


def check_ssh_public_key(text: str) -> str:
    """`text` (stripped) when it is an OpenSSH public key Azure accepts, else ValueError."""
    value = text.strip()
    if "PRIVATE KEY" in value:
        raise ValueError(f"this is a private key: never put it in config; {_ALLOWED_KEY}")
    match = _KEY_LINE.fullmatch(value)
    if match is None or match["type"] not in SSH_KEY_TYPES:
        raise ValueError(_ALLOWED_KEY)
    try:
        blob = base64.b64decode(match["blob"], validate=True)
        fields = _ssh_strings(blob)
    except (binascii.Error, ValueError):
        raise ValueError(f"the base64 part is not an SSH key; {_ALLOWED_KEY}") from None
    if not fields or fields[0] != match["type"].encode():
        raise ValueError(f"the key inside is not a {match['type']} key; {_ALLOWED_KEY}")
    if match["type"] == "ssh-rsa":
        bits = _rsa_bits(fields)
        if bits < MIN_RSA_BITS:
            raise ValueError(f"an RSA key of {bits} bits is too short; {_ALLOWED_KEY}")
    return value


def _ssh_strings(blob: bytes) -> list[bytes]:
    """The length-prefixed fields of an SSH wire-format key (RFC 4253 6.6); ValueError when
    `blob` is not one."""
    fields, offset = [], 0
    while offset < len(blob):
        if offset + 4 > len(blob):
            raise ValueError("truncated length")
        (length,) = struct.unpack(">I", blob[offset : offset + 4])
        offset += 4
        if offset + length > len(blob):
            raise ValueError("truncated field")
        fields.append(blob[offset : offset + length])
        offset += length
    return fields


def _rsa_bits(fields: list[bytes]) -> int:
    """Bit length of the modulus of an ``ssh-rsa`` key (fields: type, exponent, modulus)."""
    if len(fields) != 3:  # RFC 4253: the type, e and n
        return 0
    return int.from_bytes(fields[2], "big").bit_length()


class SshArgs(Args):
    """SSH access to a compute instance, for one public key."""

    public_key: str
    """The OpenSSH public key allowed to log in as azureuser (``ssh-ed25519 AAAA... me@host``).
    Required."""

    @field_validator("public_key")
    @classmethod
    def _public_key(cls, value: str) -> str:
        return check_ssh_public_key(value)

    def azure(self) -> ml.ComputeInstanceSshSettingsArgs:
        return ml.ComputeInstanceSshSettingsArgs(
            ssh_public_access=ml.SshPublicAccess.ENABLED, admin_public_key=self.public_key
        )


class SetupScriptArgs(Args):
    """One setup script of a compute instance: a shell script of the project."""

    path: str
    """The script, relative to the project directory (``setup/instance.sh``). Required."""
    arguments: str | None = None
    """Arguments passed to the script (``$1``, ``$2``). Default none."""
    timeout_minutes: int | None = Field(default=None, ge=1)
    """How long the script may run. Default: Azure's (15 minutes)."""

    @field_validator("path")
    @classmethod
    def _in_project(cls, value: str) -> str:
        return check_project_path(value, "a file")


class SetupScriptsArgs(Args):
    """What runs on a compute instance to set it up."""

    creation: SetupScriptArgs | None = None
    """Runs once, when the instance is created. Default none."""
    startup: SetupScriptArgs | None = None
    """Runs every time the instance starts, creation included. Default none."""


@dataclass(frozen=True)
class SetupScript:
    """A setup script read from the project: what Azure receives inline."""

    content: bytes
    arguments: str | None = None
    timeout_minutes: int | None = None

    def azure(self) -> ml.ScriptReferenceArgs:
        return ml.ScriptReferenceArgs(
            script_source="inline",
            script_data=base64.b64encode(self.content).decode(),
            script_arguments=self.arguments,
            timeout=None if self.timeout_minutes is None else f"{self.timeout_minutes}m",
        )


@dataclass(frozen=True)
class SetupScripts:
    """A compute instance's setup scripts, read from the project."""

    creation: SetupScript | None = None
    startup: SetupScript | None = None

    def azure(self) -> ml.SetupScriptsArgs:
        return ml.SetupScriptsArgs(
            scripts=ml.ScriptsToExecuteArgs(
                creation_script=self.creation.azure() if self.creation else None,
                startup_script=self.startup.azure() if self.startup else None,
            )
        )


def define_setup_scripts(args: SetupScriptsArgs, *, base_dir: Path, at: str) -> SetupScripts:
    """Read the scripts `args` names under `base_dir`; a missing or empty one raises
    `ConfigError` at ``<at>.<creation|startup>.path``."""

    def read(script: SetupScriptArgs | None, key: str) -> SetupScript | None:
        if script is None:
            return None
        path = base_dir / script.path
        if not path.is_file():
            raise ConfigError.single(
                f"{at}.{key}.path", script.path, f"expected a shell script file; {path} is none"
            )
        content = path.read_bytes()
        if not content.strip():
            raise ConfigError.single(
                f"{at}.{key}.path", script.path, "expected a shell script; the file is empty"
            )
        return SetupScript(content, script.arguments, script.timeout_minutes)

    return SetupScripts(read(args.creation, "creation"), read(args.startup, "startup"))


class ServerlessComputeArgs(Args):
    """Where the workspace's serverless compute runs (jobs that name no compute target)."""

    subnet: str
    """ARM id of the subnet serverless nodes join. Required."""
    no_public_ip: bool = True
    """Give the nodes no public IP address. Default on (the baseline's no-public-IP rule)."""

    @field_validator("subnet")
    @classmethod
    def _subnet_id(cls, value: str) -> str:
        return check_subnet_id(value)

    def azure(self) -> ml.ServerlessComputeSettingsArgs:
        return ml.ServerlessComputeSettingsArgs(
            serverless_compute_custom_subnet=self.subnet,
            serverless_compute_no_public_ip=self.no_public_ip,
        )
