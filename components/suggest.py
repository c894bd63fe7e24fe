""" "Did you mean ...?" for a name that is not one of the names something has."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``did you mean 'staging'? `` for the closest of `choices`, or an empty string."""
    known = sorted(set(choices))
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    if not close:
        lowered = {choice.lower(): choice for choice in known}
        close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return f"did you mean {close[0]!r}? " if close else ""
