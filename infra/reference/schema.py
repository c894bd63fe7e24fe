"""The JSON Schema of a whole stack file (``Pulumi.<stack>.yaml``), generated from the models.

Editors that read ``# yaml-language-server: $schema=...`` (VS Code's YAML extension and others)
complete and check the ``amlstack:*`` keys as they are typed. The schema follows what the plan
accepts: keys with or without the ``amlstack:`` namespace, an encrypted ``secure:`` value wherever
a free string may go, other namespaces (``azure-native:*``) passed through.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from components.regions import AZURE_REGIONS
from infra.config import StackConfig
from infra.policy.rules import RULE_IDS
from infra.policy.waivers import WaiverArgs
from infra.reference.docstrings import field_docs, model_doc

__all__ = ["SCHEMA_FILE", "stack_schema", "stack_schema_text"]

SCHEMA_FILE = "docs/schema/stack.schema.json"
"""Where the committed schema lives, relative to the project directory."""

NAMESPACE = "amlstack"
_SECURE = {"$ref": "#/$defs/secure"}
_CHOICES: Mapping[tuple[type[BaseModel], str], list[str]] = {
    # What validators (not types) allow, so that editors can complete it too.
    (StackConfig, "location"): sorted(AZURE_REGIONS),
    (WaiverArgs, "rule"): list(RULE_IDS),
}


class _Generator(GenerateJsonSchema):
    """pydantic's generator, with each field's attribute docstring as its description and the
    defaults of fields whose default is an empty list or mapping."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model: type[BaseModel] = schema["cls"]
        json_schema["description"] = model_doc(model)
        docs = field_docs(model)
        properties: dict[str, Any] = json_schema.get("properties", {})
        for name, info in model.model_fields.items():
            prop = properties.get(info.alias or name)
            if prop is None:
                continue
            if name in docs:
                prop["description"] = docs[name]
            if info.default_factory in (dict, list, tuple):
                prop["default"] = _empty(info.default_factory)
            choices = _CHOICES.get((model, name))
            if choices is not None:
                prop["enum"] = choices
        return json_schema


def _empty(factory: Callable[[], object]) -> object:
    return {} if factory is dict else []


def stack_schema() -> dict[str, Any]:
    """The schema of ``Pulumi.<stack>.yaml`` (JSON Schema 2020-12)."""
    config = StackConfig.model_json_schema(by_alias=True, schema_generator=_Generator)
    definitions = {name: _tidy(value) for name, value in config.pop("$defs").items()}
    definitions["secure"] = {
        "description": "A value encrypted by `pulumi config set --secret` (its secrets provider "
        "decrypts it; the offline plan shows [secret]).",
        "type": "object",
        "properties": {"secure": {"type": "string"}},
        "required": ["secure"],
        "additionalProperties": False,
    }
    keys = _tidy(config)["properties"]
    properties = {f"{NAMESPACE}:{key}": value for key, value in keys.items()}
    properties |= {
        key: {"$ref": f"#/properties/config/properties/{NAMESPACE}:{key}"} for key in keys
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "amlstack stack file (Pulumi.<stack>.yaml)",
        "description": "A Pulumi stack settings file for the amlstack project. Defaults are "
        "those of tier prod; tier dev starts workspaces from its presets (see the reference).",
        "type": "object",
        "properties": {
            "config": {
                "description": "The stack's config: `amlstack:<key>` (or the bare key) for "
                "amlstack, `<namespace>:<key>` for others (azure-native:subscriptionId, ...).",
                "type": "object",
                "properties": properties,
                "propertyNames": {
                    "anyOf": [
                        {"pattern": f"^(?!{NAMESPACE}:)[^:]+:"},
                        {"enum": sorted(properties)},
                    ]
                },
                "anyOf": [
                    {"required": [f"{NAMESPACE}:location"]},
                    {"required": ["location"]},
                    {"required": ["azure-native:location"]},
                ],
            },
            "environment": {
                "description": "Pulumi ESC environments this stack imports (the offline plan "
                "cannot resolve them)."
            },
            "secretsprovider": {"type": "string", "description": "Pulumi's secrets provider."},
            "encryptedkey": {"type": "string", "description": "Set by Pulumi."},
            "encryptionsalt": {"type": "string", "description": "Set by Pulumi."},
        },
        "required": ["config"],
        "$defs": definitions,
    }


def stack_schema_text() -> str:
    """The schema as committed: two-space indent, sorted keys, trailing newline."""
    return json.dumps(stack_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _tidy(node: Any) -> Any:
    """Drop pydantic's generated titles; let free strings be ``secure:`` values and durations
    numbers of seconds, as the config accepts."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    tidied: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title":
            continue
        if key in ("properties", "$defs"):
            tidied[key] = {name: _tidy(schema) for name, schema in value.items()}
        elif key == "anyOf":
            tidied[key] = [alt for item in value for alt in _alternatives(_tidy(item))]
        else:
            tidied[key] = _tidy(value)
    if tidied.get("type") != "string" or "enum" in tidied or "const" in tidied:
        return tidied
    notes = {k: tidied.pop(k) for k in ("description", "default") if k in tidied}
    tidied.pop("writeOnly", None)
    if tidied.get("format") == "password":
        tidied.pop("format")
    alternatives = [tidied, _SECURE]
    if tidied.get("format") == "duration":
        alternatives.insert(1, {"type": "number", "description": "seconds"})
    return {**notes, "anyOf": alternatives}


def _alternatives(schema: Any) -> list[Any]:
    """A nested bare ``anyOf`` spread into the one around it."""
    if isinstance(schema, dict) and set(schema) == {"anyOf"}:
        return list(schema["anyOf"])
    return [schema]
