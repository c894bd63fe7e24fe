"""Secrets in stack config: which values are ``secure:``, and which secrets are written in plain
text where only a secure value or a Key Vault reference belongs.

``pulumi config set --secret --path 'workspaces[0].connections[0].credentials.key' <value>``
stores that one value encrypted (``key: {secure: v1:...}``) in ``Pulumi.<stack>.yaml``; the
program receives it decrypted, with the whole top-level key (``workspaces``) marked secret, so
the stack file is what tells which value was secure (`secure_paths`). Without the file (config
from elsewhere) a secret is accepted when its top-level key is secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.args import item_key

__all__ = ["PlainSecret", "plain_text_secrets", "secure_paths", "stack_file_secure_paths"]

_SECRET_FIELDS = {"ApiKey": ("key",), "PAT": ("pat",), "UsernamePassword": ("password",)}
"""The secret fields of each connection credential type (CustomKeys: every key of ``keys``)."""


def secure_paths(value: Any, path: str = "") -> frozenset[str]:
    """The Pulumi config paths (``workspaces[0].connections[1].credentials.key``) of every
    ``{secure: ...}`` value in `value` (a stack file's config value under `path`)."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return frozenset({path})
        return frozenset(
            p
            for key, item in value.items()
            for p in secure_paths(item, f"{path}.{key}" if path else str(key))
        )
    if isinstance(value, list):
        return frozenset(
            p for i, item in enumerate(value) for p in secure_paths(item, f"{path}[{i}]")
        )
    return frozenset()


def stack_file_secure_paths(stack_file: Path, namespace: str) -> frozenset[str] | None:
    """The secure paths of the `namespace` keys of a ``Pulumi.<stack>.yaml`` (keys without the
    namespace), or None when the file cannot be read (then config came from elsewhere)."""
    try:
        document = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
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


@dataclass(frozen=True)
class PlainSecret:
    """A secret written in plain text: where (items by name), and its Pulumi config path."""

    field: str
    """``workspaces[main].connections[openai].credentials.key``."""
    config_path: str
    """``workspaces[0].connections[0].credentials.key``, for ``pulumi config set --path``."""


def plain_text_secrets(
    raw: Mapping[str, Any], *, secure: frozenset[str] | None, secret_keys: frozenset[str]
) -> list[PlainSecret]:
    """The connection secrets of `raw` (config keys without the namespace) that are neither
    secure values nor Key Vault references. `secure` are the stack file's secure paths (None:
    unknown, then a value under a secret top-level key in `secret_keys` counts as secure)."""
    found = []
    for field, path, value in _connection_secrets(raw.get("workspaces"), "workspaces"):
        if isinstance(value, Mapping):
            continue  # {keyVaultSecret: ...}
        if secure is not None and path in secure:
            continue
        if secure is None and path.split("[")[0].split(".")[0] in secret_keys:
            continue
        found.append(PlainSecret(field, path))
    return found


def _connection_secrets(
    workspaces: Any, at: str, named: str | None = None
) -> Iterator[tuple[str, str, Any]]:
    """(named field, config path, value) of each secret field of each connection, hubs'
    projects included."""
    if not isinstance(workspaces, list):
        return
    named = named or at
    for index, workspace in enumerate(workspaces):
        if not isinstance(workspace, Mapping):
            continue
        here, here_named = f"{at}[{index}]", f"{named}{item_key(workspace, index)}"
        yield from _connection_secrets(
            workspace.get("projects"), f"{here}.projects", f"{here_named}.projects"
        )
        connections = workspace.get("connections")
        for position, connection in enumerate(connections if isinstance(connections, list) else []):
            credentials = connection.get("credentials") if isinstance(connection, Mapping) else None
            if not isinstance(credentials, Mapping):
                continue
            path = f"{here}.connections[{position}].credentials"
            field = f"{here_named}.connections{item_key(connection, position)}.credentials"
            for key in _SECRET_FIELDS.get(str(credentials.get("type")), ()):
                if key in credentials:
                    yield f"{field}.{key}", f"{path}.{key}", credentials[key]
            keys = credentials.get("keys") if credentials.get("type") == "CustomKeys" else None
            for name, value in keys.items() if isinstance(keys, Mapping) else ():
                yield f"{field}.keys.{name}", f"{path}.keys.{name}", value
