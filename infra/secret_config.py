"""Credentials in stack config are Pulumi secrets, never plain text in the stack file (in git).

The credentials: a datastore's account key (``credentials.key``), SAS token
(``credentials.token``) and service principal secret (``credentials.clientSecret``), a
connection's key, token, password and custom keys (unless a Key Vault reference), and each
environment variable of an online deployment whose name looks like a secret (`looks_secret`).
Each must be set with ``pulumi config set --secret --path``, which stores it encrypted
(``secure: v1:...``) under its own key in the stack file.

How that is checked: Pulumi marks config secret per top-level key (a ``secure:`` value anywhere
under ``amlstack:workspaces`` makes the whole key secret for the program, decrypted), so the
stack file is what tells which value was secure (`stack_file_secure_paths`), and the program
reads it. Without it (config from elsewhere), the offline plan's masking of exactly the
``secure:`` values (`infra.plan.stack_files`) is the evidence; failing that, a credential in a
key that holds no secret at all is certainly plain text, and one in a key that holds some secret
cannot be told apart and passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from components.connection import (
    ApiKeyCredentials,
    ConnectionArgs,
    CustomKeysCredentials,
    PatCredentials,
    UsernamePasswordCredentials,
)
from components.datastore import (
    AccountKeyCredentials,
    DatastoreArgs,
    SasCredentials,
    ServicePrincipalCredentials,
)
from components.endpoint import OnlineEndpointArgs
from components.errors import SECRET_MASK, ConfigProblem
from infra.yaml_files import load_yaml

__all__ = [
    "PLAIN_TEXT",
    "SECRET_LAST_WORDS",
    "SECRET_PAIRS",
    "SECRET_WORDS",
    "SecretHolders",
    "looks_secret",
    "plain_text_credentials",
    "secure_paths",
    "set_secret_command",
    "stack_file_secure_paths",
    "strings_in",
]


@dataclass(frozen=True)
class SecretHolders:
    """What of one workspace may hold credentials, and where the workspace is in config."""

    named: str
    """Its config path with items by name: ``workspaces[main]``, ``workspaces[hub].projects[a]``."""
    indexed: str
    """The same by index, as ``pulumi config set --path`` takes it: ``workspaces[0]``."""
    datastores: Sequence[DatastoreArgs]
    endpoints: Sequence[OnlineEndpointArgs]
    connections: Sequence[ConnectionArgs]


SECRET_WORDS = frozenset(
    {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS", "APIKEY", "SAS"}
)
"""A name holding one of these words (split at ``_``, ``-``, ``.`` and camelCase humps, any
case) names a secret: ``DB_PASSWORD``, ``clientSecret``, ``HF_TOKEN``, ``STORAGE_SAS``."""
SECRET_PAIRS = frozenset({("CONNECTION", "STRING"), ("CONN", "STR"), ("PRIVATE", "KEY")})
"""Two words in a row that name a secret: ``DB_CONNECTION_STRING``, ``SSH_PRIVATE_KEY_PATH``."""
SECRET_LAST_WORDS = frozenset({"KEY", "KEYS"})
"""A last word that names a secret: ``API_KEY``, ``OPENAI_KEY``, ``ACCOUNT_KEYS`` (but not
``KEY_VAULT_URL`` or ``KEY_ID``)."""

_KEY_VAULT_TOO = (
    ", or reference a Key Vault secret: {keyVaultSecret: "
    "https://<vault>.vault.azure.net/secrets/<name>}"
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


class _PlainText:
    def __repr__(self) -> str:
        return "a plain-text value (not shown)"


PLAIN_TEXT: object = _PlainText()
"""`ConfigProblem.value` of a credential written in plain text: the value is never shown."""


def looks_secret(name: str) -> bool:
    """Whether an environment variable named `name` holds a secret (`SECRET_WORDS`,
    `SECRET_PAIRS`, `SECRET_LAST_WORDS`)."""
    words = [w.upper() for w in _WORD.findall(name)]
    return (
        any(w in SECRET_WORDS for w in words)
        or any(pair in SECRET_PAIRS for pair in pairwise(words))
        or (bool(words) and words[-1] in SECRET_LAST_WORDS)
    )


def set_secret_command(key: str) -> str:
    """The command that stores config `key` (a full path) as a secret; Pulumi prompts for it."""
    return f"pulumi config set --secret --path '{key}'"


def plain_text_credentials(
    workspaces: Sequence[SecretHolders],
    raw: Mapping[str, Any],
    *,
    namespace: str,
    secret_keys: frozenset[str],
    secure: frozenset[str] | None = None,
) -> list[ConfigProblem]:
    """A problem for each credential of the validated `workspaces` that `raw` (the config as
    read, keys without the namespace) holds in plain text. `secure` are the stack file's secure
    paths (`stack_file_secure_paths`); None when unknown."""
    if "workspaces" not in secret_keys:
        masked: bool | None = None  # nothing under the key is secret
    else:
        masked = SECRET_MASK in strings_in(raw.get("workspaces"))  # the plan masks each secure:

    def is_secret(indexed: str, value: str) -> bool:
        if secure is not None:
            return indexed in secure
        return masked is False or (masked is True and value == SECRET_MASK)

    problems = []
    for named, indexed, value, what in _credentials(workspaces):
        if is_secret(indexed, value):
            continue
        command = set_secret_command(f"{namespace}:{indexed}")  # Pulumi's --path takes indexes
        problems.append(
            ConfigProblem(
                f"{namespace}:{named}",
                PLAIN_TEXT,
                f"{what} must not be written in the stack file in plain text (it is in git); "
                f"store it encrypted: {command} (Pulumi prompts for the value, or reads it from "
                f"standard input){_KEY_VAULT_TOO if '.connections[' in named else ''}",
            )
        )
    return problems


def _credentials(workspaces: Sequence[SecretHolders]) -> Iterator[tuple[str, str, str, str]]:
    """(config path with items by name, the same by index, value, what it is) of each
    credential in the workspaces."""
    for holders in workspaces:
        yield from _datastore_credentials(holders)
        yield from _connection_credentials(holders)
        yield from _environment_credentials(holders)


def _datastore_credentials(holders: SecretHolders) -> Iterator[tuple[str, str, str, str]]:
    for d, store in enumerate(holders.datastores):
        credentials = store.credentials
        found: tuple[str, SecretStr, str] | None = None
        if isinstance(credentials, AccountKeyCredentials):
            found = ("key", credentials.key, "a storage account key")
        elif isinstance(credentials, SasCredentials):
            found = ("token", credentials.token, "a SAS token")
        elif isinstance(credentials, ServicePrincipalCredentials):
            found = ("clientSecret", credentials.client_secret, "a service principal's secret")
        if found is not None:
            key, value, what = found
            named = f"{holders.named}.datastores[{store.name}].credentials.{key}"
            indexed = f"{holders.indexed}.datastores[{d}].credentials.{key}"
            yield named, indexed, value.get_secret_value(), what


def _connection_credentials(holders: SecretHolders) -> Iterator[tuple[str, str, str, str]]:
    """Each secret of a connection that is no Key Vault reference."""
    for c, connection in enumerate(holders.connections):
        credentials = connection.credentials
        secrets: dict[str, object] = {}
        if isinstance(credentials, ApiKeyCredentials):
            secrets = {"key": credentials.key}
        elif isinstance(credentials, PatCredentials):
            secrets = {"pat": credentials.pat}
        elif isinstance(credentials, UsernamePasswordCredentials):
            secrets = {"password": credentials.password}
        elif isinstance(credentials, CustomKeysCredentials):
            secrets = {_member("keys", k): v for k, v in sorted(credentials.keys.items())}
        named = f"{holders.named}.connections[{connection.name}].credentials"
        indexed = f"{holders.indexed}.connections[{c}].credentials"
        for key, value in secrets.items():
            if isinstance(value, SecretStr):
                what = f"connection {connection.name}'s {key}"
                yield f"{named}.{key}", f"{indexed}.{key}", value.get_secret_value(), what


def _environment_credentials(holders: SecretHolders) -> Iterator[tuple[str, str, str, str]]:
    """Each environment variable of an online deployment whose name looks like a secret."""
    for e, endpoint in enumerate(holders.endpoints):
        for n, deployment in enumerate(endpoint.deployments):
            named = (
                f"{holders.named}.endpoints[{endpoint.name}]"
                f".deployments[{deployment.name}].environmentVariables"
            )
            indexed = f"{holders.indexed}.endpoints[{e}].deployments[{n}].environmentVariables"
            for name, value in sorted(deployment.environment_variables.items()):
                if looks_secret(name):
                    what = (
                        f"environment variable {name} (its name looks like a secret: "
                        "infra/secret_config.py)"
                    )
                    yield _member(named, name), _member(indexed, name), value, what


def _member(path: str, name: str) -> str:
    """``path.name``, or ``path["name"]`` when Pulumi's --path syntax needs the brackets."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"{path}.{name}"
    return f'{path}["{name}"]'


