"""Load job specs: Azure ML CLI v2 YAML through azure-ai-ml's own loader, or Python builders.

A spec is either a YAML file (``job.yml``: command, sweep or pipeline job, exactly what ``az ml
job create --file`` takes) or ``file.py:name``, where ``name`` is a job (``command(...)``), a
function returning one, or an ``@dsl.pipeline`` function taking no arguments. ``--set key=value``
overrides fields as ``az ml``'s ``--set`` does (``resources.instance_count=4``).

Local folders and files a YAML spec references (``code:``, components, build contexts, conda files,
local inputs) are checked first, so a missing one fails with its path, not with the loader's
schema dump; other schema errors are shortened to ``field: message`` lines.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from jobs.errors import JobSpecError, MissingPathError
from jobs.local_paths import Expects, check_local_path, expects_for_input

__all__ = [
    "FILE_PREFIX",
    "LoadedSpec",
    "LocalReference",
    "load_spec",
    "local_references",
    "parse_set",
]

FILE_PREFIX = "file:"
"""``component: file:./train.yml``: azure-ai-ml reads a value with this prefix as a local file."""

_UNKNOWN = "Unknown field."
_REQUIRED = "Missing data for required field."


class LocalReference(NamedTuple):
    """A local path a spec names: where (``job.yml: jobs.train.code``), the path, what it is."""

    where: str
    path: Path
    expects: Expects
    input_type: str = ""


@dataclass(frozen=True)
class LoadedSpec:
    """A loaded job and where it came from."""

    job: Any
    """An azure-ai-ml job: ``Command``, ``SweepJob`` or ``PipelineJob`` (or another builder)."""
    source: Path
    """The YAML file, or the Python file of a builder."""

    @property
    def default_experiment(self) -> str:
        """The experiment when the spec names none: the spec's folder (YAML) or file (Python)."""
        if self.source.suffix == ".py":
            return self.source.stem
        return self.source.resolve().parent.name


def parse_set(assignments: Sequence[str]) -> list[dict[str, Any]]:
    """``["resources.instance_count=4"]`` -> azure-ai-ml ``params_override`` (values as YAML)."""
    overrides = []
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise JobSpecError(
                f"--set {assignment!r}: expected key=value, like resources.instance_count=4"
            )
        overrides.append({key.strip(): yaml.safe_load(value) if value else ""})
    return overrides


def load_spec(spec: str | Path, *, overrides: Sequence[str] = ()) -> LoadedSpec:
    """Load a YAML spec or a ``file.py:name`` builder; raises `JobSpecError` when invalid."""
    text = str(spec)
    path_part, _, attribute = text.rpartition(":") if ".py:" in text else (text, "", "")
    if attribute:
        if overrides:
            raise JobSpecError("--set applies to YAML specs; set fields in the builder instead")
        return LoadedSpec(job=_load_builder(Path(path_part), attribute), source=Path(path_part))
    path = Path(text)
    if not path.is_file():
        raise MissingPathError(
            f"job spec {text!r} does not exist; expected a job YAML file (command, sweep or "
            "pipeline) or file.py:builder",
            text,
        )
    override = parse_set(overrides)
    for reference in local_references(path):
        check_local_path(
            reference.path,
            reference.expects,
            where=reference.where,
            input_type=reference.input_type,
        )
    from azure.ai.ml import load_job

    try:
        job = load_job(path, params_override=override)
    except Exception as error:  # the loader raises marshmallow, azure-ai-ml and OS errors
        raise JobSpecError(f"{path}: {_loader_message(error, override)}") from None
    return LoadedSpec(job=job, source=path)


def local_references(spec: Path) -> Iterator[LocalReference]:
    """Every local path a YAML spec references, with where (``job.yml: jobs.train.code``) and
    what it must be (a ``uri_file`` input a file, a component a file, ``code:`` a folder...)."""
    document = _read_yaml(spec)
    yield from _walk(document, spec.parent, f"{spec.name}: ", seen={spec.resolve()})


_DATA_KEYS = ("training_data", "validation_data", "test_data")
"""AutoML steps take their data here, beside (or instead of) ``inputs``."""


def _walk(node: Any, base: Path, at: str, *, seen: set[Path]) -> Iterator[LocalReference]:
    if not isinstance(node, Mapping):
        return
    prefix = at if at.endswith(": ") else f"{at}."
    code = node.get("code")
    if _is_local(code):
        yield LocalReference(f"{prefix}code", base / str(code), "code")
    environment = node.get("environment")
    if isinstance(environment, Mapping):
        build = environment.get("build")
        if isinstance(build, Mapping) and _is_local(build.get("path")):
            yield LocalReference(f"{prefix}environment.build.path", base / build["path"], "folder")
        if _is_local(environment.get("conda_file")):
            conda = base / str(environment["conda_file"])
            yield LocalReference(f"{prefix}environment.conda_file", conda, "file")
    inputs = node.get("inputs")
    named = inputs.items() if isinstance(inputs, Mapping) else ()
    data = {f"inputs.{name}": entry for name, entry in named}
    data.update({key: node[key] for key in _DATA_KEYS if key in node})
    for key, entry in data.items():
        if isinstance(entry, Mapping) and _is_local(entry.get("path")):
            kind = str(entry.get("type") or "")
            where, path = f"{prefix}{key}.path", base / str(entry["path"])
            yield LocalReference(where, path, expects_for_input(kind), kind)
    yield from _walk(node.get("task"), base, f"{prefix}task", seen=seen)  # a parallel step's
    for key in ("component", "trial"):
        yield from _reference(node.get(key), base, f"{prefix}{key}", seen=seen)
    jobs = node.get("jobs")
    if isinstance(jobs, Mapping):
        for name, step in jobs.items():
            yield from _walk(step, base, f"{prefix}jobs.{name}", seen=seen)


