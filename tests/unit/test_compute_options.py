"""Compute options: SSH public keys, instance setup scripts, serverless compute settings."""

from __future__ import annotations

import base64
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.compute import ComputeInstance, ComputeInstanceArgs
from components.compute_options import (
    MIN_RSA_BITS,
    SetupScriptsArgs,
    SshArgs,
    check_ssh_public_key,
)
from components.errors import SECRET_MASK, ConfigError
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.config import parse_stack_config
from tests.conftest import REACHABLE_NETWORK

USER = "0a1b2c3d-0000-4000-8000-0000000000aa"
SUBNET = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-net/providers/"
    "Microsoft.Network/virtualNetworks/vnet/subnets/jobs"
)


def field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def key_line(kind: str, *parts: bytes, comment: str = "") -> str:
    blob = base64.b64encode(field(kind.encode()) + b"".join(field(p) for p in parts)).decode()
    return f"{kind} {blob}{' ' + comment if comment else ''}"


def rsa_key(bits: int) -> str:
    modulus = (1 << (bits - 1)) | 1
    return key_line("ssh-rsa", b"\x01\x00\x01", b"\x00" + modulus.to_bytes(bits // 8, "big"))


ED25519 = key_line("ssh-ed25519", b"k" * 32, comment="alice@laptop")


@given(
    public=st.binary(min_size=32, max_size=32),
    comment=st.text(alphabet="abcdefghij@.-", max_size=20),
)
def test_well_formed_ed25519_keys_are_accepted(public: bytes, comment: str) -> None:
    line = key_line("ssh-ed25519", public, comment=comment)
    assert check_ssh_public_key(f"  {line}\n") == line.strip()


@given(bits=st.integers(min_value=1024, max_value=4096).filter(lambda b: b % 8 == 0))
def test_rsa_keys_need_2048_bits(bits: int) -> None:
    if bits >= MIN_RSA_BITS:
        check_ssh_public_key(rsa_key(bits))
    else:
        with pytest.raises(ValueError, match=f"an RSA key of {bits} bits is too short"):
            check_ssh_public_key(rsa_key(bits))


@given(cut=st.integers(min_value=1, max_value=30))
def test_a_truncated_key_is_refused(cut: int) -> None:
    kind, blob = ED25519.split()[:2]
    raw = base64.b64decode(blob)
    shortened = base64.b64encode(raw[: len(raw) - cut]).decode()
    with pytest.raises(ValueError, match="not an SSH key"):
        check_ssh_public_key(f"{kind} {shortened}")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("AAAAC3NzaC1lZDI1NTE5AAAAIGtrkey", "expected an OpenSSH public key line"),
        ("ssh-dss AAAAB3NzaC1kc3M=", "expected an OpenSSH public key line"),
        (key_line("ssh-ed25519", b"k" * 32).replace("ssh-ed25519 ", "ssh-rsa "), "not a ssh-rsa"),
        ("ssh-ed25519 not*base64", "expected an OpenSSH public key line"),
    ],
)
def test_what_is_not_a_public_key_is_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_ssh_public_key(text)


def test_a_private_key_is_refused_and_never_shown() -> None:
    private = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----"
    )
    with pytest.raises(ConfigError) as caught:
        SshArgs.parse({"publicKey": private}, at="ssh")
    [problem] = caught.value.problems
    assert problem.secret
    assert "this is a private key" in problem.allowed
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in str(caught.value)
    assert SECRET_MASK in str(caught.value)


def instance(tmp_path: Path, **settings: Any) -> Recording:
    args = ComputeInstanceArgs.parse(
        {"name": "ci-alice", "assignedUser": {"objectId": USER}, **settings}, at="instance"
    )

    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        workspace.add_instance(args, base_dir=tmp_path)

    return record(program, stack="dev")


def properties(recording: Recording) -> dict[str, Any]:
    compute = recording.one("azure-native:machinelearningservices:Compute")
    inner: dict[str, Any] = compute.inputs["properties"]["properties"]
    return inner


def test_ssh_is_off_unless_a_key_is_given(tmp_path: Path) -> None:
    assert properties(instance(tmp_path))["sshSettings"] == {"sshPublicAccess": "Disabled"}
    opened = properties(instance(tmp_path, ssh={"publicKey": ED25519}))
    assert opened["sshSettings"] == {"sshPublicAccess": "Enabled", "adminPublicKey": ED25519}
    assert opened["enableNodePublicIp"] is False  # reachable from the virtual network only