def strings_in(value: Any) -> list[str]:
    """Every string in a config value (nested mappings and lists included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def secure_paths(value: Any, path: str = "") -> frozenset[str]:
    """The Pulumi config paths (``workspaces[0].connections[1].credentials.key``) of every
    ``{secure: ...}`` value in `value` (a stack file's config value under `path`)."""
    return masked_secure(value, path)[1]


def masked_secure(value: Any, path: str = "") -> tuple[Any, frozenset[str]]:
    """`value` (a stack file's config value under the config path `path`) with every
    ``{secure: ...}`` in it replaced by `SECRET_MASK`, and the paths of those (`secure_paths`):
    what the offline plan passes the program (`infra.plan.stack_files`)."""
    found: list[tuple[str | int, ...]] = []
    shown = _masked(value, (path,) if path else (), found)
    return shown, frozenset(_config_path(at) for at in found)


def _masked(value: Any, at: tuple[str | int, ...], found: list[tuple[str | int, ...]]) -> Any:
    """`value` masked; the place of each secure value, as its keys and indexes, added to
    `found` (made a path only then: a stack file has thousands of values and few secrets)."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            found.append(at)
            return SECRET_MASK
        return {key: _masked(item, (*at, str(key)), found) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, (*at, i), found) for i, item in enumerate(value)]
    return value


def _config_path(at: tuple[str | int, ...]) -> str:
    """``("workspaces", 0, "name")`` -> ``workspaces[0].name`` (keys as `_member` writes them)."""
    path = ""
    for part in at:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = _member(path, part) if path else part
    return path


def stack_file_secure_paths(stack_file: Path, namespace: str) -> frozenset[str] | None:
    """The secure paths of the `namespace` keys of a ``Pulumi.<stack>.yaml`` (keys without the
    namespace), or None when the file cannot be read (then config came from elsewhere)."""
    try:
        document = load_yaml(stack_file.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    config = document.get("config") if isinstance(document, Mapping) else None
    if not isinstance(config, Mapping):
        return None
    paths: set[str] = set()
    for key, value in config.items():
        name = str(key)
        if ":" in name and not name.startswith(f"{namespace}:"):
            continue
        paths |= secure_paths(value, name.removeprefix(f"{namespace}:"))
    return frozenset(paths)
