"""RecordingSink: an HTTPS (or plain HTTP) server on 127.0.0.1 that records every request.

Use it as "another origin" that a hostile or misconfigured server redirects
to (see ``LocalIdP.redirect_token_requests``), to prove that a client did
not re-send credentials there::

    with RecordingSink(pki) as sink:             # https; RecordingSink() is http
        idp.redirect_token_requests(status=307, location=sink.url("/stolen"))
        ...                                      # run the product
        assert sink.requests == []               # nothing was re-sent
        assert not sink.saw("s3cret")            # or: nothing secret arrived

Fixtures: ``sink`` (https, trusts nothing but ``pki``'s server certificate)
and ``http_sink`` (plain http) in :mod:`tests.fakes.fixtures`.

API
---
``RecordingSink(pki: PKI | None = None, *, status=400, body=None, headers=None)``
(``pki=None``: plain HTTP). ``base_url`` (``https://127.0.0.1:PORT`` or
``http://...``), ``host``, ``port``, ``url(path="/") -> str``.

``requests``: list of :class:`SinkRequest` (``method``, ``path`` as sent,
with the query, ``headers`` as a list of ``(name, value)`` pairs in the order
received, ``body`` bytes; ``header(name)`` returns the first value or None,
``text`` the body decoded). Nothing is masked: the sink exists to show what
leaked. ``saw(needle: str | bytes) -> bool``: the needle occurs in any
recorded request line, header or body. ``clear()`` forgets the requests.

Answer: every request gets ``status`` (default 400, so an OAuth client sees
an error) with ``body`` (default ``{"error": "invalid_request",
"error_description": "RecordingSink"}``) and ``headers``; these are plain
attributes tests may change between requests. ``fail_next``/``hang_next``
and ``errors`` work as in :mod:`tests.fakes._http` (every request matches).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from ._http import Request, Response, TLSHTTPService
from .pki import PKI

__all__ = ["RecordingSink", "SinkRequest"]

_DEFAULT_BODY = json.dumps(
    {"error": "invalid_request", "error_description": "RecordingSink"}
).encode("utf-8")


@dataclass(frozen=True)
class SinkRequest:
    """One request as the sink received it (unmasked)."""

    method: str
    path: str  # as sent: percent-encoded, with the query string
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class RecordingSink(TLSHTTPService):
    """Records every request (method, path, headers, body); answers ``status``."""

    def __init__(
        self,
        pki: PKI | None = None,
        *,
        status: int = 400,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(pki)
        self.status = status
        self.body = _DEFAULT_BODY if body is None else body
        self.headers: dict[str, str] = (
            {"Content-Type": "application/json; charset=utf-8"}
            if headers is None
            else dict(headers)
        )
        self.requests: list[SinkRequest] = []

    def __enter__(self) -> RecordingSink:
        self.start()
        return self

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def saw(self, needle: str | bytes) -> bool:
        """True when *needle* occurs in any recorded request line, header or body."""
        raw = needle.encode("utf-8") if isinstance(needle, str) else needle
        with self._lock:
            recorded = list(self.requests)
        for req in recorded:
            blob = b"\n".join(
                [f"{req.method} {req.path}".encode("utf-8", "replace")]
                + [f"{k}: {v}".encode("utf-8", "replace") for k, v in req.headers]
                + [req.body]
            )
            if raw in blob:
                return True
        return False

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.requests_log.clear()

    def _serve(self, request: Request) -> Response:
        record = SinkRequest(
            method=request.method,
            path=request.raw_path,
            headers=[(k, v) for k, v in request.headers.items()],
            body=request.body,
        )
        with self._lock:
            self.requests.append(record)
        return super()._serve(request)

    def handle(self, request: Request) -> Response:
        return Response(self.status, self.body, dict(self.headers))
