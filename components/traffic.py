"""Traffic and mirror-traffic splits of an online endpoint: the rules Azure enforces, checked early.

Azure applies a split only after the deployments it names exist, and rejects it when the numbers
are wrong, after minutes of provisioning. These plain functions check the same rules before
anything is registered, and give the complete split the traffic resource applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["MAX_MIRROR_PERCENT", "complete_split", "mirror_problems", "traffic_problems"]

MAX_MIRROR_PERCENT = 50
"""Azure mirrors at most 50% of an endpoint's requests (to one deployment)."""


def traffic_problems(traffic: Mapping[str, int], deployments: Sequence[str]) -> list[str]:
    """Why `traffic` is not a valid live split over `deployments` (empty when it is).

    Every named deployment must exist; each share is an integer from 0 to 100; the shares sum to
    100, or to 0 when the endpoint has no deployments.
    """
    problems = _shape_problems(traffic, deployments, limit=100)
    if problems:
        return problems
    total = sum(traffic.values())
    expected = 100 if deployments else 0
    if total != expected:
        what = "with no deployments, traffic must be empty" if not deployments else ""
        what = what or f"percentages must sum to 100 across {', '.join(deployments)}"
        problems.append(f"{what}; these sum to {total}")
    return problems


def mirror_problems(
    mirror: Mapping[str, int], traffic: Mapping[str, int], deployments: Sequence[str]
) -> list[str]:
    """Why `mirror` is not a valid mirror split (empty when it is).

    Mirror traffic copies up to 50% of requests to one deployment that gets no live traffic
    (its answers are discarded); every named deployment must exist.
    """
    problems = _shape_problems(mirror, deployments, limit=MAX_MIRROR_PERCENT)
    if problems:
        return problems
    targets = sorted(name for name, share in mirror.items() if share)
    if len(targets) > 1:
        problems.append(f"mirror to one deployment only, not {', '.join(targets)}")
    live = [name for name in targets if traffic.get(name, 0)]
    problems += [
        f"{name!r} gets {traffic[name]}% live traffic; mirror only to a deployment with 0% live "
        "traffic"
        for name in live
    ]
    return problems


def complete_split(split: Mapping[str, int], deployments: Sequence[str]) -> dict[str, int]:
    """`split` over every deployment, in deployment order: the ones it leaves out get 0."""
    return {name: split.get(name, 0) for name in deployments}


def _shape_problems(
    split: Mapping[str, int], deployments: Sequence[str], *, limit: int
) -> list[str]:
    known = ", ".join(deployments) or "none"
    problems = [
        f"{name!r} is not a deployment of this endpoint (deployments: {known})"
        for name in split
        if name not in deployments
    ]
    problems += [
        f"{name!r}: {share!r} must be an integer from 0 to {limit}"
        for name, share in split.items()
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= limit
    ]
    return problems
