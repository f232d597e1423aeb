"""LocalProxy: a real HTTP CONNECT proxy on 127.0.0.1 for offline tests.

Usage::

    with LocalProxy() as proxy:                  # or the ``proxy`` fixture
        session = tests.fakes.clients.tls_session(pki)
        session.proxies = {"https": proxy.url}
        session.get(f"{idp.base_url}/common/v2.0/.well-known/openid-configuration")
        assert proxy.connects[0].target == f"127.0.0.1:{idp.port}"

It speaks plain HTTP to the client (``proxy.url`` is ``http://127.0.0.1:PORT``,
as corporate proxies do) and tunnels ``CONNECT host:port`` byte for byte to
the target: TLS runs end to end between the client and the LocalIdP /
LocalGraph / LocalSMTP (the client must still trust ``pki``'s CA). Only
loopback targets (``127.0.0.1``, ``localhost``, ``::1``) are reached; any
other host gets ``403`` (and is recorded), so a test can never leak to the
internet through it. Other methods (absolute-URI ``GET http://...``) get
``501`` and are recorded too.

API
---
``LocalProxy(*, timeout=15.0)``; context manager or ``start()``/``stop()``
(``stop()`` closes open tunnels). ``host``, ``port``, ``url``
(``http://127.0.0.1:PORT``), ``url_with_credentials(user, password)``
(``http://user:password@127.0.0.1:PORT``, percent-encoded: requests/urllib3
then send ``Proxy-Authorization: Basic ...`` in the CONNECT).

Records: ``connects``: list of :class:`ConnectRecord` (``method``,
``target`` as sent, e.g. ``"127.0.0.1:8443"``, ``host``, ``port``,
``proxy_authorization`` (the header value or None), ``headers`` (all of
them, a list of pairs), ``status`` the proxy answered, ``bytes_up`` /
``bytes_down`` tunnelled so far); ``targets`` (just the target strings);
``errors`` (tracebacks of handler bugs; tests can assert it stays empty).

Knobs (plain methods; effective for the next CONNECT):

- ``refuse(host, status=403)``: CONNECTs to *host* (``"127.0.0.1"`` for every
  port, or ``"127.0.0.1:8443"`` for one) answer *status* (``403 Forbidden``
  by default) and are not tunnelled; ``allow(host)`` undoes it;
- ``require_auth(username, password)``: a CONNECT without a matching
  ``Proxy-Authorization: Basic`` gets ``407`` with ``Proxy-Authenticate:
  Basic realm="LocalProxy"``; ``require_auth(None)`` turns it off;
- ``hang_next(seconds, count=1)``: the next *count* CONNECTs wait *seconds*
  before answering (``stop()`` wakes them up), to provoke proxy timeouts.

Pitfalls: use a session with ``trust_env=False`` (``tls_session``) and set
``session.proxies`` explicitly; otherwise ``HTTPS_PROXY``/``NO_PROXY`` from
the environment decide (``NO_PROXY`` often lists 127.0.0.1, bypassing the
proxy). The proxy URL scheme is ``http://`` even for ``https`` targets.
"""

from __future__ import annotations

import base64
import selectors
import socket
import socketserver
import threading
import traceback
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

