"""Load a playbook: one YAML file, or a directory of them merged by name."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import ERROR, Location, PlaybookError, Problem
from .parse import load_file
from .playbook import Playbook

__all__ = ["Playbook", "load_playbook", "playbook_files", "playbooks_of"]

# Top-level sections whose entries are named objects, merged across files by name.
NAMED_SECTIONS = ("clients", "identities", "sites", "app_kinds", "outputs")
# Top-level sections merged key by key.
KEYED_SECTIONS = ("settings", "defaults")


def playbook_files(path: Path) -> list[Path]:
    """The YAML files of a playbook: the file itself, or a directory's *.yaml/*.yml."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


# A playbook's own file states its version at the top level; a directory playbook's other
# files (its parts) do not.
_VERSION = re.compile(rb"^version[ \t]*:", re.MULTILINE)


def playbooks_of(files: Sequence[str]) -> list[str]:
    """The playbooks that changed files belong to, each once (pre-commit passes files):
    a file whose folder holds a YAML file without a top-level `version` key is part of a
    directory playbook, the folder; any other file is a playbook of its own."""
    found: dict[str, None] = {}
    for name in files:
        folder = Path(name).parent
        found[str(folder) if _is_directory_playbook(folder) else name] = None
    return list(found)


def _is_directory_playbook(folder: Path) -> bool:
    from ..files import MAX_PLAYBOOK_FILE, UnreadableFile, read_file

    for file in playbook_files(folder):
        try:
            if not _VERSION.search(read_file(file, MAX_PLAYBOOK_FILE)):
                return True
        except UnreadableFile:
            continue  # validating the file itself reports it
    return False


def load_playbook(path: str | os.PathLike[str]) -> Playbook:
    """Load and merge a playbook; raise PlaybookError with every problem found."""
    path = Path(path)
    if not path.exists():
        raise PlaybookError([Problem(ERROR, f"no such file or directory: {path}")])
    files = playbook_files(path)
    if not files:
        raise PlaybookError(
            [Problem(ERROR, f"{path} holds no *.yaml or *.yml files", Location(str(path), 1, 1))]
        )
    playbook = Playbook(
        path=path,
        base_dir=path if path.is_dir() else path.parent,
        data={},
        sources=[],
    )
    problems: list[Problem] = []
    for file in files:
        document, source, file_problems = load_file(file)
        problems.extend(file_problems)
        if document is not None:
            playbook.sources.append(source)
            problems.extend(_merge(playbook, document, len(playbook.sources) - 1))
    if problems:
        raise PlaybookError(problems)
    return playbook


def _merge(playbook: Playbook, document: dict[str, Any], index: int) -> Iterator[Problem]:
    data = playbook.data
    for section, value in document.items():
        merged_by = (
            "name" if section in NAMED_SECTIONS else "key" if section in KEYED_SECTIONS else None
        )
        if merged_by and isinstance(value, dict) and isinstance(data.get(section, {}), dict):
            target = data.setdefault(section, {})
            playbook.origins.setdefault((section,), index)
            for name, entry in value.items():
                if name in target:
                    first = _here(playbook, playbook.origins[(section, name)], section, name)
                    here = _here(playbook, index, section, name)
                    what = f"'{name}'" if merged_by == "name" else f"key '{name}'"
                    yield Problem(
                        ERROR,
                        f"{section} {what} is defined twice: in {first} and in {here}",
                        here,
                        (section, name),
                    )
                    continue
                target[name] = entry
                playbook.origins[(section, name)] = index
        elif section in data:
            if data[section] != value:
                first = _here(playbook, playbook.origins[(section,)], section)
                here = _here(playbook, index, section)
                yield Problem(
                    ERROR,
                    f"'{section}' is defined twice, differently: in {first} and in {here}",
                    here,
                    (section,),
                )
        else:
            data[section] = value
            playbook.origins[(section,)] = index


def _here(playbook: Playbook, index: int, *path: str) -> Location:
    source = playbook.sources[index]
    node = source.root
    for depth, part in enumerate(path, 1):
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    node = key_node if depth == len(path) else value_node
                    break
    assert node is not None
    mark = node.start_mark
    return Location(source.file, mark.line + 1, mark.column + 1)
