"""Tokens from a generic OAuth2 provider through authlib: the client authenticates with its
secret in the POST body (`client_secret_post`) or an RS256 JWT assertion (`private_key_jwt`,
RFC 7523). A stored refresh token is used when there is one, else client credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provision.tokens.errors import (
    describe,
    needs_reauthorization,
    oauth_error_text,
    require,
    token_error,
    token_from_answer,
)
from provision.tokens.http import adopt
from provision.tokens.request import Token, TokenError, TokenRequest

if TYPE_CHECKING:
    import requests
    from authlib.integrations.requests_client import OAuth2Session

    from provision.tokens.store import TokenStore

# Answers to client credentials meaning "this client may only act for a signed-in user".
_USER_GRANT_ONLY = ("unauthorized_client", "unsupported_grant_type", "invalid_grant")


def oauth_session(req: TokenRequest, session: requests.Session, **kwargs: Any) -> OAuth2Session:
    """An authlib session for `req` with our trust, timeout and retries; the client
    authenticates as the mode says."""
    from authlib.integrations.requests_client import OAuth2Session

    require(req, client_id=req.client_id, token_endpoint=req.token_endpoint)
    if req.mode == "private_key_jwt":
        from authlib.oauth2.rfc7523 import PrivateKeyJWT

        require(req, private_key=req.private_key)
        assert req.private_key is not None
        client = OAuth2Session(
            req.client_id,
            req.private_key.reveal(),
            token_endpoint_auth_method="private_key_jwt",
            scope=req.scope,
            **kwargs,
        )
        headers = {"kid": req.private_key_id} if req.private_key_id else None
        # aud = the token endpoint (RFC 7523 section 3)
        client.register_client_auth_method(
            PrivateKeyJWT(req.token_endpoint, headers=headers, alg="RS256")
        )
    else:
        require(req, client_secret=req.client_secret)
        assert req.client_secret is not None
        client = OAuth2Session(
            req.client_id,
            req.client_secret.reveal(),
            token_endpoint_auth_method="client_secret_post",
            scope=req.scope,
            **kwargs,
        )
    return adopt(client, session)


def call_token_endpoint(req: TokenRequest, action: str, fetch: Any) -> dict[str, Any]:
    """Run an authlib token call, turning its failures into TokenErrors."""
    from authlib.common.errors import AuthlibBaseError

    try:
        return dict(fetch())
    except AuthlibBaseError as exc:
        answer = {"error": exc.error, "error_description": exc.description}
        raise token_error(req, oauth_error_text(answer)) from None
    except Exception as exc:
        raise token_error(req, f"{action} failed: {describe(exc)}") from None


def acquire_generic(req: TokenRequest, store: TokenStore, session: requests.Session) -> Token:
    """client_secret_post / private_key_jwt: the refresh grant when the store holds a
    refresh token, client credentials otherwise (with `req.scope`)."""
    stored = store.load(req.identity)
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
        return token_from_answer(answer)
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
    return token_from_answer(answer)
