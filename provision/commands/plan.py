"""`provision plan`: what apply would change."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ..desired import DesiredState, desired_state
from ..graph import RegistrationOutcome, managed_clients, reconcile
from ..limit import Limit
from ..model import Model
from ..plan import Change, diff, plan_changes, summary
from ..report import dump_json, print_problems
from ..secret import SecretResolver
from ..validate import check_playbook

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "deliver": ">", "unchanged": " "}


@dataclass(frozen=True)
class Planned:
    model: Model
    state: DesiredState
    changes: list[Change]
    secrets: SecretResolver


def prepare(
    playbook: str, *, limit: str | None, prune: bool, vault_password_file: str | None, fmt: str
) -> Planned:
    """load -> validate -> resolve -> desired state -> plan; warnings to stderr."""
    checked = check_playbook(playbook)
    if fmt == "text":
        print_problems(checked.warnings, "text")
    model = checked.model
    del checked  # the YAML node trees (kept for locating problems) are not needed any more
    selection = Limit.parse(limit)
    secrets = SecretResolver(model.base_dir, vault_password_file)
    state = desired_state(model, secrets, selection)
    changes = plan_changes(state, model.settings.output_dir, prune=prune, limit=selection)
    return Planned(model, state, changes, secrets)


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
    planned = prepare(
        playbook, limit=limit, prune=prune, vault_password_file=vault_password_file, fmt=fmt
    )
    pending = [c for c in planned.changes if c.pending]
    counts = summary(planned.changes)
    failures = planned.state.failures
    managed = bool(managed_clients(planned.model))
    registrations = reconcile(planned.model, planned.secrets, jobs=jobs) if managed else []
    if fmt == "json":
        document: dict[str, object] = {
            "changes": [
                {**c.as_json(), **({"diff": diff(c)} if show_diff else {})} for c in pending
            ],
            "summary": counts,
            "failures": [{"item": f.item, "site": f.site, "message": f.message} for f in failures],
        }
        if managed:
            document["registrations"] = [r.as_json() for r in registrations]
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
            f"{counts['delete']} to delete, "
            + (f"{counts['deliver']} to deliver again, " if counts["deliver"] else "")
            + f"{counts['unchanged']} unchanged"
            f"{f', {len(failures)} failed' if failures else ''}.\n"
        )
        if managed:
            _print_registrations(registrations)
    if failures or any(r.failed for r in registrations):
        return 1
    updates = [r for r in registrations if r.change is not None and r.change.pending]
    return 4 if detailed_exitcode and (pending or updates) else 0


def _print_registrations(registrations: list[RegistrationOutcome]) -> None:
    """Redirect URI additions and removals per managed app registration."""
    out = sys.stdout
    counts = {"update": 0, "unchanged": 0, "failed": 0}
    for outcome in registrations:
        change, client = outcome.change, outcome.client
        pending = change is not None and change.pending
        if outcome.failed:
            counts["failed"] += 1
            out.write(f"! failed [client:{client.name}]: {outcome.error}\n")
            if outcome.hint:
                out.write(f"    hint: {outcome.hint}\n")
        elif pending:
            assert change is not None
            counts["update"] += 1
            out.write(
                f"~ update registration {client.name} ({client.manage_redirect_uris}, appId "
                f"{change.registration.app_id}): {len(change.add)} to add, "
                f"{len(change.remove)} to remove\n"
            )
        else:
            counts["unchanged"] += 1
        if change is not None:
            for line in change.uri_lines():
                out.write(f"    {line}\n")
    failed = f", {counts['failed']} failed" if counts["failed"] else ""
    out.write(
        f"Registrations: {counts['update']} to update, {counts['unchanged']} unchanged"
        f"{failed}.\n"
    )
