"""The JSON Schema of spec v1, checked against a loaded playbook: the compiled validator
says whether it passes, jsonschema explains what is wrong (`explain`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import Problem
from ..load import Playbook
from .compiled import passes
from .explain import explain
from .formats import FORMATS
from .spec import schema, schema_text

__all__ = ["check_schema", "schema", "schema_text"]


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return Draft202012Validator(schema(), format_checker=checker)


def check_schema(playbook: Playbook) -> list[Problem]:
    """Every schema violation in the playbook, located, best explanation first."""
    if passes(playbook.data):
        return []
    problems: list[Problem] = []
    for error in _validator().iter_errors(playbook.data):
        problems.extend(explain(playbook, error))
    # jsonschema reports each missing key of a `required` list, and a name can
    # fail several of its rules: say each thing once.
    return sorted(dict.fromkeys(problems), key=Problem.order)
