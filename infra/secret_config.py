"""Credentials in stack config are Pulumi secrets, never plain text in the stack file (in git).

The credentials: a datastore's account key (``credentials.key``), SAS token
(``credentials.token``) and service principal secret (``credentials.clientSecret``), and each
environment variable of an online deployment whose name looks like a secret (`looks_secret`).
Each must be set with ``pulumi config set --secret --path``, which stores it encrypted
(``secure: v1:...``) under its own key in the stack file.

How precisely that can be checked depends on who runs the program. Pulumi marks config secret
per top-level key: a ``secure:`` value anywhere under ``amlstack:workspaces`` makes the whole key
secret for the program, decrypted (Pulumi's ``config.Map.Set`` stores the key as a secure
object). The offline plan reads the stack file itself and masks exactly the ``secure:`` values
(`infra.plan.stack_files`), so there a credential must be masked at its own path. Under
``pulumi up`` a credential in a key that holds no secret at all is certainly plain text; one in a
key that holds some secret cannot be told apart, and passes (the plan has refused it already).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any

from components.datastore import (
    AccountKeyCredentials,
    DatastoreArgs,
    SasCredentials,
    ServicePrincipalCredentials,
)
from components.endpoint import OnlineEndpointArgs
from components.errors import SECRET_MASK, ConfigProblem

__all__ = [
    "PLAIN_TEXT",
    "SECRET_LAST_WORDS",
    "SECRET_PAIRS",
    "SECRET_WORDS",
    "looks_secret",
    "plain_text_credentials",
    "set_secret_command",
    "strings_in",
]

Assets = Sequence[tuple[str, Sequence[DatastoreArgs], Sequence[OnlineEndpointArgs]]]
"""Each workspace's name, datastores and endpoints, in config order."""

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
    workspaces: Assets, raw: Mapping[str, Any], *, namespace: str, secret_keys: frozenset[str]
) -> list[ConfigProblem]:
    """A problem for each credential of the validated `workspaces` that `raw` (the config as
    read, keys without the namespace) holds in plain text."""
    if "workspaces" not in secret_keys:
        masked: bool | None = None  # nothing under the key is secret
    else:
        masked = SECRET_MASK in strings_in(raw.get("workspaces"))  # the plan masks each secure:
    problems = []
    for named, indexed, value, what in _credentials(workspaces):
        secret = masked is False or (masked is True and value == SECRET_MASK)
        if secret:
            continue
        command = set_secret_command(f"{namespace}:{indexed}")  # Pulumi's --path takes indexes
        problems.append(
            ConfigProblem(
                f"{namespace}:{named}",
                PLAIN_TEXT,
                f"{what} must not be written in the stack file in plain text (it is in git); "
                f"store it encrypted: {command} (Pulumi prompts for the value, or reads it from "
                "standard input)",
            )
        )
    return problems


def _credentials(workspaces: Assets) -> Iterator[tuple[str, str, str, str]]:
    """(config path with items by name, the same by index, value, what it is) of each
    credential in the workspaces."""
    for w, (workspace, datastores, endpoints) in enumerate(workspaces):
        for d, store in enumerate(datastores):
            credentials = store.credentials
            ats = (
                f"workspaces[{workspace}].datastores[{store.name}].credentials",
                f"workspaces[{w}].datastores[{d}].credentials",
            )
            found: tuple[str, str, str] | None = None
            if isinstance(credentials, AccountKeyCredentials):
                found = ("key", credentials.key.get_secret_value(), "a storage account key")
            elif isinstance(credentials, SasCredentials):
                found = ("token", credentials.token.get_secret_value(), "a SAS token")
            elif isinstance(credentials, ServicePrincipalCredentials):
                secret = credentials.client_secret.get_secret_value()
                found = ("clientSecret", secret, "a service principal's client secret")
            if found is not None:
                key, value, what = found
                yield f"{ats[0]}.{key}", f"{ats[1]}.{key}", value, what
        for e, endpoint in enumerate(endpoints):
            for n, deployment in enumerate(endpoint.deployments):
                named = (
                    f"workspaces[{workspace}].endpoints[{endpoint.name}]"
                    f".deployments[{deployment.name}].environmentVariables"
                )
                indexed = f"workspaces[{w}].endpoints[{e}].deployments[{n}].environmentVariables"
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
