"""Microsoft Entra tokens through MSAL: ROPC (`microsoft365`), refresh tokens from an
interactive authorization (`exchange`: auth code with PKCE, or the device code flow),
and client credentials (app-only SMTP, Graph).

A new MSAL application per acquisition: MSAL caches 400 answers and throttles per
application object, which must not leak from one identity (or attempt) to the next.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...secret import Secret
from ...tokens.errors import (
    from_exception,
    needs_reauthorization,
    oauth_error_text,
    require,
    token_error,
    token_from_answer,
)
from ...tokens.flows import Acquired
from ...tokens.loopback import Interaction, LoopbackServer, other_account
from ...tokens.request import Token, TokenError, TokenRequest
from . import APP_SCOPE, AUTHORITY, SMTP_SCOPE

if TYPE_CHECKING:
    import msal
    import requests

    from ...tokens.store import StoredTokens

SMTP_SCOPES = [SMTP_SCOPE]


class PortKeepingClient:
    """MSAL's `http_client`: the session, except that URLs MSAL builds from the authority's
    host name alone (user realm discovery: `https://<host>/common/userrealm/...`) get the
    authority's port back. Without a port in the authority it changes nothing."""

    def __init__(self, session: requests.Session, authority: str) -> None:
        self.session = session
        parts = urlsplit(authority)
        self._bare = f"https://{parts.hostname}/"
        self._with_port = f"https://{parts.netloc}/" if parts.port else None

    def _fix(self, url: str) -> str:
        if self._with_port and url.lower().startswith(self._bare):
            return self._with_port + url[len(self._bare) :]
        return url

    # The signatures of msal.oauth2cli.http.HttpClient (not requests' positional order).
    def get(
        self, url: str, params: Any = None, headers: Any = None, **kwargs: Any
    ) -> requests.Response:
        return self.session.get(self._fix(url), params=params, headers=headers, **kwargs)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> requests.Response:
        return self.session.post(
            self._fix(url), params=params, data=data, headers=headers, **kwargs
        )

    def close(self) -> None:  # MSAL may close its client; the session belongs to the caller
        pass


def authority_url(req: TokenRequest) -> str:
    return f"{(req.authority or AUTHORITY).rstrip('/')}/{req.tenant}"


def application(
    req: TokenRequest,
    session: requests.Session,
    cache: msal.SerializableTokenCache | None = None,
    *,
    public: bool = False,
) -> msal.ClientApplication:
    """A fresh MSAL application for `req` (this already fetches the authority's OpenID
    configuration): confidential, with the client secret, or `public`, without one (the
    device code flow; a token it issued must be refreshed the same way: AADSTS700025)."""
    import msal

    require(req, tenant=req.tenant, client_id=req.client_id)
    authority = authority_url(req)
    kwargs: dict[str, Any] = {
        "authority": authority,
        "http_client": PortKeepingClient(session, authority),
        "token_cache": cache,
    }
    if urlsplit(authority).hostname != urlsplit(AUTHORITY).hostname:
        # Sovereign clouds and test IdPs: do not ask the public cloud about this host.
        kwargs["instance_discovery"] = False
    try:
        if public:
            return msal.PublicClientApplication(req.client_id, **kwargs)
        require(req, client_secret=req.client_secret)
        assert req.client_secret is not None
        return msal.ConfidentialClientApplication(
            req.client_id, client_credential=req.client_secret.reveal(), **kwargs
        )
    except TokenError:
        raise
    except Exception as exc:
        raise from_exception(req, f"authority {authority}", exc) from None


def result_to_token(req: TokenRequest, result: dict[str, Any] | None) -> Token:
    """A Token from an MSAL result, or a TokenError with the AADSTS text."""
    if not result:
        raise token_error(req, "the identity provider returned no token")
    if "access_token" not in result:
        raise token_error(req, oauth_error_text(result))
    return token_from_answer(result)


def acquire(
    req: TokenRequest, stored: StoredTokens, session: requests.Session, *, fresh: bool
) -> Acquired:
    if req.mode == "microsoft365":
        return Acquired(acquire_by_password(req, session))
    if req.mode == "exchange":
        return acquire_by_refresh(req, stored, session, force_refresh=fresh)
    return Acquired(acquire_client_credentials(req, req.scope or APP_SCOPE, session=session))


def acquire_by_password(req: TokenRequest, session: requests.Session) -> Token:
    """microsoft365: resource owner password credentials for `req.mailbox`."""
    require(req, password=req.password)
    assert req.password is not None
    app = application(req, session)
    try:
        result = app.acquire_token_by_username_password(
            req.mailbox, req.password.reveal(), scopes=SMTP_SCOPES
        )
    except Exception as exc:
        raise from_exception(req, "password sign-in", exc) from None
    return result_to_token(req, result)


