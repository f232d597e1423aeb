"""`provision validate`: schema, cross-references, secrets and lint."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import PlaybookError, Problem
from ..report import print_problems
from ..secret import SecretResolver
from ..validate import check_playbook, check_secrets


def run(
    playbooks: Sequence[str],
    *,
    fmt: str,
    vault_password_file: str | None,
    resolve_secrets: bool = True,
) -> int:
    """Validate each playbook; all problems of all of them are reported."""
    problems: list[Problem] = []
    failed = False
    summaries = []
    for playbook in playbooks:
        try:
            checked = check_playbook(playbook)
            found = list(checked.warnings)
            if resolve_secrets:
                resolver = SecretResolver(checked.playbook.base_dir, vault_password_file)
                errors = check_secrets(checked, resolver)
                if errors:
                    raise PlaybookError([*errors, *found])
        except PlaybookError as exc:
            problems.extend(exc.problems)
            failed = True
            continue
        problems.extend(found)
        model = checked.model
        summaries.append(
            f"{checked.playbook.path}: valid ({len(model.sites)} sites, {len(model.apps())} apps, "
            f"{len(model.identities)} identities, {len(model.clients)} clients)"
        )
    if failed:
        raise PlaybookError(problems)
    print_problems(problems, fmt)
    if fmt == "text":
        for line in summaries:
            print(line)
    return 0
