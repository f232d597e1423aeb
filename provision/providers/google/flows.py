"""Google tokens through google-auth: a service account with domain-wide delegation
(`google_service_account`) and a user's refresh token from an interactive authorization
(`gmail`, signed in through the shared OAuth2 code flow)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...secret import Secret
from ...tokens.errors import describe, needs_reauthorization, require, token_error
from ...tokens.flows import Acquired
from ...tokens.loopback import Interaction
from ...tokens.oauth import auth_code_flow
from ...tokens.request import Token, TokenError, TokenRequest
from . import MAIL_SCOPE

if TYPE_CHECKING:
    import requests

    from ...tokens.store import StoredTokens

SCOPES = [MAIL_SCOPE]


def acquire(
    req: TokenRequest, stored: StoredTokens, session: requests.Session, *, fresh: bool
) -> Acquired:
    if req.mode == "google_service_account":
        return Acquired(acquire_service_account(req, session))
    return Acquired(acquire_gmail(req, stored, session))


def authorize(
    req: TokenRequest, session: requests.Session, interaction: Interaction, *, device_code: bool
) -> Acquired:
    if device_code:
        raise TokenError(f"{req.identity}: the device code flow is only offered for Microsoft")
    assert req.authorization_url is not None
    return auth_code_flow(
        req,
        session,
        interaction,
        base=req.authorization_url,
        scope=req.scope or MAIL_SCOPE,
        # a refresh token only comes with offline access and a fresh consent
        extra={"access_type": "offline", "prompt": "consent"},
        no_refresh_hint="Google returns one only with access_type=offline and prompt=consent "
        "in the authorization URL",
    )


def _transport(session: requests.Session) -> Any:
    """google-auth's transport over our session. google-auth passes its own 120 s timeout
    unless told otherwise: None lets the session's timeout apply."""
    from google.auth.transport.requests import Request

    return functools.partial(Request(session), timeout=None)


def _refresh(req: TokenRequest, credentials: Any, session: requests.Session) -> None:
    from google.auth import exceptions

    try:
        credentials.refresh(_transport(session))
    except exceptions.RefreshError as exc:
        # args: (message "error: description", response data, ...)
        raise token_error(req, str(exc.args[0]) if exc.args else "token refresh failed") from None
    except exceptions.TransportError as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        raise token_error(req, f"token request failed: {describe(cause)}") from None
    except Exception as exc:
        raise token_error(req, f"token request failed: {describe(exc)}") from None


def _expiry(credentials: Any) -> datetime:
    expiry: datetime | None = credentials.expiry  # naive UTC in google-auth
    if expiry is None:
        raise TokenError("the token answer carries no expiry")
    return expiry.replace(tzinfo=UTC) if expiry.tzinfo is None else expiry


def acquire_service_account(req: TokenRequest, session: requests.Session) -> Token:
    """google_service_account: a signed JWT for `sub` = the sender (domain-wide delegation)."""
    from google.oauth2 import service_account

    require(req, client_email=req.client_email, private_key=req.private_key)
    assert req.private_key is not None
    info = {
        "type": "service_account",
        "client_email": req.client_email,
        "private_key_id": req.private_key_id,
        "private_key": req.private_key.reveal(),
        "client_id": req.client_id,
        "token_uri": req.token_endpoint,
    }
    try:
        credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=SCOPES, subject=req.sender
        )
    except Exception:
        raise token_error(
            req,
            "the service account's private key cannot be loaded",
            hint="private_key must be the PEM key from the service account's key JSON",
        ) from None
    _refresh(req, credentials, session)
    return Token(Secret(str(credentials.token), "access token"), _expiry(credentials))


def acquire_gmail(req: TokenRequest, stored: StoredTokens, session: requests.Session) -> Token:
    """gmail: a new access token from the stored refresh token (rotated ones are returned in
    `Token.refresh_token` for the caller to save)."""
    import google.oauth2.credentials

    require(req, client_id=req.client_id, client_secret=req.client_secret)
    assert req.client_secret is not None
    if stored.refresh_token is None:
        raise TokenError(
            f"{req.identity}: not authorized yet",
            f"run `provision authorize PLAYBOOK {req.identity}` once to sign in as {req.sender}",
            needs_authorization=True,
        )
    # Built directly: from_authorized_user_info() would replace token_uri with Google's.
    credentials = google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=stored.refresh_token.reveal(),
        token_uri=req.token_endpoint,
        client_id=req.client_id,
        client_secret=req.client_secret.reveal(),
        scopes=SCOPES,
    )
    try:
        _refresh(req, credentials, session)
    except TokenError as exc:
        raise needs_reauthorization(exc) from None
    refresh = credentials.refresh_token
    return Token(
        Secret(str(credentials.token), "access token"),
        _expiry(credentials),
        Secret(refresh, "refresh token") if refresh else stored.refresh_token,
    )
