"""What the program does about replacements, for ``pulumi up`` and the CrossGuard pack.

Three things, through one stack transformation that sees every resource as it registers:

- **What Azure cannot change in place is replaced.** A resource whose type has inputs Azure
  fixes at creation although the provider would send an update (the ``createOnly`` paths of
  `infra.plan.create_only`: a location, a workspace's ``hbiWorkspace``, a deployment's
  ``instanceType``, a cluster's ``vmSize``) gets ``replace_on_changes`` for them and
  ``delete_before_replace`` (its Azure name stays the same, so the old one must go first). A
  change there is then a replacement that ``pulumi up`` can make, instead of an update that
  Azure refuses or silently ignores; the offline plan shows it, and its data-loss guard
  (`infra.plan.guard`) stops the ones that lose data or live traffic.
- **Allowed replacements go through.** A resource named in ``amlstack:allowReplace`` loses
  ``protect``: Pulumi replaces a resource whose protect is lifted in the same run (its step
  generator checks the new and the old flag), so an intended replacement needs no manual
  ``pulumi state unprotect``.
- **The next run can compare.** `ReplacementKeys.output` is the stack output
  ``replacementKeys`` (`infra.previous.REPLACEMENT_KEYS_OUTPUT`): for every resource the guard
  watches (stateful types, online deployments and their traffic split), its URN, type, name and
  the inputs that decide a replacement, as the plan records them. The next ``pulumi preview``
  reads the deployed copy back through the own-stack StackReference, and the CrossGuard pack
  (`infra.policy.pack`) compares the two with the plan's own rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from infra.plan.create_only import rules_for
from infra.plan.guard import DEPLOYMENT, STATEFUL, TRAFFIC

__all__ = ["ReplacementKeys", "allowed_name", "track_replacements"]

_WATCHED = frozenset({*STATEFUL, DEPLOYMENT, TRAFFIC})
_TRAFFIC_INPUTS = ("traffic",)
"""Beyond its replacing inputs, what the guard reads of a traffic split: the live shares."""
_HUMP = re.compile(r"(?<!^)(?=[A-Z])")


def allowed_name(entry: str) -> tuple[str, str] | None:
    """(type, name) of an ``allowReplace`` URN entry; None for an entry that is a name."""
    if not entry.startswith("urn:pulumi:"):
        return None
    parts = entry.split("::")
    return parts[-2].split("$")[-1], parts[-1]


@dataclass
class ReplacementKeys:
    """The watched resources registered so far, and their replacing inputs."""

    entries: list[tuple[pulumi.Resource, dict[str, Any]]] = field(default_factory=list)

    def output(self) -> pulumi.Output[dict[str, Any]]:
        """The stack output's value: URN -> {type, name, inputs, replaceOnChanges}."""
        urns = [resource.urn for resource, _ in self.entries]
        values = [key for _, key in self.entries]
        return pulumi.Output.all(pulumi.Output.all(*urns), pulumi.Output.from_input(values)).apply(
            lambda both: dict(zip(both[0], both[1], strict=True))
        )


def track_replacements(allow: Iterable[str]) -> ReplacementKeys:
    """Register the stack transformation, with the ``allowReplace`` entries `allow`; the keys of
    the watched resources collect in the result as they register."""
    names = {entry for entry in allow if allowed_name(entry) is None}
    urns = {found for entry in allow if (found := allowed_name(entry)) is not None}
    keys = ReplacementKeys()

    def transformation(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.resource, pulumi.CustomResource):
            return None
        allowed = args.name in names or (args.type_, args.name) in urns
        options = _replaceable(args.type_, allowed=allowed)
        if args.type_ in _WATCHED:
            replaced = (options.replace_on_changes if options else None) or []
            keys.entries.append((args.resource, _key(args, replaced)))
        if options is None:
            return None
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, options)
        )

    pulumi.runtime.register_stack_transformation(transformation)
    return keys


def _replaceable(type_: str, *, allowed: bool) -> pulumi.ResourceOptions | None:
    """The options that make a resource of `type_` replaced where Azure cannot update it (lists
    add up with the component's own), and unprotected when `allowed`; None: nothing to add."""
    rules = rules_for(type_)
    fixed = [p.replace("[]", "[*]") for p in rules.fixed_paths] if rules else []
    if not fixed and not allowed:
        return None
    return pulumi.ResourceOptions(
        replace_on_changes=fixed or None,
        delete_before_replace=True if fixed else None,
        protect=False if allowed else None,
    )


def _key(args: pulumi.ResourceTransformationArgs, replaced: list[str]) -> dict[str, Any]:
    """One entry of the stack output: type, name, the inputs that decide a replacement and the
    ``replace_on_changes`` the program adds."""
    return {
        "type": args.type_,
        "name": args.name,
        "inputs": _key_inputs(args),
        "replaceOnChanges": replaced,
    }


def _key_inputs(args: pulumi.ResourceTransformationArgs) -> dict[str, Any]:
    """The inputs that decide whether `args`' resource is replaced, nested as the plan records
    them (camelCase paths: ``{"properties": {"instanceType": ...}}``)."""
    rules = rules_for(args.type_)
    paths = [*rules.replaces, *rules.fixed_paths] if rules else []
    if args.type_ == TRAFFIC:
        paths += _TRAFFIC_INPUTS
    found: dict[str, Any] = {}
    for path in sorted(p for p in paths if "[]" not in p):
        value = _value_at(args.props, path.split("."))
        if value is not None:
            _put(found, path.split("."), value)
    return found


def _value_at(value: Any, segments: list[str]) -> Any:
    """The input at a camelCase path of a resource's props (Python names, input-type objects,
    Outputs), or None."""
    for index, segment in enumerate(segments):
        if value is None:
            return None
        if isinstance(value, pulumi.Output):
            return value.apply(functools.partial(_resolved_at, segments[index:]))
        value = _member(value, segment)
    return value


def _resolved_at(segments: list[str], value: Any) -> Any:
    return _value_at(value, segments)


def _member(value: Any, camel: str) -> Any:
    snake = _HUMP.sub("_", camel).lower()
    if isinstance(value, Mapping):
        return value.get(camel, value.get(snake))
    return getattr(value, snake, None)


def _put(target: dict[str, Any], segments: list[str], value: Any) -> None:
    for segment in segments[:-1]:
        target = target.setdefault(segment, {})
    target[segments[-1]] = value
