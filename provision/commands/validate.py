"""`provision validate`: schema, cross-references, secrets and lint, for each playbook."""

from __future__ import annotations

from collections.abc import Sequence

from .. import pipeline
from ..errors import PlaybookError, Problem
from ..load import playbooks_of
from ..report import reporter


def run(
    playbooks: Sequence[str],
    *,
    fmt: str,
    vault_password_file: str | None,
    resolve_secrets: bool = True,
    changed: bool = False,
) -> int:
    """Validate each playbook (with `changed`: each playbook the changed files named
    belong to); all problems of all of them are reported."""
    if changed:
        playbooks = playbooks_of(playbooks)
    problems: list[Problem] = []
    checked = []
    failed = False
    for playbook in playbooks:
        try:
            one = pipeline.check(
                playbook,
                vault_password_file=vault_password_file,
                resolve_secrets=resolve_secrets,
                key_files=resolve_secrets,
            )
        except PlaybookError as exc:
            problems.extend(exc.problems)
            failed = True
            continue
        problems.extend(one.warnings)
        checked.append(one)
    if failed:
        raise PlaybookError(problems)
    reporter(fmt).validated(checked, problems)
    return 0
