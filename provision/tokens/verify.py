"""Token acquisition by mode, and `verify`: every identity acquires a token (and, asked to,
authenticates to SMTP) in parallel; one failure never stops the others."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from provision.tokens.errors import describe, token_error
from provision.tokens.request import SmtpTarget, Token, TokenError, TokenRequest, redact

if TYPE_CHECKING:
    import requests

    from provision.tokens.store import TokenStore

STATUSES = ("ok", "failed", "needs-authorization")


@dataclass(frozen=True)
class IdentityResult:
    """The outcome for one identity; never holds a secret."""

    name: str
    mode: str
    status: str  # one of STATUSES
    error: str | None = None
    hint: str | None = None
    expires_at: datetime | None = None  # of the access token, when one was acquired


def _fetch(
    req: TokenRequest, store: TokenStore, session: requests.Session, *, fresh: bool
) -> Token:
    if req.mode == "microsoft365":
        from provision.tokens.microsoft import acquire_by_password

        return acquire_by_password(req, session)
    if req.mode == "exchange":
        from provision.tokens.microsoft import acquire_by_refresh

        # saves MSAL's cache itself
        return acquire_by_refresh(req, store, session, force_refresh=fresh)
    if req.mode == "gmail":
        from provision.tokens.google import acquire_gmail

        return acquire_gmail(req, store, session)
    if req.mode == "google_service_account":
        from provision.tokens.google import acquire_service_account

        return acquire_service_account(req, session)
    if req.mode in ("client_secret_post", "private_key_jwt"):
        from provision.tokens.generic import acquire_generic

        return acquire_generic(req, store, session)
    raise TokenError(f"{req.identity}: unknown mode {req.mode!r}")


def acquire_token(
    req: TokenRequest,
    store: TokenStore,
    session: requests.Session,
    *,
    reuse: bool = True,
) -> Token:
    """An access token for `req`: the stored one while it stays valid for more than five
    minutes (and `reuse`), else a new one from the identity provider, which is stored
    together with a rotated refresh token."""
    fingerprint = req.fingerprint()
    if reuse:
        cached = store.load(req.identity).reusable_token(fingerprint)
        if cached is not None:
            return cached
    try:
        token = _fetch(req, store, session, fresh=not reuse)
    except TokenError:
        raise
    except Exception as exc:  # a library failing in a way we did not foresee
        raise token_error(req, f"token acquisition failed: {describe(exc)}") from None
    if req.mode != "exchange":
        store.save_token(req.identity, token, fingerprint=fingerprint)
    return token


def verify_identity(
    req: TokenRequest,
    target: SmtpTarget | None,
    store: TokenStore,
    *,
    smtp: bool,
    timeout: float = 15.0,
    retries: int = 3,
    reuse: bool = True,
) -> IdentityResult:
    """Acquire `req`'s token and, with `smtp`, authenticate to `target`; never raises."""
    from provision.tokens.http import make_session

    expires_at: datetime | None = None
    try:
        session = make_session(req.ca_file, timeout, retries)
        try:
            token = acquire_token(req, store, session, reuse=reuse)
            expires_at = token.expires_at
            if smtp:
                if target is None:
                    raise TokenError(
                        f"{req.identity}: no SMTP server to verify against",
                        "a generic provider has no default SMTP server: set the identity's "
                        "smtp (host, port, security)",
                    )
                from provision.tokens.smtp import xoauth2_login

                try:
                    xoauth2_login(
                        target,
                        req.mailbox,
                        token.access_token,
                        ca_file=req.ca_file,
                        timeout=timeout,
                    )
                except TokenError as exc:
                    raise TokenError(f"{req.identity}: {exc.message}", exc.hint) from None
        finally:
            session.close()
    except TokenError as exc:
        status = "needs-authorization" if exc.needs_authorization else "failed"
        return IdentityResult(
            req.identity,
            req.mode,
            status,
            redact(exc.message, req.secrets()),
            exc.hint,
            expires_at,
        )
    except Exception as exc:
        message = redact(f"{req.identity}: {describe(exc)}", req.secrets())
        return IdentityResult(req.identity, req.mode, "failed", message, None, expires_at)
    return IdentityResult(req.identity, req.mode, "ok", None, None, expires_at)


def verify_identities(
    items: Sequence[tuple[TokenRequest, SmtpTarget | None]],
    store: TokenStore,
    *,
    jobs: int = 8,
    smtp: bool,
    on_done: Callable[[IdentityResult], None] | None = None,
    timeout: float = 15.0,
    retries: int = 3,
    reuse: bool = True,
) -> list[IdentityResult]:
    """Verify every identity, `jobs` at a time; results in the order of `items`.
    `on_done` is called (from worker threads) as each identity finishes."""

    def run(item: tuple[TokenRequest, SmtpTarget | None]) -> IdentityResult:
        req, target = item
        result = verify_identity(
            req, target, store, smtp=smtp, timeout=timeout, retries=retries, reuse=reuse
        )
        if on_done is not None:
            on_done(result)
        return result

    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(items)))) as pool:
        return list(pool.map(run, items))
