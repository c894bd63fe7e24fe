"""Submit Azure ML jobs and manage models against a provisioned amlstack stack.

The stack's outputs say where everything is (`load_context`); specs are azure-ai-ml's own YAML or
Python builders (`load_spec`); `dry_run` shows the request with every id resolved from the stack
and `submit` sends it; `follow` streams a job to its end; `metrics`, `register_model`,
`promote_model` and `list_models` work with its results; `list_runs`, `show_job`,
`compare_runs` and `choose_best` read experiments (through `Tracking`, the workspace's MLflow
server, and `RunHistory`). Names are imported on first use, so
``import jobs`` does not pay for azure-ai-ml until it is needed. Test helpers: `jobs.testing`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jobs.errors import (
    CredentialError,
    JobError,
    JobSpecError,
    MissingPathError,
    ModelError,
    RunSelectionError,
    StackContextError,
)

if TYPE_CHECKING:
    from components.outputs import StackOutputs
    from jobs.client import ml_client, registry_client, stack_credential
    from jobs.context import StackContext, load_context
    from jobs.experiments import choose_best, compare_runs, list_runs, show_job
    from jobs.follow import AzureJobSource, JobSource, Outcome, exit_code, follow
    from jobs.models import ModelVersion, list_models, promote_model, register_model
    from jobs.refs import Overrides
    from jobs.resolve import Resolver, StackResolver
    from jobs.results import Metric, download_outputs, metrics
    from jobs.specs import LoadedSpec, load_spec
    from jobs.submit import PreparedJob, Request, SubmitOptions, Submitted, dry_run, prepare, submit
    from jobs.tracking import RunHistory, Tracking

__all__ = [
    "AzureJobSource",
    "CredentialError",
    "JobError",
    "JobSource",
    "JobSpecError",
    "LoadedSpec",
    "Metric",
    "MissingPathError",
    "ModelError",
    "ModelVersion",
    "Outcome",
    "Overrides",
    "PreparedJob",
    "Request",
    "Resolver",
    "RunHistory",
    "RunSelectionError",
    "StackContext",
    "StackContextError",
    "StackOutputs",
    "StackResolver",
    "SubmitOptions",
    "Submitted",
    "Tracking",
    "choose_best",
    "compare_runs",
    "download_outputs",
    "dry_run",
    "exit_code",
    "follow",
    "list_models",
    "list_runs",
    "load_context",
    "load_spec",
    "metrics",
    "ml_client",
    "prepare",
    "promote_model",
    "register_model",
    "registry_client",
    "show_job",
    "stack_credential",
    "submit",
]

_HOMES = {
    "jobs.client": ("ml_client", "registry_client", "stack_credential"),
    "components.outputs": ("StackOutputs",),
    "jobs.context": ("StackContext", "load_context"),
    "jobs.experiments": ("choose_best", "compare_runs", "list_runs", "show_job"),
    "jobs.follow": ("AzureJobSource", "JobSource", "Outcome", "exit_code", "follow"),
    "jobs.models": ("ModelVersion", "list_models", "promote_model", "register_model"),
    "jobs.refs": ("Overrides",),
    "jobs.resolve": ("Resolver", "StackResolver"),
    "jobs.results": ("Metric", "download_outputs", "metrics"),
    "jobs.specs": ("LoadedSpec", "load_spec"),
    "jobs.submit": (
        "PreparedJob",
        "Request",
        "SubmitOptions",
        "Submitted",
        "dry_run",
        "prepare",
        "submit",
    ),
    "jobs.tracking": ("RunHistory", "Tracking"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'jobs' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
