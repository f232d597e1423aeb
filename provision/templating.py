"""Jinja2 in string values: one sandboxed environment, each text compiled once."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


class TemplateProblem(Exception):
    """A value's template cannot be rendered; the message says why."""


@lru_cache(maxsize=4096)
def _compile(text: str) -> Template:
    return _ENV.from_string(text)


def render(text: str, context: Mapping[str, Any]) -> str:
    """Render `text` if it holds Jinja2; plain text is returned as it is."""
    if "{" not in text:
        return text
    try:
        return _compile(text).render(context)
    except TemplateError as exc:
        raise TemplateProblem(f"template error: {exc.message or exc}") from None
    except Exception as exc:  # noqa: BLE001 - a template can raise anything; report it, no traceback
        raise TemplateProblem(f"template error: {type(exc).__name__}: {exc}") from None