def _reference(value: Any, base: Path, at: str, *, seen: set[Path]) -> Iterator[LocalReference]:
    """A ``component:`` or ``trial:``: inline (a mapping) or a local YAML file to follow, with
    or without azure-ai-ml's ``file:`` prefix."""
    if isinstance(value, Mapping):
        yield from _walk(value, base, at, seen=seen)
        return
    text = value.removeprefix(FILE_PREFIX) if isinstance(value, str) else value
    if _is_local(text) and str(text).endswith((".yml", ".yaml")):
        path = base / str(text)
        yield LocalReference(at, path, "file")
        if path.is_file() and path.resolve() not in seen:
            seen.add(path.resolve())
            yield from _walk(_read_yaml(path), path.parent, f"{at} ({path.name}): ", seen=seen)


def _is_local(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    return not (
        "://" in value
        or value.startswith(("azureml:", "git+", "${{", "/subscriptions/"))
        or "@" in value
    )


def _read_yaml(path: Path) -> Any:
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise JobSpecError(
            f"{path}: not valid YAML ({problem}{where}); expected an Azure ML job spec in YAML, "
            "as `az ml job create --file` takes"
        ) from None
    if not isinstance(document, Mapping):
        raise JobSpecError(
            f"{path}: {type(document).__name__} {_short(document)} is not allowed; expected a job "
            "spec: a YAML mapping (command:, type: sweep or type: pipeline, ...)"
        )
    return document


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _loader_message(error: Exception, overrides: Sequence[Mapping[str, Any]] = ()) -> str:
    """azure-ai-ml's schema errors embed JSON reports (nested); keep ``field: message`` lines,
    each with the value ``--set`` gave it and, for a misspelt field, the field it resembles."""
    text = str(error).strip()
    lines = sorted(set(_report_lines(text, "")))
    if lines:
        return "invalid spec:\n" + "\n".join(f"  - {line}" for line in _explain(lines, overrides))
    return text.splitlines()[0] if text else type(error).__name__


def _explain(lines: list[str], overrides: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    given = {key: value for override in overrides for key, value in override.items()}
    required = [line.split(": ", 1)[0] for line in lines if line.endswith(_REQUIRED)]
    for line in lines:
        field, _, message = line.partition(": ")
        notes = []
        if message == _UNKNOWN:
            close = difflib.get_close_matches(field, required, n=1)
            notes.append(
                f"did you mean {close[0]!r}?" if close else "remove it or fix its spelling"
            )
        notes += [
            f"(--set {key}={value!r})"
            for key, value in given.items()
            if key == field or key.startswith(f"{field}.")
        ]
        yield " ".join([line, *notes])


def _report_lines(text: str, path: str) -> Iterator[str]:
    """The messages of the JSON report in `text`, or `text`'s first line when it has none."""
    start = text.find("{")
    try:
        report, _ = json.JSONDecoder().raw_decode(text, start) if start >= 0 else (None, 0)
    except json.JSONDecodeError:
        report = None
    if report is None:
        yield f"{path or 'spec'}: {text.strip().splitlines()[0] if text.strip() else text}"
        return
    yield from _walk_report(report, path)


def _walk_report(report: Any, path: str) -> Iterator[str]:
    if isinstance(report, dict) and isinstance(report.get("message"), str):
        inner = str(report.get("path") or "*")
        yield from _report_lines(report["message"], path if inner == "*" else inner)
    elif isinstance(report, dict):
        for key, value in report.items():
            if key in {"result", "value", "location"}:
                continue
            yield from _walk_report(
                value, path if key in {"errors", "_schema"} else _join(path, key)
            )
    elif isinstance(report, list):
        for item in report:
            yield from _walk_report(item, path)
    elif isinstance(report, str):
        yield from _report_lines(report, path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _load_builder(path: Path, attribute: str) -> Any:
    """Import `path` as a module and take `attribute`: a job, or a function that returns one."""
    if not path.is_file():
        raise MissingPathError(
            f"builder file {str(path)!r} does not exist; expected file.py:name, an existing "
            "Python file and the job (or function) in it",
            str(path),
        )
    module_name = f"amlstack_builder_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise JobSpecError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
        target = getattr(module, attribute)
        job = target() if callable(target) else target
    except AttributeError:
        raise JobSpecError(
            f"{path} has no {attribute!r}; expected the name of a job, a function returning "
            "one, or an @dsl.pipeline function in it"
        ) from None
    except Exception as error:  # user code: report it without our traceback
        raise JobSpecError(f"{path}:{attribute} failed: {type(error).__name__}: {error}") from None
    from azure.ai.ml.entities import Job

    if not isinstance(job, Job):
        raise JobSpecError(
            f"{path}:{attribute} gave {type(job).__name__}; expected an azure-ai-ml job "
            "(command(...), an @dsl.pipeline function, a SweepJob, ...)"
        )
    return job
