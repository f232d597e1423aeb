"""One-time interactive authorization: authorization code + PKCE (S256) + state, answered
on a one-shot loopback HTTP server (`http://localhost:<port>/`), or the device code flow
for Microsoft. Stores the refresh token the identity provider hands out."""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import secrets
import time
import webbrowser
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from provision.tokens.errors import (
    from_exception,
    oauth_error_text,
    token_error,
    token_from_answer,
)
from provision.tokens.request import GOOGLE_MAIL_SCOPE, Token, TokenError, TokenRequest

if TYPE_CHECKING:
    import requests

    from provision.tokens.store import TokenStore

DEFAULT_TIMEOUT = 300.0
GOOGLE_AUTHORIZATION_URL = "https://accounts.google.com/o/oauth2/auth"
INTERACTIVE_MODES = ("exchange", "gmail", "client_secret_post", "private_key_jwt")

_DONE_PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>provision</title></head>"
    "<body><p>{message}</p><p>You can close this window.</p></body></html>"
)


class LoopbackServer:
    """A one-shot HTTP server on 127.0.0.1 that waits for the authorization response: the
    query of the redirect (GET) or the posted form (`response_mode=form_post`). Requests
    without a code or error (favicon) and responses with a foreign `state` are ignored."""

    def __init__(self, port: int = 0) -> None:
        self.response: dict[str, str] | None = None
        self.expected_state: str | None = None
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(dict(parse_qsl(urlsplit(self.path).query)))

            def do_POST(self) -> None:  # noqa: N802
                length = min(int(self.headers.get("Content-Length") or 0), 65536)
                body = self.rfile.read(length).decode("utf-8", "replace")
                self._answer(dict(parse_qsl(body)))

            def _answer(self, params: dict[str, str]) -> None:
                if urlsplit(self.path).path != "/" or not ({"code", "error"} & params.keys()):
                    self.send_error(404)
                    return
                state = params.get("state", "")
                if owner.expected_state is not None and not secrets.compare_digest(
                    state, owner.expected_state
                ):
                    self._page(400, "This authorization response is not the one expected.")
                    return
                ok = "code" in params
                self._page(200 if ok else 400, f"Authorization {'received' if ok else 'failed'}.")
                owner.response = params

            def _page(self, status: int, message: str) -> None:
                body = _DONE_PAGE.format(message=html.escape(message)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # the request line holds the authorization code

        try:
            self.server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise TokenError(
                f"cannot listen on 127.0.0.1:{port} for the authorization response: {exc.strerror}",
                "choose another --port",
            ) from None
        self.port = self.server.server_port
        self.redirect_uri = f"http://localhost:{self.port}/"

    def wait(self, timeout: float) -> dict[str, str]:
        """The parameters of the authorization response; TokenError when none came in
        time. Closes the server."""
        deadline = time.monotonic() + timeout
        try:
            while self.response is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TokenError(
                        f"no authorization response within {timeout:g} s",
                        "open the printed URL in a browser on this machine and sign in "
                        "(or use the device code flow)",
                    )
                self.server.timeout = min(remaining, 1.0)
                self.server.handle_request()
            return self.response
        finally:
            self.close()

    def close(self) -> None:
        self.server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)  # 86 characters: within RFC 7636's 43..128
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def authorization_url(base: str, params: dict[str, str]) -> str:
    """`base` with `params` added to its query; parameters `base` already has are kept."""
    parts = urlsplit(base)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    query += [(key, value) for key, value in params.items() if key not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _prompt(req: TokenRequest, loopback: LoopbackServer) -> str:
    return (
        f"Open this URL and sign in as {req.sender} to authorize {req.identity} "
        f"(the client must allow the redirect URI {loopback.redirect_uri}; --port fixes the "
        "port):"
    )


def _present(url: str, open_browser: bool, echo: Callable[[str], None], what: str) -> None:
    echo(what)
    echo(url)
    if open_browser:
        try:
            webbrowser.open(url)
        except Exception:  # noqa: BLE001 (no browser is fine: the URL was printed)
            pass


def authorize(
    req: TokenRequest,
    store: TokenStore,
    *,
    open_browser: bool,
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    device_code: bool = False,
    echo: Callable[[str], None],
    session: requests.Session | None = None,
) -> Token:
    """Sign `req.sender` in interactively and store the refresh token. The URL to open is
    printed through `echo` (a line of its own); the browser is opened only when asked."""
    from provision.tokens.http import make_session

    if req.mode not in INTERACTIVE_MODES:
        raise TokenError(
            f"{req.identity}: mode {req.mode} does not authorize interactively",
            "only exchange, gmail and generic modes with an authorization_url need "
            "`provision authorize`",
        )
    if session is None:
        session = make_session(req.ca_file)
    if req.provider == "microsoft":
        if device_code:
            return _microsoft_device_code(req, store, session, timeout, echo)
        return _microsoft_auth_code(req, store, session, open_browser, port, timeout, echo)
    if device_code:
        raise TokenError(f"{req.identity}: the device code flow is only offered for Microsoft")
    return _oauth_auth_code(req, store, session, open_browser, port, timeout, echo)


def _microsoft_auth_code(
    req: TokenRequest,
    store: TokenStore,
    session: requests.Session,
    open_browser: bool,
    port: int,
    timeout: float,
    echo: Callable[[str], None],
) -> Token:
    import msal

    from provision.tokens import microsoft

    cache = msal.SerializableTokenCache()
    app = microsoft.application(req, session, cache)
    with LoopbackServer(port) as loopback:
        try:
            # MSAL adds PKCE (S256), state, nonce and offline_access itself. form_post keeps
            # the code out of the browser's history (the loopback accepts a query as well).
            flow = app.initiate_auth_code_flow(
                microsoft.SMTP_SCOPES,
                redirect_uri=loopback.redirect_uri,
                login_hint=req.sender,
                response_mode="form_post",
            )
        except Exception as exc:
            raise from_exception(req, "starting the authorization", exc) from None
        loopback.expected_state = flow.get("state")
        _present(flow["auth_uri"], open_browser, echo, _prompt(req, loopback))
        response = loopback.wait(timeout)
    try:
        result = app.acquire_token_by_auth_code_flow(flow, response)
    except Exception as exc:  # MSAL raises ValueError on a state mismatch
        raise from_exception(req, "the authorization response", exc) from None
    token = microsoft.result_to_token(req, result)
    microsoft.save_authorization(req, store, cache, token)
    warning = _other_account(req, result.get("id_token_claims") or {})
    if warning:
        echo(warning)
    return token


def _other_account(req: TokenRequest, claims: dict[str, Any]) -> str | None:
    """A warning when the account that signed in is not the mailbox: SMTP will turn its
    token away (535 5.7.3) unless the user name differs from the address on purpose."""
    signed_in = str(claims.get("preferred_username") or claims.get("email") or "")
    if not signed_in or signed_in.lower() == req.mailbox.lower():
        return None
    return (
        f"Warning: signed in as {signed_in}, but {req.identity} sends as {req.mailbox}. "
        f"Unless that is the same mailbox, run `provision authorize` again and sign in as "
        f"{req.mailbox} (a private browser window avoids an existing session)."
    )


def _microsoft_device_code(
    req: TokenRequest,
    store: TokenStore,
    session: requests.Session,
    timeout: float,
    echo: Callable[[str], None],
) -> Token:
    import msal

    from provision.tokens import microsoft

    cache = msal.SerializableTokenCache()
    app = microsoft.application(req, session, cache)
    try:
        flow = app.initiate_device_flow(scopes=microsoft.SMTP_SCOPES)
    except Exception as exc:
        raise from_exception(req, "starting the device code flow", exc) from None
    if "user_code" not in flow:
        raise token_error(req, oauth_error_text(flow))
    echo(
        str(
            flow.get("message")
            or f"Open {flow.get('verification_uri')} and enter the code {flow['user_code']}"
        )
    )
    flow["expires_at"] = min(float(flow.get("expires_at", 0)) or 1e18, time.time() + timeout)
    try:
        result = app.acquire_token_by_device_flow(flow)
    except Exception as exc:
        raise from_exception(req, "the device code flow", exc) from None
    token = microsoft.result_to_token(req, result)
    microsoft.save_authorization(req, store, cache, token)
    warning = _other_account(req, result.get("id_token_claims") or {})
    if warning:
        echo(warning)
    return token


def _oauth_auth_code(
    req: TokenRequest,
    store: TokenStore,
    session: requests.Session,
    open_browser: bool,
    port: int,
    timeout: float,
    echo: Callable[[str], None],
) -> Token:
    from provision.tokens import generic

    google = req.provider == "google"
    base = req.authorization_url or (GOOGLE_AUTHORIZATION_URL if google else None)
    if base is None:
        raise TokenError(
            f"{req.identity}: no authorization_url: this client cannot authorize interactively",
            "set authorization_url on the client",
        )
    scope = req.scope or (GOOGLE_MAIL_SCOPE if google else None)
    verifier, challenge = _pkce()
    state = secrets.token_urlsafe(24)
    with LoopbackServer(port) as loopback:
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
        if google:  # a refresh token only comes with offline access and a fresh consent
            params.update(access_type="offline", prompt="consent")
        loopback.expected_state = state
        _present(authorization_url(base, params), open_browser, echo, _prompt(req, loopback))
        response = loopback.wait(timeout)
    if "error" in response:
        raise token_error(req, f"authorization refused: {oauth_error_text(response)}")
    client = generic.oauth_session(replace(req, scope=scope), session)
    answer = generic.call_token_endpoint(
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
    store.save_token(req.identity, token, fingerprint=req.fingerprint())
    if token.refresh_token is None:
        raise token_error(
            req,
            "the identity provider returned no refresh token",
            hint="Google returns one only with access_type=offline and prompt=consent in the "
            "authorization URL; other providers may need an offline_access scope",
        )
    return token