__all__ = ["ConnectRecord", "LocalProxy"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_MAX_HEAD = 65536
_REASONS = {
    200: "Connection established",
    400: "Bad Request",
    403: "Forbidden",
    407: "Proxy Authentication Required",
    501: "Not Implemented",
    502: "Bad Gateway",
}


@dataclass
class ConnectRecord:
    """One request the proxy received (normally a CONNECT)."""

    method: str
    target: str
    host: str
    port: int
    proxy_authorization: str | None
    headers: list[tuple[str, str]]
    status: int = 0
    bytes_up: int = 0  # client -> target
    bytes_down: int = 0  # target -> client

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class _Hang:
    seconds: float
    remaining: int


@dataclass
class _State:
    refused: dict[str, int] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    hangs: list[_Hang] = field(default_factory=list)


def _split_target(target: str) -> tuple[str, int]:
    if target.startswith("["):  # [::1]:443
        host, _, rest = target[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = target.rpartition(":")
    if not host or not port_text.isdigit():
        raise ValueError(f"bad CONNECT target {target!r}")
    return host, int(port_text)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False

    def __init__(self, proxy: LocalProxy) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(socketserver.BaseRequestHandler):
    server: _Server
    request: socket.socket

    def handle(self) -> None:
        proxy = self.server.proxy
        sock = self.request
        sock.settimeout(proxy.timeout)
        proxy._track(sock)
        try:
            self._handle(proxy, sock)
        except OSError:
            pass  # client or target went away
        except Exception:  # noqa: BLE001 - report, keep serving
            with proxy._lock:
                proxy.errors.append(traceback.format_exc())
        finally:
            proxy._untrack(sock)

    def _read_head(self, sock: socket.socket) -> tuple[bytes, bytes] | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return None
            data += chunk
            if len(data) > _MAX_HEAD:
                return None
        head, _, rest = data.partition(b"\r\n\r\n")
        return head, rest

    def _answer(
        self, sock: socket.socket, status: int, extra: dict[str, str] | None = None
    ) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
        for name, value in (extra or {}).items():
            lines.append(f"{name}: {value}")
        if status != 200:
            lines += ["Content-Length: 0", "Connection: close"]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def _handle(self, proxy: LocalProxy, sock: socket.socket) -> None:
        got = self._read_head(sock)
        if got is None:
            return
        head, early = got
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers: list[tuple[str, str]] = []
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers.append((name.strip(), value.strip()))
        parts = request_line.split()
        method = parts[0].upper() if parts else ""
        target = parts[1] if len(parts) > 1 else ""
        auth = next((v for k, v in headers if k.lower() == "proxy-authorization"), None)
        try:
            host, port = _split_target(target) if method == "CONNECT" else ("", 0)
        except ValueError:
            host, port = "", 0
        record = ConnectRecord(method, target, host, port, auth, headers)
        with proxy._lock:
            proxy.connects.append(record)

        hang = proxy._take_hang()
        if hang:
            proxy._closing.wait(hang)
            if proxy._closing.is_set():
                return

        def refuse(status: int, extra: dict[str, str] | None = None) -> None:
            record.status = status
            self._answer(sock, status, extra)

        if method != "CONNECT":
            return refuse(501)
        if not host:
            return refuse(400)
        with proxy._lock:
            wanted = proxy._state.auth
            refused = proxy._state.refused.get(f"{host}:{port}".lower())
            if refused is None:
                refused = proxy._state.refused.get(host.lower())
        if wanted is not None:
            expected = "Basic " + base64.b64encode(f"{wanted[0]}:{wanted[1]}".encode()).decode()
            if auth is None or auth.strip() != expected:
                return refuse(407, {"Proxy-Authenticate": 'Basic realm="LocalProxy"'})
        if refused is not None:
            return refuse(refused)
        if host.lower() not in _LOOPBACK:
            return refuse(403)
        try:
            upstream = socket.create_connection((host, port), timeout=proxy.timeout)
        except OSError:
            return refuse(502)
        proxy._track(upstream)
        try:
            record.status = 200
            self._answer(sock, 200)
            if early:
                upstream.sendall(early)
                record.bytes_up += len(early)
            self._pump(proxy, sock, upstream, record)
        finally:
            proxy._untrack(upstream)

    def _pump(
        self,
        proxy: LocalProxy,
        client: socket.socket,
        upstream: socket.socket,
        record: ConnectRecord,
    ) -> None:
        client.settimeout(None)
        upstream.settimeout(None)
        with selectors.DefaultSelector() as sel:
            sel.register(client, selectors.EVENT_READ, upstream)
            sel.register(upstream, selectors.EVENT_READ, client)
            while not proxy._closing.is_set():
                events = sel.select(timeout=0.2)
                for key, _ in events:
                    src: socket.socket = key.fileobj  # type: ignore[assignment]
                    dst: socket.socket = key.data
                    data = src.recv(65536)
                    if not data:
                        return
                    dst.sendall(data)
                    with proxy._lock:
                        if src is client:
                            record.bytes_up += len(data)
                        else:
                            record.bytes_down += len(data)


class LocalProxy:
    """HTTP CONNECT proxy on 127.0.0.1 that records targets (see module doc)."""

    def __init__(self, *, timeout: float = 15.0) -> None:
        self.timeout = timeout
        self.host = "127.0.0.1"
        self.port = 0
        self.connects: list[ConnectRecord] = []
        self.errors: list[str] = []
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._state = _State()
        self._sockets: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_with_credentials(self, username: str, password: str) -> str:
        return (
            f"http://{quote(username, safe='')}:{quote(password, safe='')}@{self.host}:{self.port}"
        )

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("LocalProxy already running")
        self._closing.clear()
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LocalProxy:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._closing.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalProxy:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- knobs -------------------------------------------------------------
    def refuse(self, host: str, status: int = 403) -> None:
        """CONNECTs to *host* (or ``host:port``) get *status* instead of a tunnel."""
        with self._lock:
            self._state.refused[host.lower()] = status

    def allow(self, host: str) -> None:
        with self._lock:
            self._state.refused.pop(host.lower(), None)

    def require_auth(self, username: str | None, password: str = "") -> None:
        """Demand ``Proxy-Authorization: Basic`` for these credentials (None: off)."""
        with self._lock:
            self._state.auth = None if username is None else (username, password)

    def hang_next(self, seconds: float, count: int = 1) -> None:
        with self._lock:
            self._state.hangs.append(_Hang(seconds, count))

    # -- records -----------------------------------------------------------
    @property
    def targets(self) -> list[str]:
        with self._lock:
            return [r.target for r in self.connects]

    # -- internals ---------------------------------------------------------
    def _take_hang(self) -> float:
        with self._lock:
            for hang in self._state.hangs:
                if hang.remaining > 0:
                    hang.remaining -= 1
                    self._state.hangs = [h for h in self._state.hangs if h.remaining > 0]
                    return hang.seconds
        return 0.0

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        try:
            sock.close()
        except OSError:
            pass
