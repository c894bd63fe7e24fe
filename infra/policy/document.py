"""``docs/security.md``, generated from the rules table, the tier presets, the diagnostic settings
table and the built-ins table, so that the page cannot drift from what the plan checks
(``amlstack policies --markdown > docs/security.md``; a test compares the committed page)."""

from __future__ import annotations

from collections.abc import Iterable

from components.diagnostics import DIAGNOSTIC_SETTING_NAME, DIAGNOSTICS
from infra.policy.builtins import (
    ASSIGNMENT,
    ASSIGNMENT_BY_POLICY,
    BENCHMARK_ID,
    BUILTINS,
    NOT_FOLLOWED,
    builtin,
)
from infra.policy.rules import RULES, Rule
from infra.tiers import PRESETS

__all__ = ["REGENERATE", "security_document"]

REGENERATE = "uv run amlstack policies --markdown > docs/security.md"


def _builtins(ids: Iterable[str]) -> str:
    return ", ".join(builtin(i).label for i in ids) or "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _relaxing(rule: Rule) -> str:
    presets = [f"`{p.key}: {p.value!r}`" for p in PRESETS["dev"] if rule.id in p.rules]
    return ", ".join(presets) or "-"


def _rules() -> list[str]:
    lines = [
        "| rule | checks | tiers | level | Azure built-ins | dev preset relaxing it |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        types = ", ".join(t.removeprefix("azure-native:") for t in rule.resource_types)
        checks = f"{rule.summary}: {types} `{rule.path}` = {rule.required}"
        tiers = " and ".join(sorted(rule.tiers))
        lines.append(
            f"| `{rule.id}` | {_cell(checks)} | {tiers} | {rule.level} | "
            f"{_builtins(rule.builtins)} | {_cell(_relaxing(rule))} |"
        )
    return lines


def _notes() -> list[str]:
    lines = []
    for rule in RULES:
        if rule.note:
            lines += [f"- `{rule.id}`: {rule.note}"]
    return lines


def _presets() -> list[str]:
    lines = [
        "| setting | dev value | relaxes | reason |",
        "|---|---|---|---|",
    ]
    for preset in PRESETS["dev"]:
        relaxed = [f"`{r}`" for r in preset.rules] + [builtin(b).label for b in preset.builtins]
        lines.append(
            f"| `{preset.key}` | `{preset.value!r}` | {', '.join(relaxed) or '-'} | "
            f"{_cell(preset.reason)} |"
        )
    return lines


def _diagnostics() -> list[str]:
    lines = [
        "| resource type | logs | metrics | built-ins |",
        "|---|---|---|---|",
    ]
    for arm_type, profile in DIAGNOSTICS.items():
        logs = [f"group {g}" for g in profile.groups]
        logs += [f"group {g} (listed off)" for g in profile.groups_off]
        logs += [f"category {c}" for c in profile.categories]
        lines.append(
            f"| `{arm_type}` | {', '.join(logs) or '-'} | {', '.join(profile.metrics) or '-'} | "
            f"{_builtins(profile.builtins)} |"
        )
    return lines


def _assignment() -> list[str]:
    lines = [f"- `{name}`: {value}" for name, value in ASSIGNMENT.items()]
    lines += [
        f"- {short_id} only: "
        + ", ".join(f"`{name}`: `{value}`" for name, value in parameters.items())
        for short_id, parameters in ASSIGNMENT_BY_POLICY.items()
    ]
    return lines


def _reference() -> list[str]:
    lines = ["| id | name | MCSB |", "|---|---|---|"]
    for short_id in sorted(BUILTINS):
        entry = BUILTINS[short_id]
        lines.append(
            f"| `{entry.id}` | {_cell(entry.name)} | {'yes' if entry.benchmark else '-'} |"
        )
    return lines


_INTRO = f"""# Security baseline and Azure's built-in policies

<!-- Generated from infra/policy, infra/tiers.py and components/diagnostics.py; do not edit.
Regenerate: {REGENERATE} -->

Every stack is checked against the rules below twice: offline by `amlstack plan STACK` (exit 3
when a mandatory rule fails) and at deployment by the CrossGuard policy pack
(`pulumi preview --policy-pack infra/policy`). Each rule names the Azure built-in policy
definitions it stands for, so that the plan says what Azure Policy would say; "MCSB" marks the
members of the Microsoft cloud security benchmark initiative, which most enterprises assign
(`{BENCHMARK_ID}`).

A rule applies to the tiers listed (`amlstack:tier`). In a stack of another tier the rule is
still checked, and each violation is reported with level `relaxed`, naming the tier preset that
causes it (the table "Dev tier presets") or the tier itself: a dev stack never relaxes a control
silently.
"""

_WAIVE = """## Waiving a rule

To relax a rule of the stack's own tier on purpose, waive it by id in the stack file, with a
reason people can read (at least 10 characters). The plan prints each waiver with its reason and
records it in the plan JSON's `policies` with level `waived`; the policy pack reports the check
as not applicable. A waiver that relaxes nothing, of a rule the tier does not require, or of an
unknown workspace, is refused.

```yaml
amlstack:waivers:
  - rule: workspace-public-network-disabled
    reason: Reached from the office network until the private endpoints exist (OPS-142)
    workspace: main    # optional: only this workspace; default the whole stack
```

A waiver relaxes amlstack's check only. Where an Azure Policy assignment covers the same
built-in, ask its owner for a policy exemption on the resource as well.
"""

_EXEMPTIONS = """## Exemptions to assign

- **7804b5c7** "Azure Machine Learning Computes should be in a virtual network" (MCSB) reports
  every compute without a subnet, so it fails for computes in a workspace's managed network,
  which cannot join a customer virtual network. The managed network meets the intent: no
  public IP, outbound only through the workspace's managed network (only approved outbound in
  prod), inbound only through the workspace's private endpoints. Computes with a subnet must
  have one (rule `compute-in-virtual-network`). Exempt the managed-network computes, for
  example on the stack's resource group:

  ```sh
  az policy exemption create --name amlstack-managed-network-computes \\
    --policy-assignment <your MCSB assignment id> \\
    --policy-definition-reference-ids azureMachineLearningComputesShouldBeInAVirtualNetwork \\
    --exemption-category Mitigated --scope <resource group id> \\
    --description "Computes in the Azure ML managed network (no public IP, approved outbound)"
  ```
- **c36a325b** "Configure your Storage account to enable blob versioning" reports the data lake
  (hierarchical namespace), where Azure offers no versioning; exempt its blob service
  (category Mitigated: soft delete still protects it).
"""


_BEYOND_THE_RULES = """## Beyond the rules

The components' defaults go further than any rule checks: no account keys anywhere
(identity-based datastores and uploads), no admin user on registries, token authentication on
endpoints, no public IP or SSH on computes, Azure RBAC on key vaults, secrets kept Pulumi secrets
end to end ([stacks, tiers and config](guides/stacks.md#secrets-in-config)), and the
[data-loss guards](guides/guards.md).
"""


def security_document() -> str:
    """The Markdown page, ending with a newline."""
    sections = [
        _INTRO,
        "## Rules\n",
        *_rules(),
        "",
        "Where a rule deliberately differs from its built-ins:\n",
        *_notes(),
        "",
        "## Dev tier presets\n",
        "A `tier: dev` stack starts every workspace from these settings (its own config wins). "
        "Each lists the rules and built-ins it makes fail; the plan reports those violations "
        "as `relaxed` with the preset and its reason.\n",
        *_presets(),
        "",
        _WAIVE,
        "## Diagnostic settings\n",
        "Every resource the stacks create that supports diagnostic settings sends its logs to "
        f"the stack's Log Analytics workspace, through one setting named "
        f"`{DIAGNOSTIC_SETTING_NAME}`, with what the built-ins look for:\n",
        *_diagnostics(),
        "",
        "## Assigning the built-ins to a subscription with amlstack stacks\n",
        "The stacks meet the built-ins above with their default parameters, except these "
        "(parameters without a default, and those naming what amlstack creates):\n",
        *_assignment(),
        "",
        _EXEMPTIONS,
        _BEYOND_THE_RULES,
        "## Built-ins the stacks do not follow\n",
        *(f"- **{i}** {builtin(i).name}: {reason}" for i, reason in NOT_FOLLOWED.items()),
        "",
        "## Built-in definitions referred to\n",
        *_reference(),
    ]
    return "\n".join(sections).rstrip("\n") + "\n"
