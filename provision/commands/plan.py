"""`provision plan`: what apply would change (files and registrations), changing nothing."""

from __future__ import annotations

from .. import pipeline
from ..report import reporter

DETAILED_EXIT = 4  # --detailed-exitcode: changes are pending


def run(
    playbook: str,
    *,
    limit: str | None,
    prune: bool,
    show_diff: bool,
    detailed_exitcode: bool,
    vault_password_file: str | None,
    fmt: str,
    jobs: int = 8,
) -> int:
    checked = pipeline.check(
        playbook, vault_password_file=vault_password_file, resolve_secrets="used", limit=limit
    )
    out = reporter(fmt)
    out.warnings(checked.warnings)
    model, secrets, warnings = checked.model, checked.resolver, checked.warnings
    del checked  # the loaded YAML (kept to locate problems): as big as all that follows
    # only a diff needs the files' contents: without one, what is not there is not made
    planned = pipeline.plan(
        model, limit=limit, prune=prune, jobs=jobs, secrets=secrets, contents=show_diff
    )
    out.planned(planned, show_diff=show_diff, warnings=warnings)
    if planned.failures or any(r.failed for r in planned.registrations):
        return 1
    pending = planned.pending or any(r.pending for r in planned.registrations)
    return DETAILED_EXIT if detailed_exitcode and pending else 0
