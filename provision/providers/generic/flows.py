"""Tokens from a generic OAuth2 provider through authlib: the client authenticates with its
secret in the POST body (`client_secret_post`) or an RS256 JWT assertion (`private_key_jwt`,
RFC 7523). A stored refresh token is used when there is one, else client credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...tokens.errors import needs_reauthorization, token_from_answer
from ...tokens.flows import Acquired
from ...tokens.loopback import Interaction
from ...tokens.oauth import auth_code_flow, call_token_endpoint, oauth_session
from ...tokens.request import TokenError, TokenRequest

if TYPE_CHECKING:
    import requests

    from ...tokens.store import StoredTokens

# Answers to client credentials meaning "this client may only act for a signed-in user".
_USER_GRANT_ONLY = ("unauthorized_client", "unsupported_grant_type", "invalid_grant")


def acquire(
    req: TokenRequest, stored: StoredTokens, session: requests.Session, *, fresh: bool
) -> Acquired:
    """The refresh grant when the store holds a refresh token, client credentials
    otherwise (with `req.scope`)."""
    client = oauth_session(req, session)
    if stored.refresh_token is not None:
        refresh = stored.refresh_token.reveal()
        try:
            answer = call_token_endpoint(
                req,
                "token refresh",
                lambda: client.refresh_token(req.token_endpoint, refresh_token=refresh),
            )
        except TokenError as exc:
            raise needs_reauthorization(exc) from None
        if answer.get("refresh_token") == refresh:
            answer.pop("refresh_token")  # authlib copies the old one in: nothing rotated
        return Acquired(token_from_answer(answer))
    try:
        answer = call_token_endpoint(
            req,
            "client credentials",
            lambda: client.fetch_token(req.token_endpoint, grant_type="client_credentials"),
        )
    except TokenError as exc:
        if req.authorization_url and any(code in exc.message for code in _USER_GRANT_ONLY):
            raise TokenError(
                exc.message,
                f"this client signs in a user: run `provision authorize PLAYBOOK "
                f"{req.identity}` once",
                needs_authorization=True,
            ) from None
        raise
    return Acquired(token_from_answer(answer))


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
        scope=req.scope,
        no_refresh_hint="the identity provider may need an offline_access scope (set the "
        "client's scope) to hand out refresh tokens",
    )
