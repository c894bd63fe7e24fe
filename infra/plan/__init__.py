"""The offline plan: run a stack's real program under Pulumi's mocks, show what it deploys."""

from infra.plan.critical_path import (
    ANCHOR_TYPES,
    DEFAULT_SECONDS,
    LONG_RUNNING_TYPES,
    ORDERINGS,
    PROVISIONING_SECONDS,
    SIDE_EFFECT_TYPES,
    Ordering,
    Step,
    estimate,
    longest_path,
    needless_waits,
    provisioning_seconds,
    steps_of,
    unexplained_orderings,
)
from infra.plan.dependencies import dependency_order
from infra.plan.errors import DependencyCycleError, PlanFileError
from infra.plan.files import read_outputs_file, read_plan_file
from infra.plan.graph import (
    GRAPH_DETAILS,
    GRAPH_SUFFIXES,
    Graph,
    GraphDetail,
    check_graph_path,
    plan_graph,
    to_dot,
    to_mermaid,
    write_graph,
)
from infra.plan.model import PLAN_VERSION, CriticalPath, Plan, PolicyResult
from infra.plan.runner import policy_subjects, run_plan
from infra.plan.stack_files import Project, StackFile, find_project, read_stack_file
from infra.plan.tree import failure_summary, print_plan, render_plan

__all__ = [
    "ANCHOR_TYPES",
    "DEFAULT_SECONDS",
    "GRAPH_DETAILS",
    "GRAPH_SUFFIXES",
    "LONG_RUNNING_TYPES",
    "ORDERINGS",
    "PLAN_VERSION",
    "PROVISIONING_SECONDS",
    "SIDE_EFFECT_TYPES",
    "CriticalPath",
    "DependencyCycleError",
    "Graph",
    "GraphDetail",
    "Ordering",
    "Plan",
    "PlanFileError",
    "PolicyResult",
    "Project",
    "StackFile",
    "Step",
    "check_graph_path",
    "dependency_order",
    "estimate",
    "failure_summary",
    "find_project",
    "longest_path",
    "needless_waits",
    "plan_graph",
    "policy_subjects",
    "print_plan",
    "provisioning_seconds",
    "read_outputs_file",
    "read_plan_file",
    "read_stack_file",
    "render_plan",
    "run_plan",
    "steps_of",
    "to_dot",
    "to_mermaid",
    "unexplained_orderings",
    "write_graph",
]
