"""CrossGuard entry point: ``pulumi preview --policy-pack infra/policy`` starts this file."""

from pulumi_policy import PolicyPack

from infra.policy.pack import PACK_NAME, baseline_policies, replacement_policies

PolicyPack(name=PACK_NAME, policies=[*baseline_policies(), *replacement_policies()])
