"""Each rule of the baseline says which stack config key makes it hold (or that none does)."""

from __future__ import annotations

import re

from infra.policy import RULES
from infra.policy.fixes import CONFIG_FIXES, config_fix
from infra.reference import stack_schema


def test_every_rule_has_an_entry() -> None:
    assert set(CONFIG_FIXES) == {rule.id for rule in RULES}


def test_the_keys_named_exist_in_the_workspace_config() -> None:
    workspace = stack_schema()["$defs"]["WorkspaceConfig"]["properties"]
    for rule, fix in CONFIG_FIXES.items():
        if fix is not None:
            assert re.split(r"[.\[:]", fix)[0] in workspace, rule


def test_a_fix_is_shown_under_the_workspace_or_the_stack_registry() -> None:
    assert (
        config_fix("storage-geo-redundant", "vision")
        == "amlstack:workspaces[vision].storage.sku: Standard_GRS"
    )
    assert config_fix("stateful-protected", None) == "amlstack:registry.protect: true"
    assert config_fix("storage-geo-redundant", None) is None
    assert config_fix("storage-tls12", "vision") is None
