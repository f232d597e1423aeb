"""Acquiring tokens through a provider's flows with the token store, and `verify`: every
identity acquires a token (and, asked to, authenticates to SMTP) in parallel; one failure
never stops the others."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from .. import log
from ..hints import with_hint
from ..model import Smtp
from ..secret import scrub
from .errors import describe, token_error
from .flows import Flows
from .request import Token, TokenError, TokenRequest

if TYPE_CHECKING:
    import requests

    from .store import TokenStore

Status = Literal["ok", "failed", "needs-authorization"]


@dataclass(frozen=True)
class Job:
    """One identity to verify: its request, its provider's flows, its SMTP server."""

    request: TokenRequest
    flows: Flows
    smtp: Smtp | None


@dataclass(frozen=True)
class IdentityResult:
    """The outcome for one identity; never holds a secret."""

    name: str
    mode: str
    status: Status
    error: str | None = None
    hint: str | None = None
    expires_at: datetime | None = None  # of the access token, when one was acquired
    # when the outcome was known (the verify records keep it)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def acquire_token(
    req: TokenRequest,
    flows: Flows,
    store: TokenStore,
    session: requests.Session,
    *,
    reuse: bool = False,
) -> Token:
    """A new access token for `req` from the identity provider (stored with what the flow
    rotated); with `reuse`, the stored one instead while it stays valid for more than five
    minutes and was issued for exactly today's credentials. A TokenError carries its hint."""
    try:
        stored = store.load(req.identity)
        if reuse:
            cached = stored.reusable_token(store.digest(req))
            if cached is not None:
                return cached
        try:
            acquired = flows.acquire(req, stored, session, fresh=not reuse)
        except TokenError:
            raise
        except Exception as exc:  # a library failing in a way we did not foresee
            raise token_error(req, f"token acquisition failed: {describe(exc)}") from None
        store.save_token(req, acquired.token, **acquired.keep())
    except TokenError as exc:
        raise with_hint(exc, (flows.hints,)) from None
    return acquired.token


def verify_identity(
    job: Job,
    store: TokenStore,
    *,
    smtp: bool,
    timeout: float = 15.0,
    retries: int = 3,
) -> IdentityResult:
    """Acquire a new token for the job (never a cached one: verify proves what the apps
    will use today) and, with `smtp`, authenticate to its server; never raises."""
    from ..net.http import make_session

    req = job.request
    expires_at: datetime | None = None
    try:
        session = make_session(req.ca_file, timeout, retries, proxy=req.proxy)
        try:
            token = acquire_token(req, job.flows, store, session)
            expires_at = token.expires_at
            if smtp:
                _smtp_login(job, token, timeout)
        finally:
            session.close()
    except TokenError as exc:
        status: Status = "needs-authorization" if exc.needs_authorization else "failed"
        with_hint(exc, (job.flows.hints,))
        return IdentityResult(
            req.identity, req.mode, status, scrub(exc.message), exc.hint, expires_at
        )
    except Exception as exc:
        message = scrub(f"{req.identity}: {describe(exc)}")
        return IdentityResult(req.identity, req.mode, "failed", message, None, expires_at)
    return IdentityResult(req.identity, req.mode, "ok", None, None, expires_at)


def _smtp_login(job: Job, token: Token, timeout: float) -> None:
    req = job.request
    if job.smtp is None:
        raise TokenError(
            f"{req.identity}: no SMTP server to verify against",
            "a generic provider has no default SMTP server: set the identity's "
            "smtp (host, port, security)",
        )
    from .smtp import xoauth2_login

    try:
        xoauth2_login(
            job.smtp, req.mailbox, token.access_token, ca_file=req.ca_file, timeout=timeout
        )
    except TokenError as exc:
        raise TokenError(f"{req.identity}: {exc.message}", exc.hint) from None


def verify_identities(
    jobs: Sequence[Job],
    store: TokenStore,
    *,
    workers: int = 8,
    smtp: bool,
    on_done: Callable[[IdentityResult], None] | None = None,
    timeout: float = 15.0,
    retries: int = 3,
) -> list[IdentityResult]:
    """Verify every job, `workers` at a time; results in the order of `jobs`.
    `on_done` is called (from worker threads) as each identity finishes."""

    def run(job: Job) -> IdentityResult:
        started = log.clock()
        result = verify_identity(job, store, smtp=smtp, timeout=timeout, retries=retries)
        log.info("verify", "%s (%s): %s", result.name, result.mode, result.status, since=started)
        if on_done is not None:
            on_done(result)
        return result

    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        return list(pool.map(run, jobs))
