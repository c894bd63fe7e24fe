"""Where the project is: relative paths in stack config (conda files, code folders) start there."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi

__all__ = ["project_root"]


def project_root() -> Path:
    """The directory of Pulumi.yaml, as the Pulumi CLI (or the offline plan) tells the program;
    the working directory when nothing does (a bare `components.recording.record`)."""
    root = pulumi.get_root_directory()
    return Path(root) if root and Path(root).is_dir() else Path(os.getcwd())
