"""`provision plan`: what apply would change."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ..desired import DesiredState, desired_state
from ..limit import Limit
from ..model import Model
from ..plan import Change, diff, plan_changes, summary
from ..report import dump_json, print_problems
from ..secret import SecretResolver
from ..validate import check_playbook

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "unchanged": " "}


@dataclass(frozen=True)
class Planned:
    model: Model
    state: DesiredState
    changes: list[Change]


def prepare(
    playbook: str, *, limit: str | None, prune: bool, vault_password_file: str | None, fmt: str
) -> Planned:
    """load -> validate -> resolve -> desired state -> plan; warnings to stderr."""
    checked = check_playbook(playbook)
    if fmt == "text":
        print_problems(checked.warnings, "text")
    model = checked.model
    selection = Limit.parse(limit)
    secrets = SecretResolver(model.base_dir, vault_password_file)
    state = desired_state(model, secrets, selection)
    changes = plan_changes(state, model.settings.output_dir, prune=prune, limit=selection)
    return Planned(model, state, changes)


def run(
    playbook: str,
    *,
    limit: str | None,
    prune: bool,
    show_diff: bool,
    detailed_exitcode: bool,
    vault_password_file: str | None,
    fmt: str,
) -> int:
    planned = prepare(
        playbook, limit=limit, prune=prune, vault_password_file=vault_password_file, fmt=fmt
    )
    pending = [c for c in planned.changes if c.pending]
    counts = summary(planned.changes)
    failures = planned.state.failures
    if fmt == "json":
        document: dict[str, object] = {
            "changes": [
                {**c.as_json(), **({"diff": diff(c)} if show_diff else {})} for c in pending
            ],
            "summary": counts,
            "failures": [{"item": f.item, "site": f.site, "message": f.message} for f in failures],
        }
        dump_json(document)
    else:
        out = sys.stdout
        for change in pending:
            out.write(f"{SYMBOLS[change.action]} {change.action} {change.path}  [{change.item}]\n")
            if show_diff:
                out.write(diff(change))
        for failure in failures:
            out.write(f"! failed [{failure.item}]: {failure.message}\n")
        out.write(
            f"Plan: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['delete']} to delete, {counts['unchanged']} unchanged"
            f"{f', {len(failures)} failed' if failures else ''}.\n"
        )
    if failures:
        return 1
    return 4 if detailed_exitcode and pending else 0
