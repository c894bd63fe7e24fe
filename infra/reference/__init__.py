"""Generated documentation: the config reference pages and the stack file's JSON Schema."""

from pathlib import Path

from infra.reference.docstrings import field_docs, model_doc
from infra.reference.pages import PAGES, REFERENCE_DIR, Page, reference_pages
from infra.reference.schema import SCHEMA_FILE, stack_schema, stack_schema_text

__all__ = [
    "PAGES",
    "REFERENCE_DIR",
    "SCHEMA_FILE",
    "Page",
    "field_docs",
    "generated_files",
    "model_doc",
    "reference_pages",
    "stack_schema",
    "stack_schema_text",
    "write_generated",
]


def generated_files() -> dict[str, str]:
    """Every generated file's path (relative to the project directory) and text."""
    return {
        **{f"{REFERENCE_DIR}/{file}": page for file, page in reference_pages().items()},
        SCHEMA_FILE: stack_schema_text(),
    }


def write_generated(root: Path) -> list[str]:
    """Write every generated file under the project directory `root`; returns their paths."""
    written = []
    for name, text in generated_files().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(name)
    return written