def acquire_by_refresh(
    req: TokenRequest,
    stored: StoredTokens,
    session: requests.Session,
    *,
    force_refresh: bool = False,
) -> Acquired:
    """exchange: an access token from the authorization stored by `provision authorize`
    (MSAL's token cache, else the bare refresh token). MSAL's cached access token is
    returned unless `force_refresh`."""
    import msal

    if stored.msal_cache is None and stored.refresh_token is None:
        raise TokenError(
            f"{req.identity}: not authorized yet",
            f"run `provision authorize PLAYBOOK {req.identity}` once to sign in as {req.sender}",
            needs_authorization=True,
        )
    cache = msal.SerializableTokenCache()
    if stored.msal_cache is not None:
        try:
            cache.deserialize(stored.msal_cache.reveal())
        except ValueError:
            cache = msal.SerializableTokenCache()  # damaged: fall back to the refresh token
    app = application(req, session, cache, public=stored.public_client)
    try:
        result: dict[str, Any] | None = None
        accounts = app.get_accounts(username=req.sender) or app.get_accounts()
        if accounts:
            result = app.acquire_token_silent_with_error(
                SMTP_SCOPES, account=accounts[0], force_refresh=force_refresh
            )
        if (not result or "access_token" not in result) and stored.refresh_token is not None:
            result = app.acquire_token_by_refresh_token(
                stored.refresh_token.reveal(), scopes=SMTP_SCOPES
            )
    except Exception as exc:
        raise from_exception(req, "token refresh", exc) from None
    try:
        token = result_to_token(req, result)
    except TokenError as exc:
        raise needs_reauthorization(exc) from None
    return Acquired(token, _serialized(cache), public_client=stored.public_client)


def acquire_client_credentials(
    req: TokenRequest,
    scope: str = APP_SCOPE,
    *,
    session: requests.Session | None = None,
) -> Token:
    """An app-only token (client credentials) for `scope`: SMTP with SMTP.SendAsApp
    (`https://outlook.office365.com/.default`) or Graph (`https://graph.microsoft.com/.default`)."""
    if session is None:
        from ...net.http import make_session

        session = make_session(req.ca_file, proxy=req.proxy)
    app = application(req, session)
    try:
        result = app.acquire_token_for_client(scopes=[scope])
    except Exception as exc:
        raise from_exception(req, "client credentials", exc) from None
    return result_to_token(req, result)


def _serialized(cache: msal.SerializableTokenCache) -> Secret:
    return Secret(cache.serialize(), "msal cache")


def authorize(
    req: TokenRequest, session: requests.Session, interaction: Interaction, *, device_code: bool
) -> Acquired:
    import msal

    cache = msal.SerializableTokenCache()
    app = application(req, session, cache, public=device_code)
    if device_code:
        result = _device_code(req, app, interaction)
    else:
        result = _auth_code(req, app, interaction)
    token = result_to_token(req, result)
    note = other_account(req, result.get("id_token_claims") or {})
    return Acquired(token, _serialized(cache), note, public_client=device_code)


def _auth_code(
    req: TokenRequest, app: msal.ClientApplication, interaction: Interaction
) -> dict[str, Any]:
    with LoopbackServer.listen(interaction) as loopback:
        try:
            # MSAL adds PKCE (S256), state, nonce and offline_access itself. form_post keeps
            # the code out of the browser's history, unless the address may be pasted back.
            flow = app.initiate_auth_code_flow(
                SMTP_SCOPES,
                redirect_uri=loopback.redirect_uri,
                login_hint=req.sender,
                response_mode=interaction.response_mode,
            )
        except Exception as exc:
            raise from_exception(req, "starting the authorization", exc) from None
        loopback.expected_state = flow.get("state")
        interaction.present(flow["auth_uri"], req, loopback.redirect_uri)
        response = loopback.wait(interaction.timeout)
    try:
        result: dict[str, Any] = app.acquire_token_by_auth_code_flow(flow, response)
    except Exception as exc:  # MSAL raises ValueError on a state mismatch
        raise from_exception(req, "the authorization response", exc) from None
    return result


def _device_code(
    req: TokenRequest, app: msal.PublicClientApplication, interaction: Interaction
) -> dict[str, Any]:
    try:
        flow = app.initiate_device_flow(scopes=SMTP_SCOPES)
    except Exception as exc:
        raise from_exception(req, "starting the device code flow", exc) from None
    if "user_code" not in flow:
        raise token_error(req, oauth_error_text(flow))
    interaction.echo(
        str(
            flow.get("message")
            or f"Open {flow.get('verification_uri')} and enter the code {flow['user_code']}"
        )
    )
    deadline = time.time() + interaction.timeout
    flow["expires_at"] = min(float(flow.get("expires_at", 0)) or 1e18, deadline)
    try:
        result: dict[str, Any] = app.acquire_token_by_device_flow(flow)
    except Exception as exc:
        raise from_exception(req, "the device code flow", exc) from None
    return result
