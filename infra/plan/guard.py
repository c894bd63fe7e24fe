"""The data-loss guard: changes since the deployed plan that ``pulumi up`` must not make unasked.

Three findings, each a mandatory policy result (the plan exits 3):

- `DATA_LOSS`: a replacement or delete of a stateful resource (`STATEFUL`: what is lost with
  it), or the replacement of an online deployment that carries live traffic (it is deleted
  before it is re-created, so its share of the requests fails meanwhile). Intended ones are
  named in ``amlstack:allowReplace`` (a URN or a resource name): the finding is then ``waived``.
- `CREATE_ONLY`: an update of an input Azure cannot change in place (the provider sends it,
  Azure refuses or ignores it). Naming the resource in ``amlstack:allowReplace`` makes the
  program replace it instead (`infra.replacements`), which the plan then shows.
- `SAME_AZURE_NAME`: a resource created under a new URN while the old URN, the same Azure
  resource, is deleted: ``pulumi up`` creates first and the create fails ("already exists").
  A rename needs an alias.
- `SOFT_DELETED_NAME`: the replacement of a key vault or workspace under the same Azure name:
  the delete leaves it soft-deleted, its name taken, and the re-create fails (SECURITY_BASELINE,
  data-loss guards; a purge-protected vault cannot even be purged). No allow entry helps: give
  it a new name (a new resource group or ``name``), or delete it and re-create it in two
  deployments with a purge between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from components.recording import RecordedResource
from infra.plan.changes import Change, Diff, show_value
from infra.plan.create_only import rules_for
from infra.plan.model import PolicyResult, short_type
from infra.policy.evaluate import allowed_by

__all__ = [
    "CREATE_ONLY",
    "DATA_LOSS",
    "DEPLOYMENT",
    "GUARD_POLICIES",
    "SAME_AZURE_NAME",
    "SOFT_DELETED",
    "SOFT_DELETED_NAME",
    "STATEFUL",
    "TRAFFIC",
    "Guarded",
    "guard",
    "live_traffic",
]

DATA_LOSS = "no-unintended-data-loss"
CREATE_ONLY = "no-in-place-create-only-change"
SAME_AZURE_NAME = "no-create-over-a-deleted-resource"
SOFT_DELETED_NAME = "no-re-create-of-a-soft-deleted-name"
GUARD_POLICIES = (DATA_LOSS, CREATE_ONLY, SAME_AZURE_NAME, SOFT_DELETED_NAME)

DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
TRAFFIC = "pulumi-python:dynamic/amlstack:EndpointTraffic"

STATEFUL: Mapping[str, str] = {
    "azure-native:resources:ResourceGroup": "every resource in the group is deleted with it",
    "azure-native:storage:StorageAccount": "its blobs, files and tables are deleted with it",
    "azure-native:storage:BlobContainer": "its blobs are deleted with it",
    "azure-native:storage:FileShare": "its files are deleted with it",
    "azure-native:keyvault:Vault": (
        "its secrets, keys and certificates go with it, and its name stays taken while it is "
        "soft-deleted"
    ),
    "azure-native:containerregistry:Registry": "its images are deleted with it",
    "azure-native:machinelearningservices:Workspace": (
        "its runs, models, data assets and endpoints go with it, and its name stays taken for "
        "14 days (soft delete)"
    ),
    "azure-native:machinelearningservices:Datastore": (
        "data assets and jobs that refer to it by name stop resolving"
    ),
    "azure-native:machinelearningservices:Registry": (
        "every model and environment shared through it is deleted with it"
    ),
}
"""Types whose replacement or delete loses data, and what is lost."""

SOFT_DELETED: Mapping[str, str] = {
    "azure-native:keyvault:Vault": (
        "a deleted key vault stays soft-deleted (7-90 days; a purge-protected one cannot be "
        "purged), its name taken"
    ),
    "azure-native:machinelearningservices:Workspace": (
        "a deleted workspace stays soft-deleted for 14 days, its name taken in the resource group "
        "('Soft-deleted workspace exists')"
    ),
}
"""Types whose deleted resources keep their name taken: a same-name re-create fails."""


@dataclass(frozen=True)
class Guarded:
    """What the guard found, and which ``allowReplace`` entries allowed nothing."""

    results: tuple[PolicyResult, ...]
    unused_allows: tuple[str, ...]


def live_traffic(resources: Iterable[RecordedResource]) -> dict[str, int]:
    """Deployment URN -> its share of live traffic (percent) in the split of these resources."""
    resources = list(resources)
    splits: dict[str, Mapping[str, object]] = {}
    for resource in resources:
        if resource.type == TRAFFIC and isinstance(resource.inputs.get("traffic"), dict):
            splits[str(resource.inputs.get("endpointId", ""))] = resource.inputs["traffic"]
    shares: dict[str, int] = {}
    for resource in resources:
        if resource.type != DEPLOYMENT:
            continue
        inputs = resource.inputs
        suffix = f"/workspaces/{inputs.get('workspaceName')}/onlineEndpoints/"
        suffix += str(inputs.get("endpointName"))
        split = next((s for e, s in splits.items() if e.endswith(suffix)), {})
        share = split.get(str(inputs.get("deploymentName")), 0)
        if isinstance(share, int) and share > 0:
            shares[resource.urn] = share
    return shares


def guard(found: Sequence[Change], *, allow: Sequence[str], live: Mapping[str, int]) -> Guarded:
    """The guard's findings over `found` (changes in step order); `live` is each deployment's
    share of live traffic as deployed (`live_traffic` of the old plan)."""
    results: list[PolicyResult] = []
    used: set[str] = set()
    deleted = {
        identity: c.resource
        for c in found
        if c.op == "delete" and (identity := _azure_identity(c.resource)) is not None
    }
    for change in found:
        resource = change.resource
        message = _data_loss(change, live)
        entry = allowed_by(allow, resource.urn, resource.name)
        if message is not None and entry is not None:
            used.add(entry)
            results.append(_result(DATA_LOSS, resource, "waived", _allowed(message, entry)))
        elif message is not None:
            results.append(_result(DATA_LOSS, resource, "mandatory", _refused(message, change)))
        fixed = [d for d in change.diffs if d.fixed] if change.op == "update" else []
        if fixed:
            results.append(_result(CREATE_ONLY, resource, "mandatory", _create_only(change, fixed)))
        identity = _azure_identity(resource) if change.op == "create" else None
        if identity is not None and identity in deleted:
            message = _same(resource, deleted[identity])
            results.append(_result(SAME_AZURE_NAME, resource, "mandatory", message))
        if _recreated_under_its_name(change) and resource.type in SOFT_DELETED:
            message = _soft_deleted(resource)
            results.append(_result(SOFT_DELETED_NAME, resource, "mandatory", message))
    return Guarded(tuple(results), tuple(entry for entry in allow if entry not in used))


def _data_loss(change: Change, live: Mapping[str, int]) -> str | None:
    """What a replacement or delete loses, or None when it loses nothing."""
    resource = change.resource
    what = f"{short_type(resource.type)} {resource.name}"
    if change.op not in ("replace", "delete"):
        return None
    if resource.type in STATEFUL:
        verb = "replaced" if change.op == "replace" else "deleted"
        return f"{what} would be {verb}{_reason(change)}: {STATEFUL[resource.type]}"
    if resource.type != DEPLOYMENT or change.op != "replace" or not change.delete_first:
        return None
    share = live.get(change.old.urn if change.old else resource.urn, 0)
    if not share:
        return None
    message = (
        f"{what} carries {share}% of the endpoint's live traffic and would be deleted before "
        f"it is re-created{_reason(change)}: those requests fail until the new one is up"
    )
    if any(d.replaces for d in change.diffs):
        message += (
            ". Roll instead: add a deployment with the new settings at 0% traffic, shift the "
            "traffic to it, then remove this one (docs/guides/what-the-plan-guarantees.md, "
            '"Changing what a live deployment runs on")'
        )
    return message


def _reason(change: Change) -> str:
    replacing = [d for d in change.diffs if d.replaces]
    if replacing:
        return f" ({_shown(replacing)} forces replacement)"
    if change.because:
        return f" ({change.because})"
    return ""


def _refused(message: str, change: Change) -> str:
    resource = change.resource
    allow = f"add it to amlstack:allowReplace (- {resource.name})"
    if not resource.protect:
        return f"{message}. If that is intended, {allow}"
    if change.op == "replace":
        return (
            f"{message}. It is protected, so pulumi up stops before deleting it; if the "
            f"replacement is intended, {allow}, which also lifts its protect"
        )
    return (
        f"{message}. It is protected, so pulumi up stops before deleting it; if that is "
        f"intended, {allow} and run 'pulumi state unprotect {resource.urn}' first"
    )


def _allowed(message: str, entry: str) -> str:
    return f"{message}; allowed by amlstack:allowReplace ({entry})"


def _create_only(change: Change, fixed: Sequence[Diff]) -> str:
    resource = change.resource
    return (
        f"{short_type(resource.type)} {resource.name}: Azure cannot change {_shown(fixed)} in "
        "place, "
        "so pulumi up would fail or leave it unchanged. Either keep the old value, or name the "
        f"resource in amlstack:allowReplace (- {resource.name}) to have it deleted and "
        "re-created with the new value"
    )


def _same(resource: RecordedResource, twin: RecordedResource) -> str:
    return (
        f"{short_type(resource.type)} {resource.name} is a new resource for pulumi up but the "
        f"same Azure resource as {twin.urn}, which is deleted only after the creates: the create "
        "fails ('already exists'). Keep the old name, or give the resource an alias of its old "
        "URN (Pulumi 'aliases')"
    )


def _recreated_under_its_name(change: Change) -> bool:
    if change.op != "replace" or not change.delete_first or change.old is None:
        return False
    identity = _azure_identity(change.resource)
    return identity is not None and identity == _azure_identity(change.old)


def _soft_deleted(resource: RecordedResource) -> str:
    return (
        f"{short_type(resource.type)} {resource.name} would be deleted and re-created under the "
        f"same Azure name, but {SOFT_DELETED[resource.type]}: the re-create fails. Give it a new "
        "name (its own name setting, or a new resource group), or remove it in one deployment "
        "and add it back in the next after purging it"
    )


def _azure_identity(resource: RecordedResource) -> tuple[str, ...] | None:
    """The Azure resource `resource` is, from the inputs its ARM id is made of (the type's path
    parameters), or None when they are not known."""
    rules = rules_for(resource.type)
    if rules is None or not resource.type.startswith("azure-native:"):
        return None
    keys = rules.path_parameters
    values = [resource.inputs.get(key) for key in keys]
    if not keys or not all(isinstance(v, str) for v in values):
        return None
    return (resource.type, *(str(v) for v in values))


def _shown(diffs: Iterable[Diff]) -> str:
    return "; ".join(f"{d.path}: {show_value(d.old)} -> {show_value(d.new)}" for d in diffs)


def _result(policy: str, resource: RecordedResource, level: str, message: str) -> PolicyResult:
    return PolicyResult(policy, resource.urn, level, message)
