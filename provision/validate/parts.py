"""After schema errors: the parts of the playbook that passed, so the checks that follow
the schema (references, templates, values) still run on them and one run lists every
problem (as check-jsonschema and terraform validate do)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..errors import DocPath, Problem
from ..load import Playbook
from .compiled import passes

SECTIONS = ("clients", "identities", "app_kinds", "outputs", "sites")


def passed_parts(
    playbook: Playbook, problems: Sequence[Problem]
) -> tuple[Playbook, frozenset[tuple[str, str]]] | None:
    """The playbook without each named entry (a client, an identity, an app kind, an
    output, a site, or an app of a site) that a problem lies in, and the (section, name)
    of those left out, whose references are not reported again. None when a problem lies
    outside every named entry: then nothing after the schema can be trusted to run."""
    data = playbook.data
    dropped: set[DocPath] = set()
    for problem in problems:
        entry = _entry(data, problem.path)
        if entry is None:
            return None
        dropped.add(entry)
    pruned = dict(data)
    for path in dropped:
        if any(path[:n] in dropped for n in range(2, len(path))):
            continue  # its site is left out whole
        parent = pruned
        for part in map(str, path[:-1]):
            parent[part] = dict(parent[part])  # copied on the way: the loaded data stays
            parent = parent[part]
        parent.pop(str(path[-1]), None)
    if not passes(pruned):
        return None
    names = frozenset((str(path[0]), str(path[1])) for path in dropped if len(path) == 2)
    return dataclasses.replace(playbook, data=pruned), names


def _entry(data: dict[str, Any], path: DocPath) -> DocPath | None:
    if len(path) < 2 or path[0] not in SECTIONS:
        return None
    section = data.get(str(path[0]))
    if not isinstance(section, dict) or path[1] not in section:
        return None
    if path[0] == "sites" and len(path) >= 4 and path[2] == "apps":
        apps = section[path[1]].get("apps") if isinstance(section[path[1]], dict) else None
        if isinstance(apps, dict) and path[3] in apps:
            return path[:4]
    return path[:2]
