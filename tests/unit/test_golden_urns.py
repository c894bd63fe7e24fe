"""Resource URNs are a contract: a changed URN makes ``pulumi up`` replace (delete and recreate)
the resource. Each sample stack's URNs are pinned in tests/golden/<stack>.urns.

An intended rename or move: give the resource ``aliases`` (its old URN) in the same change; the
test accepts a removed URN that a new resource names as an alias. Then update the golden files
with ``AMLSTACK_UPDATE_GOLDEN=1 uv run pytest tests/unit/test_golden_urns.py`` and review the
diff. New resources only add lines.
"""

from __future__ import annotations

import os

import pytest

from infra.plan import Plan
from tests.conftest import ROOT, SAMPLE_STACKS

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("AMLSTACK_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_resource_urns_match_the_golden_file(sample_plans: dict[str, Plan], stack: str) -> None:
    urns = "".join(f"{r.urn}\n" for r in sample_plans[stack].resources)
    golden = GOLDEN / f"{stack}.urns"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(urns)
    assert golden.is_file(), f"{golden} is missing; create it with AMLSTACK_UPDATE_GOLDEN=1"
    expected = golden.read_text().splitlines()
    actual = urns.splitlines()
    aliased = {alias for r in sample_plans[stack].resources for alias in r.aliases}
    removed = sorted(set(expected) - set(actual) - aliased)
    added = sorted(set(actual) - set(expected))
    assert (removed, added) == ([], []), (
        f"URNs of stack {stack!r} changed: removed (would be deleted) {removed}, added {added}. "
        "A rename needs aliases; then AMLSTACK_UPDATE_GOLDEN=1 (see this module's docstring)."
    )
