"""jsonschema's errors turned into problems a person can act on: located, the best match
of a `oneOf`/`anyOf` first, never quoting a secret."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

from ..errors import ERROR, DocPath, Problem
from ..load import Playbook
from .formats import FORMAT_NAMES

SECRET_KEYS = frozenset({"client_secret", "password", "private_key"})


def _is_secret_path(path: DocPath) -> bool:
    return any(part in SECRET_KEYS for part in path)


def _shown(value: Any, path: DocPath) -> str:
    """The offending value for a message, unless it might be a secret."""
    if _is_secret_path(path):
        return "the value"
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing (null)",
}


def _type_name(name: object) -> str:
    return _TYPE_NAMES.get(str(name), str(name))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def explain(playbook: Playbook, error: Any) -> Iterator[Problem]:
    from jsonschema.exceptions import best_match

    path: DocPath = tuple(error.absolute_path)
    kind = error.validator
    schema_ = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if "propertyNames" in error.absolute_schema_path:
        # A name used as a key: the error's path is the parent, its instance the name.
        yield Problem(
            ERROR,
            f"invalid name {_shown(instance, ())}: "
            "use lower-case letters, digits, '_', '.' and '-', starting with a letter or digit",
            playbook.key_location(path + (str(instance),)),
            path,
        )
        return
    if kind in ("anyOf", "oneOf") and error.context:
        branch = _matching_branch(error.context, len(path))
        if branch is not None:
            for sub in branch:
                yield from explain(playbook, sub)
            return
        deeper = [e for e in error.context if len(e.absolute_path) > len(path)]
        if deeper:
            yield from explain(playbook, best_match(deeper))
            return
        what = schema_.get("description")
        if what:
            message = f"expected {_lower_first(what)}"
        else:
            types = [
                e.validator_value
                for e in error.context
                if e.validator == "type" and len(e.absolute_path) == len(path)
            ]
            message = (
                f"expected {' or '.join(_type_name(t) for t in types)}, got {_json_type(instance)}"
                if types
                else "expected one of the allowed forms"
            )
        yield Problem(ERROR, message, playbook.locate(path), path)
        return
    if kind == "additionalProperties":
        allowed = sorted(schema_.get("properties", {}))
        for key in sorted(set(instance) - set(allowed)):
            hint = difflib.get_close_matches(key, allowed, n=1)
            message = f"unknown key '{key}'"
            message += f"; did you mean '{hint[0]}'?" if hint else ""
            message += f" (expected one of: {', '.join(allowed)})" if allowed else ""
            yield Problem(ERROR, message, playbook.key_location(path + (key,)), path + (key,))
        return
    if kind == "required":
        missing = error.validator_value
        keys = [k for k in missing if k not in instance]
        for key in keys:
            yield Problem(ERROR, f"missing required key '{key}'", playbook.locate(path), path)
        return
    yield Problem(ERROR, _message(error, path), playbook.locate(path), path)


def _matching_branch(context: list[Any], depth: int) -> list[Any] | None:
    """The errors of the one `oneOf`/`anyOf` branch the value was evidently meant
    for, so all of them can be reported; None when that is not clear."""
    branches: dict[Any, list[Any]] = {}
    for sub in context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def same_level(errors: list[Any], kinds: tuple[str, ...] | None) -> bool:
        return any(
            len(e.absolute_path) == depth and (kinds is None or e.validator in kinds)
            for e in errors
        )

    # A branch of another type is not the one meant; among the rest, one that
    # only objects to what lies inside the value is.
    shaped = [errors for errors in branches.values() if not same_level(errors, ("type",))]
    if len(shaped) == 1:
        return shaped[0]
    inner = [errors for errors in shaped if not same_level(errors, None)]
    return inner[0] if len(inner) == 1 else None


def _meant(given: Any, choices: list[str]) -> str | None:
    """The choice a user likely meant: the same but for case, spaces and underscores (the
    innovaphone UI's `Microsoft 365` is `microsoft365`), or a near spelling."""
    if not isinstance(given, str):
        return None

    def squeeze(text: str) -> str:
        return "".join(c for c in text.lower() if c.isalnum())

    for choice in choices:
        if squeeze(choice) == squeeze(given):
            return choice
    close = difflib.get_close_matches(given.lower(), choices, n=1, cutoff=0.8)
    return close[0] if close else None


def _lower_first(text: str) -> str:
    text = text.rstrip(".")
    return text[:1].lower() + text[1:]


def _message(error: Any, path: DocPath) -> str:
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    shown = _shown(instance, path)
    if kind == "type":
        expected = " or ".join(map(_type_name, value if isinstance(value, list) else [value]))
        return f"expected {expected}, got {_json_type(instance)}"
    if kind == "enum":
        choices = ", ".join(v if isinstance(v, str) else json.dumps(v) for v in value)
        guess = _meant(instance, [v for v in value if isinstance(v, str)])
        meant = f"; did you mean '{guess}'?" if guess else ""
        return f"expected one of: {choices}; got {shown}{meant}"
    if kind == "const":
        return f"expected {json.dumps(value)}; got {shown}"
    if kind == "format":
        return f"{shown} is not a valid {FORMAT_NAMES.get(value, value)}"
    if kind == "pattern":
        description = error.schema.get("description") if isinstance(error.schema, dict) else None
        if description:
            return f"{shown} is not valid: expected {_lower_first(description)}"
        return f"{shown} does not match {value}"
    if kind in ("minLength", "minItems"):
        return "must not be empty"
    if kind == "uniqueItems" and isinstance(instance, list):
        twice: list[Any] = []
        for i, item in enumerate(instance):
            if item in instance[:i] and item not in twice:
                twice.append(item)
        return "has duplicate entries: " + ", ".join(_shown(v, path) for v in twice)
    if kind in ("minimum", "maximum"):
        return f"{shown} is out of range ({kind} {value})"
    if kind == "maxLength":
        return f"is longer than {value} characters"
    if kind == "not":
        description = error.schema.get("description") if isinstance(error.schema, dict) else None
        if description:
            return f"{shown} is not valid: expected {_lower_first(description)}"
        return f"{shown} is not allowed here"
    return str(error.message) if not _is_secret_path(path) else f"invalid value ({kind})"
