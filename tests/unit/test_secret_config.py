"""Credentials only as secrets (infra/secret_config.py): plain text in the stack file is refused,
per path where the plan can see it, per top-level key where only Pulumi's marking is known."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.errors import SECRET_MASK, ConfigError
from infra.cli import app
from infra.config import parse_stack_config
from infra.secret_config import looks_secret, set_secret_command

ACCOUNT = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg/providers/"
    "Microsoft.Storage/storageAccounts/stlegacy"
)
PLAIN = "plain-key-never-shown-0123"


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "passwd",
        "AZURE_CLIENT_SECRET",
        "clientSecret",
        "HF_TOKEN",
        "API_KEY",
        "apiKey",
        "OPENAI_KEY",
        "STORAGE_SAS",
        "DB_CONNECTION_STRING",
        "ConnStr",
        "SSH_PRIVATE_KEY_PATH",
        "AWS_CREDENTIALS",
    ],
)
def test_names_that_look_like_secrets(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name",
    ["WORKERS", "KEY_VAULT_URL", "AWS_ACCESS_KEY_ID", "MAX_TOKENS", "TOKENIZER", "PWD", "MODEL"],
)
def test_names_that_do_not(name: str) -> None:
    assert not looks_secret(name)


def keyed(key: object, *, token: object = None) -> dict[str, Any]:
    stores = [
        {
            "name": "keyed",
            "type": "AzureBlob",
            "account": ACCOUNT,
            "credentials": {"type": "AccountKey", "key": key},
        }
    ]
    if token is not None:
        stores.append(
            {
                "name": "tokened",
                "type": "AzureBlob",
                "account": ACCOUNT,
                "credentials": {"type": "Sas", "token": token},
            }
        )
    return {
        "location": "westeurope",
        "tier": "dev",
        "workspaces": [{"name": "main", "datastores": stores}],
    }


def test_plain_text_is_refused_with_the_command_and_without_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(keyed(PLAIN))
    [problem] = caught.value.problems
    assert problem.field == "amlstack:workspaces[main].datastores[keyed].credentials.key"
    # Pulumi's --path takes list indexes, not names.
    command = set_secret_command("amlstack:workspaces[0].datastores[0].credentials.key")
    assert command in problem.allowed
    assert PLAIN not in str(caught.value)
    assert "a plain-text value (not shown)" in str(caught.value)


def test_under_pulumi_up_a_secret_top_level_key_is_all_that_is_known() -> None:
    # Pulumi passes amlstack:workspaces decrypted and marks the whole key secret.
    config = parse_stack_config(keyed(PLAIN), secret_keys=frozenset({"workspaces"}))
    assert config.workspaces[0].datastores[0].credentials is not None


def test_in_the_plan_each_credential_must_be_masked_at_its_own_path() -> None:
    secret = frozenset({"workspaces"})
    parse_stack_config(keyed(SECRET_MASK, token=SECRET_MASK), secret_keys=secret)
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(keyed(SECRET_MASK, token=PLAIN), secret_keys=secret)
    [problem] = caught.value.problems
    assert problem.field == "amlstack:workspaces[main].datastores[tokened].credentials.token"
    assert PLAIN not in str(caught.value)


def test_a_secure_stack_value_plans(tmp_path: Path, scratch_project: Path) -> None:
    config = {f"amlstack:{k}": v for k, v in keyed({"secure": "v1:AAAB+ciphertext=="}).items()}
    (scratch_project / "Pulumi.sec.yaml").write_text(yaml.safe_dump({"config": config}))
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["plan", "sec", "-C", str(scratch_project), "-q", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "ciphertext" not in out.read_text()
