"""Printing problems and results: one reporter per --format, looked up by name."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from .errors import ERROR, Problem


def dump_json(document: Any, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    json.dump(document, stream, indent=2, sort_keys=False, default=str)
    stream.write("\n")


def print_problems(problems: Iterable[Problem], fmt: str, *, stream: TextIO | None = None) -> None:
    """Problems as text lines on stderr, or as {"problems": [...]} JSON on stdout."""
    problems = list(problems)
    if fmt == "json":
        dump_json(
            {
                "valid": not any(p.severity == ERROR for p in problems),
                "problems": [p.as_json() for p in problems],
            },
            stream,
        )
        return
    out = stream or sys.stderr
    for problem in problems:
        out.write(f"{problem}\n")
    errors = sum(1 for p in problems if p.severity == ERROR)
    if errors:
        out.write(f"{errors} error{'s' if errors != 1 else ''} found\n")
