"""What every part of resolving shares: the playbook, and the problems found so far."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..errors import ERROR, WARNING, DocPath, Problem, unknown_name
from ..load import Playbook
from ..secret import SecretRef
from ..templating import TemplateProblem, render

SECTIONS = {"identity": "identities", "client": "clients", "app kind": "app_kinds"}


class Context:
    """Collects every problem, located, instead of stopping at the first."""

    def __init__(
        self,
        playbook: Playbook,
        left_out: frozenset[tuple[str, str]] = frozenset(),
        *,
        key_files: bool = True,
    ) -> None:
        self.playbook = playbook
        self.left_out = left_out  # (section, name) of entries that failed the schema
        self.key_files = key_files  # open the clients' key files (they hold secrets)
        self.data = playbook.data
        self.base_dir = playbook.base_dir
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self._seen: set[Problem] = set()

    def error(self, message: str, path: DocPath) -> None:
        problem = Problem(ERROR, message, self.playbook.locate(path), path)
        if problem not in self._seen:  # a value shared by many apps is reported once
            self._seen.add(problem)
            self.problems.append(problem)

    def at(self, path: DocPath) -> str:
        """`file:line` of a value, the file relative to the playbook's folder, for outputs
        that tell a reader where to look (setup sheets)."""
        location = self.playbook.locate(path)
        if location is None:
            return ""
        try:
            file = os.path.relpath(location.file, self.base_dir)
        except ValueError:
            file = location.file
        return f"{file}:{location.line}"

    def secret_ref(self, value: object, path: DocPath) -> SecretRef:
        """The reference a secret's value in the playbook makes; a value written in the
        playbook itself (plain, !vault) knows its `file:line`, which the sheet names (the
        others name their own source, and locating every one would cost a node tree)."""
        at = "" if isinstance(value, dict) else self.at(path)
        return SecretRef.from_spec(value, path, at)

    def warn(self, message: str, path: DocPath) -> None:
        problem = Problem(WARNING, message, self.playbook.locate(path), path)
        if problem not in self.warnings:  # a few per playbook: a list is fine
            self.warnings.append(problem)

    def render(self, text: str, context: Mapping[str, Any], path: DocPath) -> str | None:
        try:
            return render(text, context)
        except TemplateProblem as exc:
            self.error(str(exc), path)
            return None

    def unknown(self, what: str, name: str, known: Mapping[str, Any], path: DocPath) -> None:
        section = SECTIONS[what]
        if (section, name) in self.left_out:
            return  # it is there, but failed the schema: reported already
        broken = {entry for kind, entry in self.left_out if kind == section}
        self.error(unknown_name(what, name, {*known, *broken}), path)
