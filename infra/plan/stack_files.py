"""Find the Pulumi project and read a stack's config file, as the Pulumi CLI would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.errors import MISSING, AmlStackError, ConfigError
from components.suggest import did_you_mean
from infra.secret_config import masked_secure
from infra.yaml_files import load_yaml

__all__ = ["Project", "StackFile", "find_project", "read_stack_file"]


@dataclass(frozen=True)
class Project:
    """A Pulumi project directory: its name, its program and its stacks."""

    directory: Path
    name: str
    main: Path

    def stack_file(self, stack: str) -> Path:
        return self.directory / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        return sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in self.directory.glob("Pulumi.*.yaml")
        )


@dataclass(frozen=True)
class StackFile:
    """A stack's config as the program receives it: full keys, secrets replaced by a placeholder."""

    config: dict[str, Any]
    secret_keys: frozenset[str]
    warnings: tuple[str, ...]


def find_project(start: Path) -> Project:
    """The project whose Pulumi.yaml is in `start` or the nearest parent directory."""
    if not start.is_dir():
        raise ConfigError.single(
            "--project-dir",
            str(start),
            "expected a directory: the project's (with Pulumi.yaml) or one below it",
        )
    for directory in (start.resolve(), *start.resolve().parents):
        manifest = directory / "Pulumi.yaml"
        if manifest.is_file():
            return _read_manifest(manifest)
    raise AmlStackError(
        f"no Pulumi.yaml in {start.resolve()} or any parent; run from the project directory"
    )


def _read_manifest(manifest: Path) -> Project:
    """The project that `manifest` (a Pulumi.yaml) describes: its name and program."""
    data = _read_mapping(manifest, "expected a Pulumi project file: a mapping with 'name:'")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError.single(
            f"{manifest}: name",
            MISSING if name is None else name,
            "expected the project's name, a string (Pulumi config keys start with it)",
        )
    main = manifest.parent / str(data.get("main", "."))
    program = main / "__main__.py" if main.is_dir() else main
    if program.suffix != ".py" or not program.is_file():
        raise ConfigError.single(
            f"{manifest}: main",
            data.get("main", MISSING),
            "expected the program's directory (with __main__.py) or .py file, relative to "
            "Pulumi.yaml",
        )
    return Project(directory=manifest.parent, name=name, main=main)


def read_stack_file(project: Project, stack: str) -> StackFile:
    """Read ``Pulumi.<stack>.yaml``: keys without a namespace belong to the project."""
    path = project.stack_file(stack)
    if not path.is_file():
        stacks = project.stacks()
        raise ConfigError.single(
            "stack",
            stack,
            f"expected a stack with a {path.name} file; {did_you_mean(stack, stacks)}"
            f"stacks: {', '.join(stacks) or 'none'}",
        )
    document = _read_mapping(path, "expected a mapping with a 'config:' key")
    entries = document.get("config") or {}
    if not isinstance(entries, dict):
        raise ConfigError.single(
            f"{path.name}: config", entries, "expected a mapping of config keys"
        )
    config: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for key, value in entries.items():
        if not isinstance(key, str):
            raise ConfigError.single(
                f"{path.name}: config", key, "expected config keys that are strings"
            )
        full_key = key if ":" in key else f"{project.name}:{key}"
        shown, secret = _reveal(value)
        config[full_key] = shown
        if secret:
            secret_keys.add(full_key)
    warnings = []
    if document.get("environment"):
        warnings.append(
            "this stack imports Pulumi ESC environments; the offline plan cannot resolve them"
        )
    return StackFile(config=config, secret_keys=frozenset(secret_keys), warnings=tuple(warnings))


def _read_mapping(path: Path, expected: str) -> dict[Any, Any]:
    """The YAML mapping in `path` (empty when the file is); anything else is a `ConfigError`."""
    try:
        document = load_yaml(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        problem = f"expected a file that can be read: {error.strerror or error}"
        raise ConfigError.single(path.name, str(path), problem) from None
    except UnicodeDecodeError as error:
        problem = f"expected YAML in UTF-8; {error.reason} at byte {error.start}"
        raise ConfigError.single(path.name, "(not UTF-8 text)", problem) from None
    except yaml.YAMLError as error:
        raise ConfigError.single(
            path.name, "(unparseable YAML)", f"expected valid YAML: {error}"
        ) from None
    if not isinstance(document, dict):
        raise ConfigError.single(path.name, document, expected)
    return document


def _reveal(value: Any) -> tuple[Any, bool]:
    """Replace encrypted values (``secure: v1:...``) by a placeholder; say if any was found."""
    shown, secure = masked_secure(value)
    return shown, bool(secure)
