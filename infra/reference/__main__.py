"""``uv run python -m infra.reference``: regenerate the config reference and the stack schema."""

from pathlib import Path

from infra.reference import write_generated

for name in write_generated(Path()):
    print(f"wrote {name}")
