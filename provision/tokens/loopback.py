"""The interactive part of an authorization, the same for every provider: a one-shot
loopback HTTP server (`http://localhost:<port>/`) that receives the authorization
response, PKCE, the URL shown to the user (and opened in a browser when asked), and the
check that the right account signed in."""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import secrets
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .request import TokenError, TokenRequest

DEFAULT_TIMEOUT = 300.0

_DONE_PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>provision</title></head>"
    "<body><p>{message}</p><p>You can close this window.</p></body></html>"
)


@dataclass(frozen=True)
class Interaction:
    """How to reach the person who signs in: where to print, whether to open a browser,
    the loopback port (0: any free one) and how long to wait."""

    echo: Callable[[str], None]
    open_browser: bool = False
    port: int = 0
    timeout: float = DEFAULT_TIMEOUT

    def present(self, url: str, req: TokenRequest, redirect_uri: str) -> None:
        """Print what to do and the URL (a line of its own); open it when asked."""
        self.echo(
            f"Open this URL and sign in as {req.sender} to authorize {req.identity} "
            f"(the client must allow the redirect URI {redirect_uri}; --port fixes the "
            "port):"
        )
        self.echo(url)
        if self.open_browser:
            try:
                webbrowser.open(url)
            except Exception:  # noqa: BLE001 (no browser is fine: the URL was printed)
                pass


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
