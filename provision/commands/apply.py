"""`provision apply`: make the output directory (and managed app registrations) match the spec."""

from __future__ import annotations

from .. import pipeline
from ..report import reporter


def run(
    playbook: str,
    *,
    limit: str | None,
    prune: bool,
    check: bool,
    show_diff: bool,
    vault_password_file: str | None,
    fmt: str,
    jobs: int = 8,
) -> int:
    checked = pipeline.check(
        playbook, vault_password_file=vault_password_file, resolve_secrets="used", limit=limit
    )
    out = reporter(fmt)
    out.warnings(checked.warnings, brief=playbook)
    model, secrets, warnings = checked.model, checked.resolver, checked.warnings
    del checked  # the loaded YAML (kept to locate problems): as big as all that follows
    planned = pipeline.plan(model, limit=limit, prune=prune, jobs=jobs, secrets=secrets)
    result = pipeline.apply(planned, check=check, jobs=jobs)
    out.applied(result, show_diff=show_diff, warnings=warnings)
    return 1 if result.failed else 0
