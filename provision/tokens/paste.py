"""The redirected address pasted back: when the browser runs on another machine (an SSH
session), its redirect to the loopback fails there, and the person copies the address
from the address bar into the terminal. Lines are read in the background, so the
loopback listener keeps waiting too; a pasted line is the authorization response only
when it holds one for this sign-in. No message ever repeats what was pasted: it holds
the authorization code."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit


class Pasted:
    """Lines read by `read` (one per call, "" at the end of input) on a daemon thread."""

    def __init__(self, read: Callable[[], str], redirect_uri: str) -> None:
        self.redirect_uri = redirect_uri
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(read,), name="paste", daemon=True).start()

    def _read(self, read: Callable[[], str]) -> None:
        while True:
            try:
                line = read()
            except (OSError, ValueError):  # no usable standard input
                line = ""
            self._lines.put(line)
            if not line:
                return

    def take(
        self, state_matches: Callable[[dict[str, str]], bool], echo: Callable[[str], None]
    ) -> dict[str, str] | None:
        """The authorization response of a line pasted since the last call, if one holds
        it; what is wrong with the others goes to `echo`."""
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return None
            params, problem = response_of(line, self.redirect_uri)
            if params is not None and not state_matches(params):
                params, problem = (
                    None,
                    (
                        "it answers another sign-in (its state is not this one's): paste the "
                        "address this sign-in sent the browser to"
                    ),
                )
            if problem is not None:
                echo(f"Not accepted: {problem}. Waiting for the redirect or another paste.")
            if params is not None:
                return params


def response_of(line: str, redirect_uri: str) -> tuple[dict[str, str] | None, str | None]:
    """The authorization response parameters in a pasted line (an address, or its query
    alone), or what is wrong with it; (None, None) for a blank line."""
    text = line.strip().strip("'\"<>")
    if not text:
        return None, None
    if "://" in text:
        parts = urlsplit(text)
        query = parts.query or parts.fragment
    else:  # the query alone, or an address bar that hides the scheme
        query = text.partition("?")[2] if "?" in text else text
    params = dict(parse_qsl(query))
    if "code" in params or "error" in params:
        return params, None
    if "client_id" in params or "redirect_uri" in params:
        return None, (
            "that is the sign-in URL: open it, sign in, then paste the address the browser "
            f"is sent back to (it begins with {redirect_uri})"
        )
    return None, (
        "that holds no authorization response (code= or error=): copy the whole address "
        f"from the browser's address bar after signing in (it begins with {redirect_uri})"
    )
