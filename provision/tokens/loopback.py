"""The interactive part of an authorization, the same for every provider: a one-shot
loopback HTTP server that receives the authorization response at the redirect URI
(`settings.authorize_redirect_uri`, default `http://localhost:8400/`), or the redirected
address pasted back when the browser runs on another machine; PKCE, the URL shown to the
user (and opened in a browser when asked), and the check that the right account signed
in."""

from __future__ import annotations

import base64
import errno
import hashlib
import html
import http.server
import secrets
import select
import socket
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..secret import hold
from .paste import Pasted
from .request import TokenError, TokenRequest

DEFAULT_TIMEOUT = 300.0
ANY_PORT = "http://localhost:0/"  # a library caller without a redirect URI: any free port

_LATE = (
    "open the printed URL in a browser and sign in; when the browser runs on another "
    "machine, use --no-browser and paste the address it is sent back to (or use the "
    "device code flow)"
)
_DONE_PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>provision</title></head>"
    "<body><p>{message}</p><p>You can close this window.</p></body></html>"
)


@dataclass(frozen=True)
class Interaction:
    """How to reach the person who signs in: where to print, whether to open a browser,
    the redirect URI to listen on (`port`, when not 0, replaces its port), how long to
    wait, and where a redirected address pasted back is read from (a line; "" at the end
    of input; None: nothing is pasted)."""

    echo: Callable[[str], None]
    open_browser: bool = False
    port: int = 0
    timeout: float = DEFAULT_TIMEOUT
    loopback_uri: str | None = None  # settings.authorize_redirect_uri; None: any free port
    paste: Callable[[], str] | None = None

    @classmethod
    def on_terminal(
        cls,
        echo: Callable[[str], None],
        *,
        open_browser: bool,
        port: int,
        timeout: float,
        loopback_uri: str,
    ) -> Interaction:
        """`provision authorize`'s: without a browser to open (SSH sessions) the
        redirected address may be pasted on standard input."""
        paste = None if open_browser else sys.stdin.readline
        return cls(echo, open_browser, port, timeout, loopback_uri, paste)

    @property
    def response_mode(self) -> str:
        """How the authorization response should come back: posted (`form_post` keeps the
        code out of the address bar and the browser's history), or in the query where an
        address may be pasted back."""
        return "form_post" if self.paste is None else "query"

    def present(self, url: str, req: TokenRequest, redirect_uri: str) -> None:
        """Print what to do and the URL (a line of its own); open it when asked."""
        self.echo(
            f"Open this URL and sign in as {req.sender} to authorize {req.identity} "
            f"(the client must allow the redirect URI {redirect_uri}; `provision "
            "redirect-uris` lists it):"
        )
        self.echo(url)
        if self.paste is not None:
            self.echo(
                f"Waiting for the browser's redirect to {redirect_uri}. If the browser runs "
                "on another machine, that page fails to load there: copy the whole address "
                "from its address bar, paste it here and press Enter."
            )
        if self.open_browser:
            try:
                webbrowser.open(url)
            except Exception:  # noqa: BLE001 (no browser is fine: the URL was printed)
                pass


class _Server6(http.server.HTTPServer):
    address_family = socket.AF_INET6


class LoopbackServer:
    """A one-shot HTTP server on the loopback interface that waits for the authorization
    response at the redirect URI's path: the query of the redirect (GET) or the posted
    form (`response_mode=form_post`). Requests without a code or error (favicon) and
    responses with a foreign `state` are ignored. `localhost` listens on 127.0.0.1 and,
    where it can, on [::1] (browsers may try either first)."""

    def __init__(
        self,
        redirect_uri: str | None = None,
        *,
        port: int = 0,
        paste: Callable[[], str] | None = None,
        echo: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.response: dict[str, str] | None = None
        self.expected_state: str | None = None
        self.paste, self.echo = paste, echo
        configured = redirect_uri or ANY_PORT
        parts = urlsplit(configured)
        self.path = parts.path or "/"
        host = parts.hostname or "localhost"
        handler = self._handler()
        wanted = port or parts.port or 0
        self.servers: list[http.server.HTTPServer] = []
        try:
            if host == "::1":
                self.servers.append(_Server6(("::1", wanted), handler))
            else:
                self.servers.append(http.server.HTTPServer(("127.0.0.1", wanted), handler))
        except OSError as exc:
            raise _listen_error(host, wanted, configured, port, exc) from None
        self.port = self.servers[0].server_port
        if host == "localhost" and socket.has_ipv6:
            try:
                self.servers.append(_Server6(("::1", self.port), handler))
            except OSError:
                pass  # no IPv6 loopback: 127.0.0.1 is enough
        netloc = f"[{host}]" if ":" in host else host
        self.redirect_uri = urlunsplit(("http", f"{netloc}:{self.port}", self.path, "", ""))

    @classmethod
    def listen(cls, interaction: Interaction) -> LoopbackServer:
        """The server an interaction asks for."""
        return cls(
            interaction.loopback_uri,
            port=interaction.port,
            paste=interaction.paste,
            echo=interaction.echo,
        )

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(dict(parse_qsl(urlsplit(self.path).query)))

            def do_POST(self) -> None:  # noqa: N802
                length = min(int(self.headers.get("Content-Length") or 0), 65536)
                body = self.rfile.read(length).decode("utf-8", "replace")
                self._answer(dict(parse_qsl(body)))

            def _answer(self, params: dict[str, str]) -> None:
                path = urlsplit(self.path).path
                if path != owner.path or not ({"code", "error"} & params.keys()):
                    self.send_error(404)
                    return
                if not owner.state_matches(params):
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

        return Handler

    def state_matches(self, params: dict[str, str]) -> bool:
        expected = self.expected_state
        given = params.get("state", "").encode("utf-8", "replace")  # any text, not only ASCII
        return expected is None or secrets.compare_digest(given, expected.encode())

    def wait(self, timeout: float) -> dict[str, str]:
        """The parameters of the authorization response, from the browser's redirect or
        pasted, whichever comes first; TokenError when none came in time. Closes the
        server."""
        deadline = time.monotonic() + timeout
        pasted = Pasted(self.paste, self.redirect_uri) if self.paste is not None else None
        try:
            while self.response is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TokenError(f"no authorization response within {timeout:g} s", _LATE)
                ready, _, _ = select.select(self.servers, [], [], min(remaining, 0.1))
                for server in ready:
                    server.timeout = 0
                    server.handle_request()
                if self.response is None and pasted is not None:
                    self.response = pasted.take(self.state_matches, self.echo)
            hold(self.response.get("code", ""))  # MSAL logs the code at DEBUG (-vv)
            return self.response
        finally:
            self.close()

    def close(self) -> None:
        for server in self.servers:
            server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _listen_error(host: str, port: int, configured: str, override: int, exc: OSError) -> TokenError:
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    why = f"port {port} is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
    if override:
        source = f"--port {override}"
        hint = "choose another --port (the client must allow that redirect URI too)"
    else:
        source = f"settings.authorize_redirect_uri {configured}"
        hint = (
            f"stop what listens on port {port}, or set settings.authorize_redirect_uri to "
            "another port and register that URI with the client (`provision redirect-uris` "
            "lists it); --port changes it for one run"
        )
    return TokenError(
        f"cannot listen on {where} for the authorization response ({source}): {why}", hint
    )


def pkce() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
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


def other_account(req: TokenRequest, claims: dict[str, Any]) -> str | None:
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
