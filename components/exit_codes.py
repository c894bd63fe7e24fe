"""The exit codes of the ``amlstack`` command, one table for every command (a CLI contract).

CI reads them: 0 done, 2 and 3 say the input or the policies stopped the command before anything
happened, 4 that Azure (or signing in to it) refused, and 10-13 how a followed job ended.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """Why an ``amlstack`` command ended."""

    OK = 0
    """Done: planned, submitted, printed; a followed job completed."""
    INVALID_INPUT = 2
    """Invalid stack config, job spec, stack outputs or option; nothing was done or sent."""
    POLICY_FAILED = 3
    """A mandatory policy failed (``amlstack plan``)."""
    AZURE = 4
    """No Azure credential worked, or Azure refused or failed a request."""
    JOB_FAILED = 10
    """The job failed."""
    JOB_CANCELED = 11
    """The job was canceled."""
    JOB_TIMED_OUT = 12
    """The job was still running when ``--timeout`` passed."""
    JOB_NOT_FINISHED = 13
    """The job has not finished yet (``job status``)."""
