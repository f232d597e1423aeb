"""requests/urllib3 building blocks for `provision.net.http` (imported lazily: they pull in
requests, which `provision validate` must not load)."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from requests import PreparedRequest, RequestException, Response
from requests.adapters import HTTPAdapter
from requests.utils import should_bypass_proxies
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry
from urllib3.util.ssl_ import create_urllib3_context

from .. import log

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The most of an answer read: a token, a Graph application or an error is a few KiB; an
# identity provider answering 20 MB of error text must not have it all held and printed.
MAX_BODY = 2 << 20

_contexts: dict[str, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def verifying_context(ca_bundle: str) -> ssl.SSLContext:
    """One certificate-verifying SSLContext per CA bundle, shared by every session:
    loading a bundle costs 15-20 ms of CPU, which urllib3 would otherwise spend again on
    each new connection (verify runs one session per identity, hundreds in parallel)."""
    with _contexts_lock:
        context = _contexts.get(ca_bundle)
        if context is None:
            context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
            context.load_verify_locations(cafile=ca_bundle)
            _contexts[ca_bundle] = context
        return context


class CappedRetry(Retry):
    """urllib3 Retry that honours Retry-After but never sleeps longer than `after_cap`
    seconds (an IdP asking for minutes must not stall a whole run). urllib3 >= 2.6 has its
    own `retry_after_max`; this works with older ones too."""

    def __init__(self, *args: Any, after_cap: float = 30.0, **kwargs: Any) -> None:
        self.after_cap = after_cap
        super().__init__(*args, **kwargs)

    def new(self, **kw: Any) -> CappedRetry:
        kw.setdefault("after_cap", self.after_cap)
        return super().new(**kw)  # type: ignore[return-value,unused-ignore]

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.after_cap)


class AnswerTooLarge(RequestException):
    """A server answered with more than MAX_BODY bytes: refused, its start quoted."""


class RedirectRefused(RequestException):
    """A server answered with a redirect: never followed (credentials would go along)."""


def origin(url: str) -> str:
    """`scheme://host[:port]`: where a URL points, without its path and query (which may
    carry codes or tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "?"


def without_query(url: str) -> str:
    """`scheme://host[:port]/path`: a URL as a log may show it, without its query and
    fragment (which may carry codes or tokens) and any user:password."""
    parts = urlsplit(url)
    return f"{origin(url)}{parts.path}" if parts.netloc else "?"


def refuse_redirects(response: Response, *args: Any, **kwargs: Any) -> None:
    """A response hook: a token, device-code or Graph request that is redirected would
    send its client secret, password or bearer token again, to wherever the redirect
    points (requests re-sends a 307/308 POST with its body). Fail instead."""
    if response.is_redirect:
        request = response.request
        target = origin(response.headers.get("Location", ""))
        raise RedirectRefused(
            f"{request.method} {origin(request.url or '')} answered {response.status_code} "
            f"with a redirect to {target}: refused, credentials are never sent again",
            response=response,
        )


class TimeoutAdapter(HTTPAdapter):
    """An adapter that gives every request a timeout unless the caller set one, verifies
    TLS with the shared context of its CA bundle, and goes through `proxies` (scheme ->
    proxy URL) except for the hosts `no_proxy` names."""

    def __init__(
        self,
        timeout: float,
        proxies: Mapping[str, str] | None = None,
        no_proxy: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.timeout = timeout
        self.proxies = dict(proxies or {})
        self.no_proxy = no_proxy
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: bool | str, cert: Any = None
    ) -> Any:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        ca_certs = pool_kwargs.pop("ca_certs", None)
        if ca_certs is not None:
            pool_kwargs["ssl_context"] = verifying_context(ca_certs)
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        if getattr(conn, "conn_kw", {}).get("ssl_context") is not None:
            conn.ca_certs = None  # the shared context holds them: do not load them again

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: None | float | tuple[float, float] | tuple[float, None] = None,
        verify: bool | str = True,
        cert: None | bytes | str | tuple[bytes | str, bytes | str] = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        # The session does not trust the environment (it would also take its CA bundle):
        # the proxies given here are the only ones, NO_PROXY applied per URL.
        bypass = not self.proxies or should_bypass_proxies(request.url or "", self.no_proxy)
        started, where = log.clock(), without_query(request.url or "")
        try:
            response = super().send(
                request,
                stream=True,
                timeout=self.timeout if timeout is None else timeout,
                verify=verify,
                cert=cert,
                proxies={} if bypass else self.proxies,
            )
        except RequestException as exc:
            log.info("http", "%s %s: %s", request.method, where, type(exc).__name__, since=started)
            raise
        log.info("http", "%s %s: %d", request.method, where, response.status_code, since=started)
        if not stream:
            _read_bounded(response)
        return response


def _read_bounded(response: Response) -> None:
    """Read the body as requests would, but at most MAX_BODY bytes (decoded: a small
    compressed answer cannot unpack to gigabytes)."""
    from ..errors import shorten

    chunks, size = [], 0
    while size <= MAX_BODY:
        chunk = response.raw.read(min(65536, MAX_BODY + 1 - size), decode_content=True)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    if size > MAX_BODY:
        response.close()
        start = shorten(body[:200].decode("utf-8", "replace"))
        raise AnswerTooLarge(
            f"{response.request.method} {origin(response.request.url or '')} answered "
            f"{response.status_code} with more than {MAX_BODY:,} bytes: refused ({start})",
            response=response,
        )
    response._content = body  # what requests' .content, .text and .json() read
    response._content_consumed = True  # type: ignore[attr-defined]
    response.raw.release_conn()


def make_retry(
    retries: int, backoff_factor: float, backoff_max: float, retry_after_max: float
) -> CappedRetry:
    return CappedRetry(
        total=retries,
        connect=retries,
        # A read timeout is not retried: a hanging server stays hanging, and a token POST
        # that may have been processed must not spend a rotated refresh token twice.
        read=False,
        status=retries,
        other=0,
        allowed_methods=None,  # token endpoints are POST: retry them too on 429/5xx
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand the last error answer to the caller, it carries the cause
        after_cap=retry_after_max,
    )
