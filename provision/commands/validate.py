"""`provision validate`: schema, cross-references, secrets and lint."""

from __future__ import annotations

from ..errors import PlaybookError
from ..report import print_problems
from ..secret import SecretResolver
from ..validate import check_playbook, check_secrets


def run(playbook: str, *, fmt: str, vault_password_file: str | None) -> int:
    checked = check_playbook(playbook)
    resolver = SecretResolver(checked.playbook.base_dir, vault_password_file)
    errors = check_secrets(checked, resolver)
    if errors:
        raise PlaybookError([*errors, *checked.warnings])
    print_problems(checked.warnings, fmt)
    if fmt == "text":
        model = checked.model
        apps = len(model.apps())
        print(
            f"{checked.playbook.path}: valid ({len(model.sites)} sites, {apps} apps, "
            f"{len(model.identities)} identities, {len(model.clients)} clients)"
        )
    return 0
