"""Carry out a plan's registration changes: PATCH each registration's redirect URIs to the
planned list, and remember which URIs provision added. A registration that changed since
the plan is refused, not re-planned: apply sends only what the plan showed."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..files import Write, write_files
from ..model import Item, Model
from ..plan.expiry import secret_expiry
from ..plan.registrations import RegistrationPlan, state_path, state_write
from ..providers.microsoft.graph import (
    GraphError,
    GraphTokens,
    patch_redirect_uris,
    read_registration,
)
from ..secret import scrub
from .results import ItemResult, Status

CHANGED_HINT = "run `provision apply` again: it plans from what the registration holds now"


@dataclass(frozen=True)
class RegistrationApplied:
    """One managed registration after apply: patched, unchanged, or failed."""

    plan: RegistrationPlan
    patched: bool = False
    error: str | None = None  # the plan's, or what went wrong carrying it out
    hint: str | None = None
    state: Write | None = field(default=None, repr=False)  # the state file to write

    @property
    def failed(self) -> bool:
        return self.error is not None

    def as_json(self) -> dict[str, object]:
        return self.plan.as_json(patched=self.patched, error=self.error, hint=self.hint)


@dataclass(frozen=True)
class ExpiryWarning:
    """A client secret that expires within settings.expiry_warning_days."""

    item: Item
    message: str

    def as_json(self) -> dict[str, str]:
        return {"item": str(self.item), "message": self.message}


def apply_registrations(
    plans: Sequence[RegistrationPlan], model: Model, tokens: GraphTokens, *, jobs: int = 8
) -> list[RegistrationApplied]:
    """PATCH every pending registration, `jobs` at a time; then write the state files in
    one batch (a registration whose file fails, fails)."""
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(plans) or 1))) as pool:
        applied = list(pool.map(lambda plan: _apply_one(plan, model, tokens), plans))
    writes = [a.state for a in applied if a.state is not None and not a.failed]
    failed = {failure.path: failure.message for failure in write_files(writes)}
    for index, outcome in enumerate(applied):
        if outcome.state is not None and outcome.state.path in failed:
            done = "redirect URIs updated, but " if outcome.patched else ""
            applied[index] = replace(
                outcome,
                error=f"{done}the state file {outcome.state.path} {failed[outcome.state.path]}",
                hint="provision remembers there which URIs it added (merge mode): check "
                "settings.state_dir is writable",
            )
    return applied


def _apply_one(plan: RegistrationPlan, model: Model, tokens: GraphTokens) -> RegistrationApplied:
    from ..net.http import make_session
    from ..tokens.errors import describe

    change, caller = plan.change, plan.caller
    if plan.failed or change is None or caller is None:
        return RegistrationApplied(plan, error=plan.error, hint=plan.hint)
    state = None
    if change.owned != change.owned_before:
        state = state_write(
            state_path(model, plan.client), change.registration.app_id, change.owned
        )
    if not change.pending:
        return RegistrationApplied(plan, state=state)
    try:
        with make_session(caller.ca_file, proxy=caller.proxy) as session:
            token = tokens.get(caller, session)
            now = read_registration(session, plan.client, caller.identity, token)
            if now.redirect_uris != change.registration.redirect_uris:
                return RegistrationApplied(
                    plan,
                    error="the registration's redirect URIs changed since the plan was made: "
                    "nothing was sent",
                    hint=CHANGED_HINT,
                )
            patch_redirect_uris(session, plan.client, caller.identity, token, change.target)
    except GraphError as exc:
        return RegistrationApplied(plan, error=exc.message, hint=exc.hint)
    except Exception as exc:  # one registration's surprise must not stop the others
        text = scrub(f"unexpected failure: {describe(exc)}")
        return RegistrationApplied(plan, error=text)
    return RegistrationApplied(plan, patched=True, state=state)


def registration_results(
    outcomes: Sequence[RegistrationApplied],
    warning_days: int,
    *,
    check: bool = False,
    now: datetime | None = None,
) -> tuple[list[ItemResult], list[ExpiryWarning]]:
    """Apply's results (one per registration, on the `(clients)` recap line) and its
    warnings: a secret expiring within `warning_days` warns, an expired one fails."""
    results: list[ItemResult] = []
    warnings: list[ExpiryWarning] = []
    for outcome in outcomes:
        client, change = outcome.plan.client, outcome.plan.change
        item = Item("client", client.name)
        expiry = secret_expiry(
            client, change.registration.secret_expires if change else None, warning_days, now
        )
        status: Status = "ok"
        action, messages = "unchanged", []
        if change is not None and change.pending and not outcome.failed:
            status, action = "changed", "patch redirect URIs"
            messages.append(
                f"redirect URIs of app registration {change.registration.app_id} "
                f"{'would be updated' if check else 'updated'} "
                f"({client.manage_redirect_uris}): +{len(change.add)} -{len(change.remove)}"
            )
        if outcome.failed:
            status = "failed"
            messages.append(outcome.error or "failed")
        if expiry is not None and not expiry.expired:  # an expired one fails in the plan
            warnings.append(ExpiryWarning(item, expiry.message))
        results.append(
            ItemResult(
                item, status, action=action, message="; ".join(messages) or None, hint=outcome.hint
            )
        )
    return results, warnings
