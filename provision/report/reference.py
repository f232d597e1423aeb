"""The key reference, generated from the JSON Schema (`provision schema --format markdown`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

# The objects of the reference, in reading order: (title, $defs name or "" for the top).
SECTIONS = (
    ("Playbook (top level)", ""),
    ("settings", "settings"),
    ("clients.NAME (provider: microsoft)", "microsoft_client"),
    ("clients.NAME (provider: google)", "google_client"),
    ("clients.NAME (provider: generic)", "generic_client"),
    ("identities.NAME", "identity"),
    ("identities.NAME.smtp", "smtp"),
    ("defaults", "defaults"),
    ("sites.NAME", "site"),
    ("sites.NAME.apps.NAME (app overrides)", "app"),
    ("app_kinds.NAME", "app_kind"),
    ("outputs.NAME", "output"),
)


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return schema["$defs"][ref.removeprefix("#/$defs/")]  # type: ignore[no-any-return]
    return node


def _type(schema: Mapping[str, Any], node: Mapping[str, Any]) -> str:
    target = _resolve(schema, node)
    if "enum" in target:
        return " \\| ".join(json.dumps(v) for v in target["enum"])
    if "const" in target:
        return json.dumps(target["const"])
    if node.get("$ref") == "#/$defs/secret":
        return "secret"
    if "anyOf" in target or "oneOf" in target:
        return "see description"
    kind = target.get("type", "")
    fmt = target.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def _rows(schema: Mapping[str, Any], name: str) -> Iterator[str]:
    node = schema if not name else schema["$defs"][name]
    required = set(node.get("required", ()))
    for key, prop in node.get("properties", {}).items():
        description = prop.get("description") or _resolve(schema, prop).get("description", "")
        examples = _resolve(schema, prop).get("examples") or prop.get("examples")
        if examples:
            description += f" Example: `{examples[0]}`."
        default = prop.get("default")
        if default is not None and "Default:" not in description:
            description += f" Default: `{default}`."
        flag = "yes" if key in required else ""
        cell = description.replace("|", "\\|").replace("\n", " ")
        yield f"| `{key}` | {_type(schema, prop)} | {flag} | {cell} |"


def render_reference(schema: Mapping[str, Any]) -> str:
    lines = [
        "# Playbook key reference",
        "",
        "Generated from `schemas/playbook.schema.json` by "
        "`provision schema --format markdown`; do not edit by hand.",
        "",
        "A *secret* is a plain string (allowed, but linted), `{env: NAME}`, "
        "`{file: path}` (relative to the playbook), `{command: [argv...]}` or an "
        "Ansible Vault value (`!vault |`). Names (of clients, identities, sites, apps, "
        "app kinds, outputs) match `^[a-z0-9][a-z0-9_.-]*$`. String values may use "
        "Jinja2: `{{ site.name }}`, `{{ site.domain }}`, `{{ app.name }}`, `{{ app.kind }}`.",
    ]
    for title, name in SECTIONS:
        node = schema if not name else schema["$defs"][name]
        lines += ["", f"## {title}", ""]
        if node.get("description"):
            lines += [str(node["description"]), ""]
        lines += ["| key | type | required | description |", "|---|---|---|---|"]
        lines += list(_rows(schema, name))
    return "\n".join(lines) + "\n"
