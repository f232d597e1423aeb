"""Carry out rotation plans, step by step, the client's state written before each step:

1. adding: addPassword (Graph); the value is kept only in memory, then in the store;
2. stored: the store holds the new value (and client_secret_expires is updated);
3. rendered: the client's app configs are written and delivered;
4. verified: every identity got a fresh token with the new secret; the rotation is done
   and the secret it replaced is put on the list `--retire` removes.

A run that stopped resumes at its step. One stopped between addPassword and the store
(the value is lost, Graph never shows it again) removes the secret it added, which
nobody can use, and adds another. `--retire` removes only the secrets finished rotations
replaced, after every identity verified again with the secret in the store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from ..errors import OperationError, PlaybookError
from ..files import exclusive
from ..plan.rotation import RotationPlan
from ..plan.rotation_state import Rotation, RotationState, write_state
from ..providers.microsoft.graph import GraphError, GraphTokens, format_instant
from ..secret import SecretError
from .results import ItemResult
from .rotation_steps import add_and_store, resume_adding
from .rotation_verify import Options, Reloaded, render, stored_hint, verify

if TYPE_CHECKING:
    from ..tokens.verify import IdentityResult

Outcome = Literal["ok", "rotated", "retired", "failed"]
VERIFY_HINT = (
    "the old secret stays valid; fix what the message says, then run `provision "
    "rotate-secret PLAYBOOK {client}` again: it resumes, without adding another secret"
)


@dataclass(frozen=True)
class RotationResult:
    plan: RotationPlan
    outcome: Outcome
    key_id: str | None = None
    done: tuple[str, ...] = ()  # the steps carried out, in words
    apps: tuple[ItemResult, ...] = ()
    identities: tuple[IdentityResult, ...] = field(default=())
    removed: tuple[str, ...] = ()
    error: str | None = None
    hint: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


def carry_out(plan: RotationPlan, options: Options) -> RotationResult:
    """Rotate (or, planned so, retire) one client; never raises for its own failures."""
    if plan.failed:
        return RotationResult(plan, "failed", error=plan.error, hint=plan.hint)
    if not plan.due:
        return RotationResult(plan, "ok")
    try:
        with _locked(plan):
            if plan.retire:
                return _retire(plan, options)
            return _rotate(plan, options)
    except (OperationError, PlaybookError, SecretError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        if isinstance(exc, PlaybookError):
            message = "; ".join(str(problem) for problem in exc.problems[:3])
        return RotationResult(plan, "failed", error=message, hint=getattr(exc, "hint", None))


def _rotate(plan: RotationPlan, options: Options) -> RotationResult:
    state, done = plan.state, []
    rotation = state.rotation
    # Graph's hint of the new secret: to check the store gives it back
    expected = next(
        (p.hint for p in plan.passwords if rotation and p.key_id == rotation.key_id), None
    )
    if rotation is None or rotation.step == "adding":
        removed: list[str] = []
        if rotation is not None:
            rotation, removed = resume_adding(plan, rotation, options)
            done += [
                f"removed secret {key} (its value was lost in a stopped run)" for key in removed
            ]
        if rotation is None:
            rotation, expected = add_and_store(plan, options, removed)
            done.append(f"added secret '{rotation.display_name}' ({rotation.key_id}), stored it")
        else:
            done.append(f"found the new secret ({rotation.key_id}) in the store already")
        state = replace(state, rotation=rotation)
    assert rotation is not None and rotation.key_id is not None
    reloaded = options.reload(plan.apps)
    if expected is not None and stored_hint(reloaded, plan.client) != expected:
        raise OperationError(
            f"the playbook's client_secret ({plan.store.describe()}) does not give back the "
            "new secret",
            "check that the store command keeps what it receives and the command prints it",
        )
    apps: list[ItemResult] = []
    if rotation.step == "stored":
        apps = render(reloaded, plan.apps)
        failed = [r for r in apps if r.status == "failed"]
        if failed:
            return RotationResult(
                plan,
                "failed",
                rotation.key_id,
                tuple(done),
                tuple(apps),
                error=f"{len(failed)} app config(s) could not be written or delivered",
                hint=VERIFY_HINT.format(client=plan.client.name),
            )
        rotation = rotation.at("rendered")
        state = _save(plan, replace(state, rotation=rotation))
        done.append(f"wrote {len(apps)} app config(s)")
    options.progress(f"{plan.client.name}: verifying {len(plan.identities)} identity(ies)")
    results = verify(reloaded, plan.client, options.progress, timeout=options.timeout)
    bad, why = _unverified(results)
    if bad:
        return RotationResult(
            plan,
            "failed",
            rotation.key_id,
            tuple(done),
            tuple(apps),
            tuple(results),
            error=f"{len(bad)} identity(ies) did not verify with the new secret: {why}",
            hint=(bad[0].hint.rstrip(". ") + "; " if bad[0].hint else "")
            + VERIFY_HINT.format(client=plan.client.name),
        )
    _save(plan, _finished(state, rotation))
    done.append(f"verified {len(results)} identity(ies)")
    return RotationResult(
        plan, "rotated", rotation.key_id, tuple(done), tuple(apps), tuple(results)
    )


def _unverified(results: Sequence[IdentityResult]) -> tuple[list[IdentityResult], str]:
    """The identities that did not verify, and why, in one line."""
    bad = [result for result in results if result.status != "ok"]
    return bad, "; ".join(r.error or f"{r.name}: {r.status}" for r in bad)


def _finished(state: RotationState, rotation: Rotation) -> RotationState:
    entry = {
        "key_id": rotation.key_id or "",
        "display_name": rotation.display_name,
        "done": format_instant(datetime.now(UTC)),
    }
    retire = tuple(dict.fromkeys(state.retire + rotation.replaces))
    return replace(state, rotation=None, retire=retire, rotated=(*state.rotated, entry)[-20:])


def _retire(plan: RotationPlan, options: Options) -> RotationResult:
    from ..net.http import make_session
    from ..providers.microsoft.passwords import remove_password

    reloaded: Reloaded = options.reload(plan.apps)
    options.progress(f"{plan.client.name}: verifying every identity before retiring")
    results = verify(reloaded, plan.client, options.progress, timeout=options.timeout)
    bad, why = _unverified(results)
    if bad:
        return RotationResult(
            plan,
            "failed",
            identities=tuple(results),
            error="not every identity verified with the current secret: nothing was retired; "
            + why,
            hint=bad[0].hint,
        )
    caller, state = plan.caller, plan.state
    removed: list[str] = []
    assert caller is not None
    with make_session(caller.ca_file, retries=0, proxy=caller.proxy) as session:
        token = GraphTokens().get(caller, session)
        for password in plan.retire:
            try:
                remove_password(session, plan.client, caller.identity, token, password.key_id)
            except GraphError as exc:
                return RotationResult(
                    plan,
                    "failed",
                    identities=tuple(results),
                    removed=tuple(removed),
                    error=exc.message,
                    hint=exc.hint,
                )
            removed.append(password.key_id)
            state = _save(
                plan, replace(state, retire=tuple(k for k in state.retire if k not in removed))
            )
    return RotationResult(
        plan,
        "retired",
        identities=tuple(results),
        removed=tuple(removed),
        done=tuple(f"removed secret {key}" for key in removed),
    )


def _save(plan: RotationPlan, state: RotationState) -> RotationState:
    try:
        write_state(plan.state_file, state)
    except OSError as exc:
        raise OperationError(
            f"cannot write the rotation state {plan.state_file}: {exc}",
            "settings.state_dir must be writable: the state lets a stopped run resume",
        ) from None
    return state


@contextmanager
def _locked(plan: RotationPlan) -> Iterator[None]:
    """One rotation of a client at a time (a second would add a second secret)."""
    busy = f"another rotate-secret is running for client '{plan.client.name}'"
    with exclusive(plan.state_file.with_suffix(".lock"), busy):
        yield
