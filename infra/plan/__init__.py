"""The offline plan: run a stack's real program under Pulumi's mocks, show what it deploys."""

from infra.plan.graph import to_dot, to_mermaid, write_graph
from infra.plan.model import PLAN_VERSION, CriticalPath, Plan, PolicyResult
from infra.plan.runner import policy_subjects, run_plan
from infra.plan.stack_files import Project, StackFile, find_project, read_stack_file
from infra.plan.tree import render_plan

__all__ = [
    "PLAN_VERSION",
    "CriticalPath",
    "Plan",
    "PolicyResult",
    "Project",
    "StackFile",
    "find_project",
    "policy_subjects",
    "read_stack_file",
    "render_plan",
    "run_plan",
    "to_dot",
    "to_mermaid",
    "write_graph",
]
