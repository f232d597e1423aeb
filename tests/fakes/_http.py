"""Shared plumbing of the local HTTPS test servers (LocalIdP, LocalGraph, RecordingSink).

:class:`TLSHTTPService` runs a ``ThreadingHTTPServer`` on 127.0.0.1 with an
ephemeral port, TLS from :mod:`tests.fakes.pki` (the handshake runs in the
per-connection daemon thread, so a stalled client never blocks the accept
loop), HTTP/1.0 (one request per connection, no keep-alive state to leak
between tests). Subclasses implement ``handle(request) -> Response``.
``pki=None`` serves plain HTTP instead (``base_url`` is then ``http://...``;
used by :class:`tests.fakes.sink.RecordingSink`).

Common API of every service:

- context manager (``with Service(...) as s:``), or ``start()``/``stop()``;
- ``base_url`` (``https://127.0.0.1:PORT``), ``host``, ``port``;
- ``requests_log``: list of ``(method, path, dict)``; the dict is the form
  (POST) or the query (GET) or the JSON object (PATCH/PUT, and POST with a
  JSON body), with secret values (:data:`SECRET_KEYS`, at any depth)
  replaced by ``"***"`` (keys are kept so tests can assert their presence);
- ``fail_next(status, count=1, retry_after=None, *, path_contains=None,
  description_size=None)``: the next *count* matching requests get *status*
  (with a ``Retry-After`` header when given) and a JSON error body; with
  ``description_size=N`` the error text is N bytes long (e.g. 20 MB, to
  prove a client caps what it reads and logs): LocalIdP sends
  ``{"error": "invalid_request", "error_description": "<N bytes>"}``,
  LocalGraph puts the N bytes into ``error.message``;
- ``hang_next(seconds, count=1, *, path_contains=None)``: the next *count*
  matching requests sleep *seconds* before being handled (``stop()`` wakes
  sleepers up);
- which requests a fault matches by default is up to the subclass (the IdP:
  token POSTs only; Graph: everything); ``path_contains`` matches any request
  whose path contains that string instead;
- ``errors``: tracebacks of exceptions raised by handlers (answered with 500);
  tests can assert it stays empty.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .pki import PKI

__all__ = [
    "SECRET_KEYS",
    "Request",
    "Response",
    "TLSHTTPService",
    "free_port",
    "mask_secrets",
    "oversized_text",
]

#: Form/JSON keys whose values never go into ``requests_log``.
SECRET_KEYS = frozenset(
    {
        "client_secret",
        "password",
        "client_assertion",
        "assertion",
        "refresh_token",
        "code",
        "code_verifier",
        "access_token",
        "device_code",
        "secretText",
    }
)


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str  # percent-decoded, without the query string
    raw_path: str  # as sent (still percent-encoded, with the query string)
    query: dict[str, str]
    headers: Message
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    #: Parameter names that occurred more than once (query or form).
    duplicate_keys: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def basic_auth(self) -> tuple[str, str] | None:
        """(user, password) of an ``Authorization: Basic`` header, form-decoded."""
        value = self.headers.get("Authorization", "")
        scheme, _, rest = value.partition(" ")
        if scheme.lower() != "basic" or not rest:
            return None
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        if not sep:
            return None
        # RFC 6749 2.3.1: both parts are application/x-www-form-urlencoded first.
        return unquote(user.replace("+", " ")), unquote(password.replace("+", " "))

    def bearer_token(self) -> str | None:
        value = self.headers.get("Authorization", "")
        scheme, _, rest = value.partition(" ")
        if scheme.lower() != "bearer" or not rest.strip():
            return None
        return rest.strip()


@dataclass
class Response:
    """What a handler answers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, obj: Any, headers: Mapping[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
        hdrs.update(headers or {})
        return cls(status, json.dumps(obj).encode("utf-8"), hdrs)

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", {"Location": location, "Cache-Control": "no-store"})


@dataclass
class _Fault:
    kind: str  # "fail" | "hang"
    remaining: int
    path_contains: str | None
    status: int = 0
    retry_after: int | None = None
    seconds: float = 0.0
    description_size: int | None = None


def _single_values(pairs: Mapping[str, list[str]], duplicates: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, values in pairs.items():
        if len(values) > 1:
            duplicates.append(key)
        out[key] = values[0]
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False

    def __init__(self, service: TLSHTTPService, context: ssl.SSLContext | None) -> None:
        self.service = service
        self.ssl_context = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS handshake here, in the connection's own thread.
        request.settimeout(self.service.socket_timeout)
        if self.ssl_context is None:  # plain HTTP
            try:
                self.RequestHandlerClass(request, client_address, self)  # type: ignore[arg-type]
            except OSError:
                pass
            return
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)  # type: ignore[arg-type]
        except OSError:
            pass  # client went away (timeouts in tests do that on purpose)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # no tracebacks on stderr for clients that hung up


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    server_version = "LocalTestServer/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _dispatch(self) -> None:
        service = self.server.service
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        duplicates: list[str] = []
        query = _single_values(parse_qs(parts.query, keep_blank_values=True), duplicates)
        form: dict[str, str] = {}
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded" and body:
            form = _single_values(
                parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True), duplicates
            )
        request = Request(
            method=self.command,
            path=unquote(parts.path),
            raw_path=self.path,
            query=query,
            headers=self.headers,
            body=body,
            form=form,
            duplicate_keys=duplicates,
        )
        response = service._serve(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = _dispatch
    do_POST = _dispatch
    do_PATCH = _dispatch
    do_PUT = _dispatch
    do_DELETE = _dispatch
    do_HEAD = _dispatch


class TLSHTTPService:
    """Base class: an HTTPS server on 127.0.0.1 with fault knobs and a request log."""

    #: Per-connection socket timeout on the server side (seconds).
    socket_timeout: float = 15.0

    def __init__(self, pki: PKI | None) -> None:
        self.pki = pki
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._faults: list[_Fault] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.requests_log: list[tuple[str, str, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.host = "127.0.0.1"
        self.port = 0

    # -- lifecycle ---------------------------------------------------------
    @property
    def scheme(self) -> str:
        return "http" if self.pki is None else "https"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} already running")
        self._closing.clear()
        context = self.pki.server_context() if self.pki is not None else None
        self._server = _Server(self, context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._closing.set()  # wake up hanging handlers
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> TLSHTTPService:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- fault knobs -------------------------------------------------------
    def fail_next(
        self,
        status: int,
        count: int = 1,
        retry_after: int | None = None,
        *,
        path_contains: str | None = None,
        description_size: int | None = None,
    ) -> None:
        """Answer the next *count* matching requests with *status* (e.g. 429, 503).

        ``description_size=N``: the error description is N bytes long (hostile server)."""
        with self._lock:
            self._faults.append(
                _Fault(
                    "fail",
                    count,
                    path_contains,
                    status=status,
                    retry_after=retry_after,
                    description_size=description_size,
                )
            )

    def hang_next(
        self, seconds: float, count: int = 1, *, path_contains: str | None = None
    ) -> None:
        """Sleep *seconds* before handling the next *count* matching requests."""
        with self._lock:
            self._faults.append(_Fault("hang", count, path_contains, seconds=seconds))

    def _fault_applies_by_default(self, request: Request) -> bool:
        return True

    def _fault_response(self, request: Request, status: int) -> Response:
        return Response.json(status, {"error": "temporarily_unavailable"})

    def _oversized_fault_response(self, request: Request, status: int, size: int) -> Response:
        """A fault answer whose error description is *size* bytes (override per service)."""
        return Response.json(
            status, {"error": "invalid_request", "error_description": oversized_text(size)}
        )

    def _take_fault(self, request: Request, kind: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind != kind or fault.remaining <= 0:
                    continue
                if fault.path_contains is not None:
                    if fault.path_contains not in request.path:
                        continue
                elif not self._fault_applies_by_default(request):
                    continue
                fault.remaining -= 1
                self._faults = [f for f in self._faults if f.remaining > 0]
                return fault
        return None

    # -- request handling --------------------------------------------------
    def _log_entry(self, request: Request) -> dict[str, Any]:
        ctype = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        json_body = ctype == "application/json" or ctype.endswith("+json")
        if request.method == "POST" and (request.form or not json_body):
            data: dict[str, Any] = dict(request.form)
        elif request.method in ("PATCH", "PUT", "POST"):
            try:
                obj = request.json() if request.body else {}
            except ValueError:
                obj = {}
            data = dict(obj) if isinstance(obj, dict) else {"_body": obj}
        else:
            data = dict(request.query)
        return mask_secrets(data)

    def _serve(self, request: Request) -> Response:
        with self._lock:
            self.requests_log.append((request.method, request.path, self._log_entry(request)))
        hang = self._take_fault(request, "hang")
        if hang is not None:
            self._closing.wait(hang.seconds)  # returns early when the server stops
        fail = self._take_fault(request, "fail")
        if fail is not None:
            if fail.description_size is not None:
                response = self._oversized_fault_response(
                    request, fail.status, fail.description_size
                )
            else:
                response = self._fault_response(request, fail.status)
            if fail.retry_after is not None:
                response.headers["Retry-After"] = str(fail.retry_after)
            return response
        try:
            return self.handle(request)
        except Exception:  # noqa: BLE001 - report, answer 500, keep serving
            tb = traceback.format_exc()
            with self._lock:
                self.errors.append(tb)
            return Response.json(500, {"error": "server_error", "error_description": tb})

    def handle(self, request: Request) -> Response:
        raise NotImplementedError


def mask_secrets(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of *data* with the values of :data:`SECRET_KEYS` (at any depth) as ``"***"``."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ("***" if k in SECRET_KEYS else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return {k: ("***" if k in SECRET_KEYS else walk(v)) for k, v in data.items()}


def oversized_text(size: int) -> str:
    """*size* bytes of printable ASCII (JSON-safe, no escapes), e.g. for 20 MB error texts."""
    unit = "LocalTestServer oversized error description. "
    return (unit * (size // len(unit) + 1))[:size]


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (for servers that cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