def test_setup_scripts_are_sent_inline_from_the_project(tmp_path: Path) -> None:
    (tmp_path / "setup").mkdir()
    (tmp_path / "setup" / "create.sh").write_bytes(b"#!/bin/bash\npip install lightgbm\n")
    (tmp_path / "setup" / "start.sh").write_bytes(b"#!/bin/bash\necho started\n")
    scripts = {
        "creation": {"path": "setup/create.sh", "timeoutMinutes": 30},
        "startup": {"path": "setup/start.sh", "arguments": "--quiet"},
    }
    sent = properties(instance(tmp_path, setupScripts=scripts))["setupScripts"]["scripts"]
    assert sent["creationScript"] == {
        "scriptSource": "inline",
        "scriptData": base64.b64encode(b"#!/bin/bash\npip install lightgbm\n").decode(),
        "timeout": "30m",
    }
    assert sent["startupScript"]["scriptArguments"] == "--quiet"
    assert base64.b64decode(sent["startupScript"]["scriptData"]) == b"#!/bin/bash\necho started\n"
    assert "setupScripts" not in properties(instance(tmp_path))


@pytest.mark.parametrize(
    ("content", "allowed"),
    [(None, "expected a shell script file"), (b"  \n", "the file is empty")],
)
def test_a_missing_or_empty_script_is_refused_before_the_instance_exists(
    tmp_path: Path, content: bytes | None, allowed: str
) -> None:
    if content is not None:
        (tmp_path / "setup.sh").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        instance(tmp_path, setupScripts={"creation": {"path": "setup.sh"}})
    [problem] = caught.value.problems
    assert problem.field == "main.computes[ci-alice].setupScripts.creation.path"
    assert allowed in problem.allowed


def test_scripts_outside_the_project_are_refused() -> None:
    with pytest.raises(ConfigError, match="inside the project"):
        SetupScriptsArgs.parse({"startup": {"path": "../setup.sh"}}, at="scripts")


def test_an_instance_needs_the_scripts_its_args_name() -> None:
    args = ComputeInstanceArgs.parse(
        {
            "name": "ci-alice",
            "assignedUser": {"objectId": USER},
            "setupScripts": {"startup": {"path": "s.sh"}},
        },
        at="instance",
    )

    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        ComputeInstance("ci", args, workspace=workspace.ref)

    with pytest.raises(ConfigError, match="define_setup_scripts"):
        record(program)


def test_serverless_compute_joins_its_subnet_without_public_ips() -> None:
    def program() -> None:
        Workspace(
            "main",
            WorkspaceArgs.parse(
                {"name": "main", "serverlessCompute": {"subnet": SUBNET}}, at="workspace"
            ),
            resource_group_name="rg",
            location="westeurope",
        )

    workspace = record(program).one("azure-native:machinelearningservices:Workspace")
    assert workspace.inputs["serverlessComputeSettings"] == {
        "serverlessComputeCustomSubnet": SUBNET,
        "serverlessComputeNoPublicIP": True,
    }
    with pytest.raises(ConfigError, match="expected a subnet ARM id"):
        WorkspaceArgs.parse({"name": "main", "serverlessCompute": {"subnet": "jobs"}}, at="w")


def stack(tier: str, waivers: list[dict[str, str]] | None = None) -> dict[str, Any]:
    workspace = {
        "name": "main",
        "network": REACHABLE_NETWORK,
        "computes": {
            "instances": [
                {
                    "name": "ci-alice",
                    "assignedUser": {"objectId": USER},
                    "ssh": {"publicKey": ED25519},
                }
            ]
        },
    }
    return {
        "location": "westeurope",
        "tier": tier,
        "workspaces": [workspace],
        "waivers": waivers or [],
    }


def test_ssh_is_refused_in_prod_unless_the_rule_is_waived() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(stack("prod"))
    [problem] = caught.value.problems
    assert problem.field == "amlstack:workspaces[main].computes.instances[ci-alice].ssh.publicKey"
    assert problem.value == ED25519
    assert "waive rule 'compute-no-public-ssh' for workspace 'main'" in problem.allowed
    parse_stack_config(stack("dev"))
    waiver = {"rule": "compute-no-public-ssh", "reason": "debugging the GPU driver (OPS-42)"}
    parse_stack_config(stack("prod", [waiver]))
    parse_stack_config(stack("prod", [{**waiver, "workspace": "main"}]))
