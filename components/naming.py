"""Deterministic, valid Azure names: derived from project, stack and a stable suffix, never random.

Azure keeps deleted workspaces and key vaults soft-deleted (their names stay taken), so a name must
come out the same on every run. Names that are too long are shortened by replacing their tail with
a hash of the full name, so two long names that differ only at the end still differ.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from components.errors import ConfigError

__all__ = [
    "APP_INSIGHTS",
    "ARM_ID_PREFIX",
    "BATCH_DEPLOYMENT",
    "BATCH_ENDPOINT",
    "COMPUTE_CLUSTER",
    "COMPUTE_INSTANCE",
    "CONTAINER_REGISTRY",
    "DATASTORE",
    "ENVIRONMENT",
    "KEY_VAULT",
    "LOG_ANALYTICS",
    "ML_REGISTRY",
    "MONITOR_SCOPE",
    "ONLINE_DEPLOYMENT",
    "ONLINE_ENDPOINT",
    "OUTBOUND_RULE",
    "PRIVATE_ENDPOINT",
    "RESOURCE_GROUP",
    "SCHEDULE",
    "STORAGE_ACCOUNT",
    "STORAGE_CONTAINER",
    "USER_IDENTITY",
    "WORKSPACE",
    "NameRule",
    "WorkspaceNames",
    "check_arm_id",
    "check_key",
    "check_name",
    "check_subnet_id",
    "derive_name",
    "unique_suffix",
    "workspace_names",
]

_DIGEST_LENGTH = 6


@dataclass(frozen=True)
class NameRule:
    """What Azure accepts as the name of one kind of resource, and how amlstack derives it."""

    kind: str
    prefix: str
    min_length: int
    max_length: int
    pattern: str
    allowed: str
    separator: str = "-"

    def accepts(self, name: str) -> bool:
        return (
            self.min_length <= len(name) <= self.max_length
            and re.fullmatch(self.pattern, name) is not None
        )

    def require(self, name: str) -> str:
        """`name` when Azure accepts it, else ValueError saying what is allowed (for validators)."""
        if not self.accepts(name):
            raise ValueError(f"{self.article} {self.kind} name must be {self.allowed}")
        return name

    @property
    def article(self) -> str:
        return "an" if self.kind[0] in "aeiou" else "a"


_ALNUM_HYPHEN = (
    "letters, digits and single hyphens, starting with a letter and ending with a letter or digit"
)

RESOURCE_GROUP = NameRule(
    "resource group",
    "rg",
    1,
    90,
    r"[-\w.()]*[-\w()]",
    "1-90 letters, digits, - _ . ( ), not ending in '.'",
)
WORKSPACE = NameRule(
    "workspace",
    "mlw",
    3,
    33,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    "3-33 letters, digits, '-' or '_', starting with a letter or digit",
)
STORAGE_ACCOUNT = NameRule(
    "storage account",
    "st",
    3,
    24,
    r"[a-z0-9]+",
    "3-24 lowercase letters and digits, globally unique",
    separator="",
)
KEY_VAULT = NameRule(
    "key vault",
    "kv",
    3,
    24,
    r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]",
    f"3-24 {_ALNUM_HYPHEN}, globally unique",
)
CONTAINER_REGISTRY = NameRule(
    "container registry",
    "cr",
    5,
    50,
    r"[a-zA-Z0-9]+",
    "5-50 letters and digits, globally unique",
    separator="",
)
LOG_ANALYTICS = NameRule(
    "log analytics workspace",
    "log",
    4,
    63,
    r"[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]",
    "4-63 letters, digits and hyphens, starting and ending with a letter or digit",
)
APP_INSIGHTS = NameRule(
    "application insights",
    "appi",
    1,
    255,
    r"[a-zA-Z0-9][a-zA-Z0-9_.-]*",
    "1-255 letters, digits, '-', '_' or '.'",
)
USER_IDENTITY = NameRule(
    "user-assigned identity",
    "id",
    3,
    128,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    "3-128 letters, digits, '-' or '_', starting with a letter or digit",
)
ML_REGISTRY = NameRule(
    "machine learning registry",
    "mlr",
    3,
    33,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    "3-33 letters, digits, '-' or '_', starting with a letter or digit",
)
ONLINE_ENDPOINT = NameRule(
    "online endpoint",
    "ept",
    3,
    32,
    r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]",
    f"3-32 {_ALNUM_HYPHEN}, unique in the region",
)
ONLINE_DEPLOYMENT = NameRule(
    "online deployment",
    "",
    3,
    32,
    r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]",
    f"3-32 {_ALNUM_HYPHEN}",
)
OUTBOUND_RULE = NameRule(
    "outbound rule",
    "",
    3,
    33,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}",
    "3-33 letters, digits, '_' or '-', starting with a letter or digit, unique in the workspace",
)
MONITOR_SCOPE = NameRule(
    "Azure Monitor private link scope",
    "ampls",
    1,
    64,
    r"[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?",
    "1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
)
BATCH_ENDPOINT = NameRule(
    "batch endpoint",
    "bep",
    3,
    32,
    r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]",
    f"3-32 {_ALNUM_HYPHEN}, unique in the region (online and batch endpoints share it)",
)
BATCH_DEPLOYMENT = NameRule(
    "batch deployment",
    "",
    3,
    32,
    r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]",
    f"3-32 {_ALNUM_HYPHEN}",
)
SCHEDULE = NameRule(
    "schedule",
    "",
    1,
    255,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    "1-255 letters, digits, '-' or '_', starting with a letter or digit",
)
PRIVATE_ENDPOINT = NameRule(
    "private endpoint",
    "pe",
    2,
    64,
    r"[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?",
    "2-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
)
COMPUTE_CLUSTER = NameRule(
    "compute cluster", "", 2, 16, r"[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?", f"2-16 {_ALNUM_HYPHEN}"
)
COMPUTE_INSTANCE = NameRule(
    "compute instance",
    "",
    3,
    24,
    r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]",
    f"3-24 {_ALNUM_HYPHEN}, unique in the region",
)
DATASTORE = NameRule(
    "datastore",
    "",
    1,
    255,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    "1-255 letters, digits, '-' or '_', starting with a letter or digit",
)
ENVIRONMENT = NameRule(
    "environment",
    "",
    1,
    255,
    r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    "1-255 letters, digits, '-' or '_', starting with a letter or digit",
)
STORAGE_CONTAINER = NameRule(
    "blob container, file system or file share",
    "",
    3,
    63,
    r"[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]",
    "3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
)


def unique_suffix(*seed: str, length: int = _DIGEST_LENGTH) -> str:
    """A short, stable, lowercase hex digest of `seed` (like Bicep's ``uniqueString``)."""
    return hashlib.sha256("\x1f".join(seed).encode()).hexdigest()[:length]


def derive_name(rule: NameRule, *parts: str, unique: str = "") -> str:
    """The Azure name for `parts` under `rule`: cleaned, joined, suffixed with `unique`, shortened.

    Characters Azure does not accept become the rule's separator (or are dropped when it has none);
    a name longer than the limit keeps its start and gets a hash of the whole name as its end.
    """
    sep = rule.separator
    base = sep.join(token for token in (_clean(p, sep) for p in (rule.prefix, *parts)) if token)
    tail = unique
    if not tail and (len(base) > rule.max_length or len(base) < rule.min_length or not base):
        tail = unique_suffix(base)
    if tail:
        room = rule.max_length - len(tail) - len(sep)
        head = base[:room].rstrip("-_")
        base = f"{head}{sep}{tail}" if head else tail
    if not rule.accepts(base):
        # Only a rule whose start must be a letter can get here (a digest starting with a digit).
        base = derive_name(rule, "x", base)
    return base


_KEY = re.compile(r"[a-z][a-z0-9-]{0,22}[a-z0-9]")


def check_key(value: str) -> str:
    """Return `value` when it is a valid config key (``main``, ``team-vision``), else ValueError.

    Keys name workspaces, endpoints and registries in stack config; Azure names derive from them.
    """
    if not _KEY.fullmatch(value):
        raise ValueError(
            "expected 2-24 lowercase letters, digits and hyphens, starting with a letter "
            "and ending with a letter or digit"
        )
    return value


def check_name(rule: NameRule, name: str, *, field: str) -> str:
    """Return `name` when Azure accepts it as a `rule.kind` name, else raise `ConfigError`."""
    if not rule.accepts(name):
        raise ConfigError.single(
            field, name, f"{rule.article} {rule.kind} name must be {rule.allowed}"
        )
    return name


ARM_ID_PREFIX = (
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/(?P<group>[-\w.()]+)"
    r"/providers/"
)
"""A regex of an ARM id up to ``/providers/`` (groups ``subscription`` and ``group``): the one
grammar of `check_arm_id` and `components.private_link.parse_resource_id`."""


def check_arm_id(value: str, *, kind: str, provider_path: str, shape: str) -> str:
    """Return `value` when it is the ARM id of a `kind` resource (`provider_path`: a regex of the
    part after ``/providers/``), else raise ValueError showing the expected `shape` of that part."""
    if re.fullmatch(ARM_ID_PREFIX + provider_path, value, flags=re.IGNORECASE) is None:
        raise ValueError(
            f"expected a {kind} ARM id: /subscriptions/<subscription GUID>/resourceGroups/<rg>"
            f"/providers/{shape}"
        )
    return value


def check_subnet_id(value: str) -> str:
    """Return `value` when it is the ARM id of a subnet, else raise ValueError."""
    return check_arm_id(
        value,
        kind="subnet",
        provider_path=r"Microsoft\.Network/virtualNetworks/[-\w.]+/subnets/[-\w.]+",
        shape="Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
    )


@dataclass(frozen=True)
class WorkspaceNames:
    """The Azure names of a workspace and of each resource it depends on."""

    workspace: str
    storage_account: str
    key_vault: str
    container_registry: str
    log_analytics: str
    app_insights: str
    identity: str
    data_lake: str
    """The hierarchical-namespace account for ADLS Gen2 datastores (created only when needed)."""


def workspace_names(project: str, stack: str, workspace: str, *, unique: str) -> WorkspaceNames:
    """Names for one workspace of a stack; globally unique ones end with `unique`."""
    parts = (project, stack, workspace)
    return WorkspaceNames(
        workspace=derive_name(WORKSPACE, *parts),
        storage_account=derive_name(STORAGE_ACCOUNT, *parts, unique=unique),
        key_vault=derive_name(KEY_VAULT, *parts, unique=unique),
        container_registry=derive_name(CONTAINER_REGISTRY, *parts, unique=unique),
        log_analytics=derive_name(LOG_ANALYTICS, *parts),
        app_insights=derive_name(APP_INSIGHTS, *parts),
        identity=derive_name(USER_IDENTITY, *parts),
        data_lake=derive_name(STORAGE_ACCOUNT, "dl", *parts, unique=unique),
    )


def _clean(part: str, sep: str) -> str:
    text = re.sub(r"[^a-z0-9]+", sep, part.lower())
    return text.strip("-_")
