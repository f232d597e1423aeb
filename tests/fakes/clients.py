"""Client-side helpers for talking to the local test servers.

- ``tls_session(pki) -> requests.Session``: ``verify=pki.ca_file``,
  ``trust_env=False`` (so ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` and proxy
  variables in the environment cannot override it). To go through
  :class:`tests.fakes.proxy.LocalProxy`, set ``session.proxies =
  {"https": proxy.url}`` on it (explicit proxies still apply with
  ``trust_env=False``).
- ``PortPreservingHttpClient(session, base_url)``: an MSAL ``http_client``
  that puts the port back into URLs MSAL built from the authority's
  hostname. MSAL's ROPC (``acquire_token_by_username_password``) first GETs
  ``https://<host>/common/userrealm/<user>?api-version=1.0`` with the port
  dropped; this wrapper rewrites ``https://127.0.0.1/...`` to
  ``https://127.0.0.1:PORT/...`` and passes everything else through.
- ``msal_http_client(pki, idp)``: both of the above in one call.
- ``Browser(pki)``: an ``echo`` for ``provision authorize`` that opens the printed URL
  in the background as a person would: it follows the identity provider's redirect to
  the loopback (on 127.0.0.1), or stops at its error page; ``statuses`` and ``landing``
  say which.
- ``google_request(pki, timeout=10)``: a ``google.auth.transport.requests.Request``
  on a ``tls_session`` whose default timeout is *timeout* (google-auth's own
  default is 120 s) for ``credentials.refresh(request)``.

Product code does not need the wrapper against the real Entra (port 443);
it only has to let tests inject an ``http_client``/session.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from .pki import PKI

__all__ = [
    "Browser",
    "PortPreservingHttpClient",
    "google_request",
    "msal_http_client",
    "tls_session",
]


def tls_session(pki: PKI) -> requests.Session:
    """A requests session that trusts only the test CA and ignores the environment."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(pki.ca_file)
    return session


class PortPreservingHttpClient:
    """MSAL ``http_client`` wrapper restoring the port MSAL drops for user realm discovery."""

    def __init__(self, session: requests.Session, base_url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(base_url)
        self._session = session
        self._hostname = parts.hostname or ""
        self._netloc = parts.netloc
        self._timeout = timeout
        self.rewritten: list[str] = []  # URLs that needed the port put back

    def _fix(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc == self._hostname and parts.port is None:
            fixed = urlunsplit(parts._replace(netloc=self._netloc))
            self.rewritten.append(url)
            return fixed
        return url

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.get(self._fix(url), **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.post(self._fix(url), **kwargs)

    def close(self) -> None:
        self._session.close()


def msal_http_client(pki: PKI, server: Any, timeout: float = 10.0) -> PortPreservingHttpClient:
    """``http_client=`` for MSAL applications talking to *server* (a LocalIdP)."""
    return PortPreservingHttpClient(tls_session(pki), server.base_url, timeout=timeout)


def google_request(pki: PKI, timeout: float = 10.0) -> Any:
    """A google-auth transport ``Request`` trusting the test CA, with a short timeout."""
    from google.auth.transport.requests import Request

    class _Request(Request):  # type: ignore[misc]
        def __call__(
            self,
            url: str,
            method: str = "GET",
            body: Any = None,
            headers: Any = None,
            timeout: float | None = timeout,
            **kwargs: Any,
        ) -> Any:
            return super().__call__(url, method, body, headers, timeout, **kwargs)

    return _Request(session=tls_session(pki))


class Browser:
    """An `echo` that opens the printed authorization URL as a person would, in the
    background: it follows the identity provider's redirect to the loopback, or stops at
    its error page. `statuses`: the IdP's answers; `landing`: the loopback's page."""

    def __init__(self, pki: PKI) -> None:
        self.lines: list[str] = []
        self.pki = pki
        self.statuses: list[int] = []
        self.landing: requests.Response | None = None
        self.thread: threading.Thread | None = None

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if line.startswith("https://"):
            self.thread = threading.Thread(target=self._open, args=(line,), daemon=True)
            self.thread.start()

    @property
    def url(self) -> str:
        """The authorization URL printed."""
        return next(line for line in self.lines if line.startswith("https://"))

    def _open(self, url: str) -> None:
        with tls_session(self.pki) as http:
            answer = http.get(url, allow_redirects=False, timeout=5)
            self.statuses.append(answer.status_code)
            if answer.status_code == 302:
                location = answer.headers["Location"].replace("//localhost:", "//127.0.0.1:")
                self.landing = http.get(location, timeout=5)
