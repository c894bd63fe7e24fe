"""The files ``amlstack plan`` reads and writes besides the stack's own: a plan of the deployed
stack (``--since``), the deployed stack's outputs (``--previous``) and what it writes (``--json``,
``--graph``). Every problem is a `PlanFileError` naming the option, the file, what is wrong and
what the option takes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from components.recording import RecordedResource
from infra.plan.dependencies import dependency_order
from infra.plan.errors import DependencyCycleError, PlanFileError
from infra.plan.model import PLAN_VERSION

__all__ = ["check_writable", "read_outputs_file", "read_plan_file", "write_file"]

_PLAN = f"expected a plan JSON file written by 'amlstack plan --json' (version {PLAN_VERSION})"
_OUTPUTS = "expected the stack outputs of the deployed stack: 'pulumi stack output --json'"
_WRITABLE = "expected a file path in an existing directory that can be written"

_RESOURCE_FIELDS: Mapping[str, tuple[type, str]] = {
    "urn": (str, "a string"),
    "type": (str, "a string"),
    "name": (str, "a string"),
    "custom": (bool, "true or false"),
    "parent": (str, "a string ('' for the stack)"),
    "inputs": (dict, "an object"),
    "dependencies": (list, "a list of URNs"),
    "protect": (bool, "true or false"),
}
"""What each resource of a plan holds (DESIGN.md, plan JSON version 1)."""


def read_plan_file(path: Path, *, option: str = "--since") -> list[RecordedResource]:
    """The resources of the plan JSON file at `path`, checked: the document's shape, each
    resource's fields, unique URNs and dependencies that do not form a cycle."""
    document = _read_json(path, option=option, expected=_PLAN)
    if not isinstance(document, dict):
        raise PlanFileError(option, path, f"holds {_kind(document)}, not an object", _PLAN)
    if "resources" not in document:
        keys = sorted(document)
        shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
        problem = f"has no 'resources' key (its keys: {shown})" if keys else "is an empty object"
        raise PlanFileError(option, path, problem, _PLAN)
    if document.get("version") != PLAN_VERSION:
        shown = repr(document["version"]) if "version" in document else "missing"
        raise PlanFileError(option, path, f"version is {shown}", _PLAN)
    entries = document["resources"]
    if not isinstance(entries, list):
        raise PlanFileError(option, path, f"resources is {_kind(entries)}, not a list", _PLAN)
    resources = [
        _resource(entry, f"resources[{i}]", path, option) for i, entry in enumerate(entries)
    ]
    _check_graph(resources, path, option)
    return resources


def read_outputs_file(path: Path, *, option: str = "--previous") -> dict[str, Any]:
    """The stack outputs in the JSON file at `path` (``pulumi stack output --json``)."""
    outputs = _read_json(path, option=option, expected=_OUTPUTS)
    if not isinstance(outputs, dict):
        raise PlanFileError(option, path, f"holds {_kind(outputs)}, not an object", _OUTPUTS)
    if "resources" in outputs and "version" in outputs:
        raise PlanFileError(
            option, path, "holds a plan (amlstack plan --json), not stack outputs", _OUTPUTS
        )
    return outputs


def check_writable(path: Path, *, option: str) -> None:
    """Refuse, before any work, a `path` that cannot be a file: a directory, or in none."""
    if path.is_dir():
        raise PlanFileError(option, path, "is a directory", _WRITABLE)
    if not path.parent.is_dir():
        raise PlanFileError(option, path, f"is in no directory ({path.parent} is none)", _WRITABLE)


def write_file(path: Path, text: str, *, option: str) -> None:
    """Write `text` to `path`; a `PlanFileError` when it cannot be written."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        problem = f"cannot be written ({error.strerror or error})"
        raise PlanFileError(option, path, problem, _WRITABLE) from None


def _read_json(path: Path, *, option: str, expected: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise PlanFileError(option, path, "is a directory", expected) from None
    except FileNotFoundError:
        raise PlanFileError(option, path, "does not exist", expected) from None
    except OSError as error:
        problem = f"cannot be read ({error.strerror or error})"
        raise PlanFileError(option, path, problem, expected) from None
    except UnicodeDecodeError as error:
        raise PlanFileError(
            option, path, f"is not UTF-8 text (byte {error.start}: {error.reason})", expected
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        problem = (
            "is empty"
            if not text.strip()
            else f"is not JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        )
        raise PlanFileError(option, path, problem, expected) from None


def _resource(entry: Any, at: str, path: Path, option: str) -> RecordedResource:
    if not isinstance(entry, dict):
        raise PlanFileError(option, path, f"{at} is {_kind(entry)}, not an object", _PLAN)
    for key, (kind, shown) in _RESOURCE_FIELDS.items():
        if key not in entry:
            raise PlanFileError(option, path, f"{at}.{key} is missing", _PLAN)
        if not isinstance(entry[key], kind):
            problem = f"{at}.{key} is {_value(entry[key])}, not {shown}"
            raise PlanFileError(option, path, problem, _PLAN)
    for index, dependency in enumerate(entry["dependencies"]):
        if not isinstance(dependency, str):
            problem = f"{at}.dependencies[{index}] is {_value(dependency)}, not a URN"
            raise PlanFileError(option, path, problem, _PLAN)
    return RecordedResource(
        urn=entry["urn"],
        type=entry["type"],
        name=entry["name"],
        custom=entry["custom"],
        parent=entry["parent"],
        inputs=entry["inputs"],
        dependencies=tuple(entry["dependencies"]),
        protect=entry["protect"],
    )


def _check_graph(resources: list[RecordedResource], path: Path, option: str) -> None:
    """Each URN once, and an order in which every resource comes after what it waits for."""
    seen: set[str] = set()
    for index, resource in enumerate(resources):
        if resource.urn in seen:
            problem = f"resources[{index}].urn {resource.urn!r} is listed twice"
            raise PlanFileError(option, path, problem, _PLAN)
        seen.add(resource.urn)
    try:
        dependency_order({r.urn: r.dependencies for r in resources})
    except DependencyCycleError as error:
        problem = f"the dependencies form a cycle: {' -> '.join(error.cycle)}"
        raise PlanFileError(option, path, problem, _PLAN) from None


def _kind(value: Any) -> str:
    """What a JSON value is, for messages: ``a list``, ``a string``, ``null``."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _value(value: Any) -> str:
    """A bad value as a message shows it: JSON, shortened."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
