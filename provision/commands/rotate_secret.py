"""`provision rotate-secret`: a new Entra client secret added, stored, delivered to every
app that uses it and verified; with --retire, the secrets it replaced removed."""

from __future__ import annotations

import click

from .. import pipeline
from ..report import reporter

DUE_EXIT = 4  # --check: a rotation (or a retirement) is due


def run(
    playbook: str,
    *,
    clients: tuple[str, ...],
    every: bool,
    expiring_within: int | None,
    check: bool,
    retire: bool,
    lifetime: int | None,
    fmt: str,
    vault_password_file: str | None,
    timeout: float,
) -> int:
    from ..plan.rotation import Selection
    from ..report.rotation import report

    checked = pipeline.check(playbook, vault_password_file=vault_password_file)
    reporter(fmt).warnings(checked.warnings, brief=playbook)
    results = pipeline.rotate(
        checked,
        Selection(clients, every, expiring_within, lifetime, retire),
        dry_run=check,
        progress=lambda text: click.echo(text, err=True),
        timeout=timeout,
    )
    report(results, fmt=fmt, check=check, retire=retire, warnings=checked.warnings)
    if any(result.failed for result in results):
        return 1
    return DUE_EXIT if check and any(result.plan.due for result in results) else 0
