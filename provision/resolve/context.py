"""What every part of resolving shares: the playbook, and the problems found so far."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ERROR, DocPath, Problem
from ..load import Playbook
from ..templating import TemplateProblem, render

SECTIONS = {"identity": "identities", "client": "clients", "app kind": "app_kinds"}


class Context:
    """Collects every problem, located, instead of stopping at the first."""

    def __init__(
        self, playbook: Playbook, left_out: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        self.playbook = playbook
        self.left_out = left_out  # (section, name) of entries that failed the schema
        self.data = playbook.data
        self.base_dir = playbook.base_dir
        self.problems: list[Problem] = []
        self._seen: set[Problem] = set()

    def error(self, message: str, path: DocPath) -> None:
        problem = Problem(ERROR, message, self.playbook.locate(path), path)
        if problem not in self._seen:  # a value shared by many apps is reported once
            self._seen.add(problem)
            self.problems.append(problem)

    def render(self, text: str, context: Mapping[str, Any], path: DocPath) -> str | None:
        try:
            return render(text, context)
        except TemplateProblem as exc:
            self.error(str(exc), path)
            return None

    def unknown(self, what: str, name: str, known: Mapping[str, Any], path: DocPath) -> None:
        if (SECTIONS[what], name) in self.left_out:
            return  # it is there, but failed the schema: reported already
        choices = ", ".join(sorted(known)) or "none defined"
        self.error(f"unknown {what} '{name}' (defined: {choices})", path)
