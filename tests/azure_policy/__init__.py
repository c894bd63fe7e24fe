"""A test oracle: Azure's built-in policy definitions evaluated against planned resources.

The definitions, the benchmark's membership and the aliases come from the shared folder
(``azure-policy/``), which only tests may read, so the evaluator lives here, not in the package.
"""

from tests.azure_policy.arm import arm_resources, arm_type_of
from tests.azure_policy.conditions import MISSING, ArmResource, Context, holds, select
from tests.azure_policy.definitions import (
    Benchmark,
    Definition,
    Result,
    Stack,
    evaluate_definition,
    load_aliases,
    load_benchmark,
    load_definitions,
)
from tests.azure_policy.expressions import ExpressionError, evaluate_expression, resolve
from tests.azure_policy.report import ASSIGNMENT, OVERRIDES, Library, evaluate_plan, render_gaps

__all__ = [
    "ASSIGNMENT",
    "MISSING",
    "OVERRIDES",
    "ArmResource",
    "Benchmark",
    "Context",
    "Definition",
    "ExpressionError",
    "Library",
    "Result",
    "Stack",
    "arm_resources",
    "arm_type_of",
    "evaluate_definition",
    "evaluate_expression",
    "evaluate_plan",
    "holds",
    "load_aliases",
    "load_benchmark",
    "load_definitions",
    "render_gaps",
    "resolve",
    "select",
]
