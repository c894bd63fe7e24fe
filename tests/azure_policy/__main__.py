"""``uv run python -m tests.azure_policy``: the built-ins each sample stack's plan still fails."""

from tests.azure_policy.report import main

main()
