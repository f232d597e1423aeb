"""After a new client secret is stored: the client's app configs re-rendered from the
playbook as it is now (the secret read back through its reference, as `apply` reads it)
and written and delivered by the normal apply path, limited to those apps; then every
identity of the client verified with fresh tokens, retried while Entra does not accept
the new secret yet (it takes seconds to propagate)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..errors import OperationError
from ..model import Client, Model
from ..resolve.secrets import SecretResolver
from ..secret import SecretError
from ..tokens.verify import IdentityResult, Job
from .results import ItemResult

if TYPE_CHECKING:
    from ..tokens.store import TokenStore

# AADSTS7000215 (invalid client secret): what Entra answers until a new secret propagated
NOT_YET = "AADSTS7000215"
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # seconds between attempts: about a minute
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Reloaded:
    """The playbook loaded again once the new secret is stored."""

    model: Model
    secrets: SecretResolver


@dataclass(frozen=True)
class Options:
    """How rotations are carried out: `reload` loads and checks the playbook again with
    the secrets of those apps resolved (the pipeline's check, handed down by the
    command), `progress` tells a person what is going on."""

    playbook: str
    vault_password_file: str | None
    progress: Progress
    reload: Callable[[Sequence[str]], Reloaded]
    timeout: float = 15.0


def stored_hint(reloaded: Reloaded, client: Client) -> str | None:
    """Graph's hint of the secret the playbook gives the client now (None: none)."""
    from ..providers.microsoft.passwords import hint_of

    ref = reloaded.model.clients[client.name].client_secret
    try:
        return hint_of(reloaded.secrets.resolve(ref)) if ref is not None else None
    except SecretError:
        return None


def render(reloaded: Reloaded, apps: Sequence[str]) -> list[ItemResult]:
    """Write the configs of `apps` and run their deliver command through apply, even for
    a config already in place (a stopped run may have written it and not delivered it);
    registrations are not touched. The results of those apps' files."""
    from ..desired import desired_files
    from ..desired.state import Failure
    from ..limit import Limit
    from ..plan import Plan
    from ..plan.files import plan_files
    from . import apply_plan

    if not apps:
        return []
    model, wanted = reloaded.model, set(apps)
    failures: list[Failure] = []
    desired = [
        file
        for file in desired_files(model, reloaded.secrets, Limit.parse(",".join(apps)), failures)
        if file.item.kind == "app" and f"{file.item.name}/{file.item.app}" in wanted
    ]
    by_path = {file.path: file for file in desired}
    changes, _ = plan_files(desired, failures, model.settings.output_dir)
    changes = [
        replace(change, action="deliver", desired=by_path[change.path])
        if change.action == "unchanged" and by_path[change.path].deliver
        else change
        for change in changes
    ]
    applied = apply_plan(Plan(model, tuple(changes), tuple(failures), ()))
    return list(applied.files)


def verify(
    reloaded: Reloaded,
    client: Client,
    progress: Progress,
    *,
    timeout: float,
    backoff: Sequence[float] = BACKOFF,
) -> list[IdentityResult]:
    """Every identity of the client's apps (without any: the client itself, with a
    client-credentials token), each retried while Entra answers AADSTS7000215."""
    from ..desired.credentials import graph_token_request, token_request, units
    from ..providers import mode_spec, provider
    from ..tokens.store import TokenStore

    model = reloaded.model
    client = model.clients[client.name]
    store = TokenStore(model.settings.state_dir / "tokens")
    apps = [
        app
        for app in model.apps()
        if app.identity.client.name == client.name
        and mode_spec(app.identity.mode).secret == "client_secret"
    ]
    checks: list[tuple[str, Callable[[], IdentityResult]]] = []
    for unit in units(apps):
        try:
            job = Job(token_request(unit, model, reloaded.secrets), provider("microsoft"), None)
        except SecretError as exc:
            raise OperationError(f"{unit.name}: {exc}") from None
        checks.append((unit.name, _identity_check(job, store, timeout)))
    if not checks:
        request = graph_token_request(replace(client, graph_client=None), model, reloaded.secrets)
        checks.append((f"client:{client.name}", lambda: _client_token(request, timeout)))
    return [_with_retries(name, check, progress, backoff) for name, check in checks]


def _identity_check(job: Job, store: TokenStore, timeout: float) -> Callable[[], IdentityResult]:
    from ..tokens.verify import verify_identity

    return lambda: verify_identity(job, store, smtp=False, timeout=timeout)


def _with_retries(
    name: str,
    check: Callable[[], IdentityResult],
    progress: Progress,
    backoff: Sequence[float],
) -> IdentityResult:
    result = check()
    for attempt, pause in enumerate(backoff, start=2):
        if result.status == "ok" or NOT_YET not in (result.error or ""):
            return result
        progress(
            f"{name}: Entra does not accept the new client secret yet (it takes a while to "
            f"propagate): trying again in {pause:g} s (attempt {attempt} of {len(backoff) + 1})"
        )
        time.sleep(pause)
        result = check()
    return result


def _client_token(request: object, timeout: float) -> IdentityResult:
    """A client-credentials token for the client itself, as an IdentityResult."""
    from ..net.http import make_session
    from ..providers.microsoft.flows import acquire_client_credentials
    from ..tokens.request import TokenError, TokenRequest

    assert isinstance(request, TokenRequest)
    name = f"client:{request.identity}"
    try:
        with make_session(request.ca_file, timeout, proxy=request.proxy) as session:
            token = acquire_client_credentials(request, request.scope or "", session=session)
    except TokenError as exc:
        return IdentityResult(name, "client_credentials", "failed", exc.message, exc.hint)
    return IdentityResult(name, "client_credentials", "ok", expires_at=token.expires_at)
