"""The jobs package's errors, each an `AmlStackError`: `StackContextError` for the stack's
outputs, `JobError` and its subclasses for jobs and models. The whole tree, and the exit code
each gives on the command line, is documented in `components.errors`."""

from __future__ import annotations

from components.errors import AmlStackError

__all__ = [
    "CredentialError",
    "JobError",
    "JobSpecError",
    "MissingPathError",
    "ModelError",
    "RunSelectionError",
    "StackContextError",
]


class StackContextError(AmlStackError):
    """No usable stack outputs: none found, malformed, or no such workspace in them."""


class JobError(AmlStackError):
    """A job, model or Azure ML request could not be done (base of the jobs package's errors)."""


class JobSpecError(JobError, ValueError):
    """A job spec is invalid or references something the stack does not have; nothing was sent."""


class MissingPathError(JobSpecError):
    """A local folder or file a spec references (``code:``, a component, an input) is missing."""

    def __init__(self, message: str, path: str) -> None:
        self.path = path
        super().__init__(message)


class CredentialError(JobError):
    """No Azure credential could get a token; the message says which ways were tried."""


class ModelError(JobError):
    """A model cannot be registered or promoted as asked (e.g. a version taken by another run)."""


class RunSelectionError(JobError, ValueError):
    """The runs of an experiment single out none as asked (``model register --from-best``): no
    such experiment, no completed run logged the metric, or runs tie for the best value."""
