"""Jinja2: the one environment factory, and rendering of the playbook's string values.

Every environment has strict undefined names, no autoescaping and keeps a trailing
newline. The playbook's own text (values, output templates) renders sandboxed; the
package's templates are ours and render without the sandbox's per-attribute checks.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Jinja2 loads on first use: a playbook without templates never needs it
    from jinja2 import BaseLoader, Environment, Template

VALUE_SECONDS = 2.0  # what one playbook value's template may take
FILE_SECONDS = 10.0  # what one output template may take

# Jinja2's tojson escapes & < > ' for HTML; these files are read by people and PBXs.
# One encoder: json.dumps with options builds a new one on every call.
to_json = json.JSONEncoder(ensure_ascii=False).encode
_text: Callable[[str], str] = json.encoder.encode_basestring  # what to_json does for a str


def json_object(mapping: Mapping[str, Any], indent: str = "") -> str:
    """A JSON object, one key a line at every depth (lists on one line): easy to read and
    to diff, and fast (the C encoder does each leaf, a text without the encoder's own
    dispatch; a dict, not any Mapping, is nested: the ABC check costs more than the
    encoding)."""
    inner = indent + "  "
    lines = [
        f"{inner}{_text(key) if type(key) is str else to_json(key)}: "
        + (
            _text(value)
            if type(value) is str
            else json_object(value, inner)
            if isinstance(value, dict)
            else to_json(value)
        )
        for key, value in mapping.items()
    ]
    return "{\n" + ",\n".join(lines) + f"\n{indent}}}" if lines else "{}"


def make_environment(loader: BaseLoader | None = None, *, sandboxed: bool = True) -> Environment:
    """A Jinja2 environment with the project's settings: the playbook's text renders in the
    bounded sandbox (`provision.sandbox`)."""
    from jinja2 import Environment, StrictUndefined

    from .sandbox import BoundedSandbox

    cls = BoundedSandbox if sandboxed else Environment
    environment = cls(
        loader=loader, undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    environment.filters["json"] = to_json
    environment.filters["json_object"] = json_object
    return environment


class TemplateProblem(Exception):
    """A template cannot be rendered; the message says why."""


@lru_cache(maxsize=8)
def package_template(name: str) -> Template:
    """One of the package's own templates (provision/templates), compiled once."""
    return _package_environment().get_template(name)


@lru_cache(maxsize=1)
def _package_environment() -> Environment:
    from jinja2 import PackageLoader

    return make_environment(PackageLoader("provision", "templates"), sandboxed=False)


@lru_cache(maxsize=1)
def _values_environment() -> Environment:
    return make_environment()


@lru_cache(maxsize=32)
def _files_environment(base_dir: Path) -> Environment:
    from jinja2 import FileSystemLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    from .files import UnreadableFile, read_file

    class BoundedLoader(FileSystemLoader):
        """Template files as the playbook's other files are read: regular, bounded."""

        def get_source(self, environment: Environment, template: str) -> Any:
            path = os.path.join(str(base_dir), *split_template_path(template))
            try:
                text = read_file(path).decode("utf-8")
            except UnreadableFile as exc:
                raise TemplateNotFound(f"{template} ({exc.reason})") from None
            mtime = os.path.getmtime(path)
            return text, path, lambda: os.path.exists(path) and os.path.getmtime(path) == mtime

    return make_environment(BoundedLoader(str(base_dir)))


@lru_cache(maxsize=4096)
def _compile(text: str) -> Template:
    return _values_environment().from_string(text)


# `{{ site.domain }}`: most templated values hold nothing else, and Jinja2 costs more to
# import than the rest of `provision validate` takes. They are filled in directly.
_LOOKUP = re.compile(r"\{\{\s*([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\}\}")
_SYNTAX = ("{{", "{%", "{#")


def render(text: str, context: Mapping[str, Any]) -> str:
    """Render a playbook value if it holds Jinja2; plain text is returned as it is."""
    if "{" not in text:
        return text
    filled = _lookups(text, context)
    if filled is not None:
        return filled
    return _guarded(lambda: _bounded(_compile(text), context, VALUE_SECONDS))


def _lookups(text: str, context: Mapping[str, Any]) -> str | None:
    """`text` with each `{{ name.key }}` replaced by that string of the context, when that
    is all the Jinja2 it holds; None otherwise (Jinja2 renders it, or says what is wrong).
    A key that names a dict attribute is left to Jinja2, which looks attributes up first."""
    if "{{{" in text or any(mark in _LOOKUP.sub("", text) for mark in _SYNTAX):
        return None
    values = []
    for match in _LOOKUP.finditer(text):
        mapping, key = context.get(match[1]), match[2]
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if not isinstance(value, str) or hasattr(dict, key):
            return None
        values.append(value)
    found = iter(values)
    return _LOOKUP.sub(lambda _: next(found), text)


def render_file(base_dir: Path, name: str, context: Mapping[str, Any]) -> str:
    """Render the playbook's template file `name` (relative to `base_dir`), sandboxed."""
    return _guarded(
        lambda: _bounded(_files_environment(base_dir).get_template(name), context, FILE_SECONDS)
    )


def _bounded(template: Template, context: Mapping[str, Any], seconds: float) -> str:
    from .sandbox import render_bounded

    return render_bounded(template.generate(context), seconds)


def _guarded(render_it: Any) -> str:
    from jinja2 import TemplateError

    from .sandbox import TemplateLimit

    try:
        return str(render_it())
    except (TemplateError, TemplateLimit) as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise TemplateProblem(f"template error: {message}") from None
    except Exception as exc:  # noqa: BLE001 - a template can raise anything; report it, no traceback
        raise TemplateProblem(f"template error: {type(exc).__name__}: {exc}") from None
