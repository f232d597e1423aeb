"""OAuth2 through authlib, shared by the providers that speak plain OAuth2 (Google's user
consent, generic identity providers): a session that authenticates the client as the mode
says (`client_secret_post`, or an RS256 `private_key_jwt` assertion, RFC 7523), token
endpoint calls turned into TokenErrors, and the authorization code flow with PKCE on a
loopback redirect."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..net.http import adopt
from .errors import describe, oauth_error_text, require, token_error, token_from_answer
from .flows import Acquired
from .loopback import Interaction, LoopbackServer, authorization_url, pkce
from .request import TokenRequest

if TYPE_CHECKING:
    import requests
    from authlib.integrations.requests_client import OAuth2Session


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


def call_token_endpoint(req: TokenRequest, action: str, fetch: Callable[[], Any]) -> dict[str, Any]:
    """Run an authlib token call, turning its failures into TokenErrors."""
    from authlib.common.errors import AuthlibBaseError

    try:
        return dict(fetch())
    except AuthlibBaseError as exc:
        answer = {"error": exc.error, "error_description": exc.description}
        raise token_error(req, oauth_error_text(answer)) from None
    except Exception as exc:
        raise token_error(req, f"{action} failed: {describe(exc)}") from None


def auth_code_flow(
    req: TokenRequest,
    session: requests.Session,
    interaction: Interaction,
    *,
    base: str,
    scope: str | None,
    extra: Mapping[str, str] = {},  # noqa: B006 - read only
    no_refresh_hint: str,
) -> Acquired:
    """Authorization code with PKCE (S256) and state, answered on the loopback; the code
    is exchanged at `req.token_endpoint`. A TokenError when no refresh token comes back."""
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(24)
    with LoopbackServer.listen(interaction) as loopback:
        params = {
            "response_type": "code",
            "client_id": req.client_id or "",
            "redirect_uri": loopback.redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "login_hint": req.sender,
        }
        if scope:
            params["scope"] = scope
        params.update(extra)
        loopback.expected_state = state
        interaction.present(authorization_url(base, params), req, loopback.redirect_uri)
        response = loopback.wait(interaction.timeout)
    if "error" in response:
        raise token_error(req, f"authorization refused: {oauth_error_text(response)}")
    client = oauth_session(replace(req, scope=scope), session)
    answer = call_token_endpoint(
        req,
        "authorization code exchange",
        lambda: client.fetch_token(
            req.token_endpoint,
            grant_type="authorization_code",
            code=response["code"],
            redirect_uri=loopback.redirect_uri,
            code_verifier=verifier,
        ),
    )
    token = token_from_answer(answer)
    if token.refresh_token is None:
        raise token_error(
            req, "the identity provider returned no refresh token", hint=no_refresh_hint
        )
    return Acquired(token)
