"""Microsoft Entra tokens through MSAL: ROPC (`microsoft365`), refresh tokens from an
interactive authorization (`exchange`), and client credentials (app-only SMTP, Graph).

A new ConfidentialClientApplication per acquisition: MSAL caches 400 answers and throttles
per application object, which must not leak from one identity (or attempt) to the next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from provision.secret import Secret
from provision.tokens.errors import (
    from_exception,
    needs_reauthorization,
    oauth_error_text,
    require,
    token_error,
    token_from_answer,
)
from provision.tokens.request import (
    MICROSOFT_APP_SCOPE,
    MICROSOFT_SMTP_SCOPE,
    PUBLIC_AUTHORITY,
    Token,
    TokenError,
    TokenRequest,
)

if TYPE_CHECKING:
    import msal
    import requests

    from provision.tokens.store import TokenStore

SMTP_SCOPES = [MICROSOFT_SMTP_SCOPE]


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
    return f"{req.authority.rstrip('/')}/{req.tenant}"


def application(
    req: TokenRequest,
    session: requests.Session,
    cache: msal.SerializableTokenCache | None = None,
) -> msal.ConfidentialClientApplication:
    """A fresh MSAL application for `req` (this already fetches the authority's
    OpenID configuration)."""
    import msal

    require(req, tenant=req.tenant, client_id=req.client_id, client_secret=req.client_secret)
    assert req.client_secret is not None
    authority = authority_url(req)
    kwargs: dict[str, Any] = {}
    if urlsplit(req.authority).hostname != urlsplit(PUBLIC_AUTHORITY).hostname:
        # Sovereign clouds and test IdPs: do not ask the public cloud about this host.
        kwargs["instance_discovery"] = False
    try:
        return msal.ConfidentialClientApplication(
            req.client_id,
            client_credential=req.client_secret.reveal(),
            authority=authority,
            http_client=PortKeepingClient(session, authority),
            token_cache=cache,
            **kwargs,
        )
    except Exception as exc:
        raise from_exception(req, f"authority {authority}", exc) from None


def result_to_token(req: TokenRequest, result: dict[str, Any] | None) -> Token:
    """A Token from an MSAL result, or a TokenError with the AADSTS text and its hint."""
    if not result:
        raise token_error(req, "the identity provider returned no token")
    if "access_token" not in result:
        raise token_error(req, oauth_error_text(result))
    return token_from_answer(result)


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
    store: TokenStore,
    session: requests.Session,
    *,
    force_refresh: bool = False,
) -> Token:
    """exchange: an access token from the authorization stored by `provision authorize`
    (MSAL's token cache, else the bare refresh token); saves what MSAL rotated. MSAL's
    cached access token is returned unless `force_refresh`."""
    import msal

    stored = store.load(req.identity)
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
    app = application(req, session, cache)
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
    save_authorization(req, store, cache, token)
    return token


def save_authorization(
    req: TokenRequest, store: TokenStore, cache: msal.SerializableTokenCache, token: Token
) -> None:
    """Keep MSAL's cache and the (possibly rotated) refresh token of `token`."""
    changes: dict[str, Any] = {"msal_cache": Secret(cache.serialize(), "msal cache")}
    store.save_token(req.identity, token, fingerprint=req.fingerprint(), **changes)


def acquire_client_credentials(
    req: TokenRequest,
    scope: str = MICROSOFT_APP_SCOPE,
    *,
    session: requests.Session | None = None,
) -> Token:
    """An app-only token (client credentials) for `scope`: SMTP with SMTP.SendAsApp
    (`https://outlook.office365.com/.default`) or Graph (`https://graph.microsoft.com/.default`)."""
    if session is None:
        from provision.tokens.http import make_session

        session = make_session(req.ca_file)
    app = application(req, session)
    try:
        result = app.acquire_token_for_client(scopes=[scope])
    except Exception as exc:
        raise from_exception(req, "client credentials", exc) from None
    return result_to_token(req, result)
