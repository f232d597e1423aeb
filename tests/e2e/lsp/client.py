"""A small Language Server Protocol client over stdio, for the real yaml-language-server.

It frames JSON-RPC messages (Content-Length headers), reads the server's output on a
thread, answers the server's own requests (workspace/configuration from the given
settings, capability registration, progress) and keeps every publishDiagnostics.
Every wait has a timeout: a hung server fails a test in seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
SERVER_JS = HERE / "node_modules" / "yaml-language-server" / "out" / "server" / "src" / "server.js"

# Settings a user gives their editor, as the server asks for them (workspace/configuration).
# The schema store and the Kubernetes CRD store are off: tests reach no network.
BASE_SETTINGS: dict[str, Any] = {
    "yaml": {
        "validate": True,
        "completion": True,
        "hover": True,
        "format": {"enable": False},
        "schemaStore": {"enable": False},
        "kubernetesCRDStore": {"enable": False},
        "schemas": {},
        "customTags": [],
    },
    "http": {"proxy": "", "proxyStrictSSL": False},
    "[yaml]": {},
    "editor": {},
}


class LspError(AssertionError):
    """The server answered a request with an error, broke the protocol, or timed out."""


def node() -> str | None:
    return shutil.which("node")


def server_installed() -> bool:
    return SERVER_JS.is_file()


def with_settings(**yaml: Any) -> dict[str, Any]:
    """BASE_SETTINGS with these `yaml.*` settings (e.g. customTags=[...])."""
    settings = json.loads(json.dumps(BASE_SETTINGS))
    settings["yaml"].update(yaml)
    return settings


class LspClient:
    def __init__(
        self,
        settings: Mapping[str, Any],
        root: Path,
        timeout: float = 10.0,
        server: Path = SERVER_JS,
    ) -> None:
        executable = node()
        if executable is None:
            raise LspError("node is not installed")
        self.settings = settings
        self.root = root
        self.timeout = timeout
        self._next_id = 0
        self._lock = threading.Condition()
        self._responses: dict[int, dict[str, Any]] = {}
        self.diagnostics: dict[str, list[list[dict[str, Any]]]] = {}
        self.configuration_requests = 0
        self.log: list[str] = []
        self._closed = False
        self._timed_out: str | None = None  # once a wait timed out, every later one fails at once
        self.process = subprocess.Popen(  # noqa: S603 - a fixed argv
            [executable, str(server), "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=root,
        )
        assert self.process.stdin and self.process.stdout and self.process.stderr
        self._stdin: IO[bytes] = self.process.stdin
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        self._stderr: list[bytes] = []
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()

    # -- the wire -------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        try:
            self._stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise LspError(f"the server is gone ({error}); stderr: {self.stderr()}") from error

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                self._dispatch(json.loads(stream.read(length).decode("utf-8")))
        finally:
            with self._lock:
                self._closed = True
                self._lock.notify_all()

    def _drain(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._stderr.append(line)

    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")[-2000:]

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:  # a response to one of ours
            with self._lock:
                self._responses[message["id"]] = message
                self._lock.notify_all()
            return
        if "id" in message:  # a request from the server: always answer
            self._send({"id": message["id"], "result": self._answer(method, message.get("params"))})
            return
        if method == "textDocument/publishDiagnostics":
            params = message["params"]
            with self._lock:
                self.diagnostics.setdefault(params["uri"], []).append(params["diagnostics"])
                self._lock.notify_all()
        elif method == "window/logMessage":
            self.log.append(str(message["params"].get("message")))

    def _answer(self, method: str, params: Any) -> Any:
        if method == "workspace/configuration":
            with self._lock:
                self.configuration_requests += 1
                self._lock.notify_all()
            return [self.settings.get(item.get("section", ""), None) for item in params["items"]]
        return None  # client/registerCapability, window/workDoneProgress/create, ...

    # -- requests and notifications ------------------------------------------------------

    def _wait(self, ready: Callable[[], bool], what: str, timeout: float | None) -> None:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        with self._lock:
            while not ready():
                if self._timed_out is not None:
                    raise LspError(f"the server hung earlier (waiting for {self._timed_out})")
                left = deadline - time.monotonic()
                if left <= 0:
                    self._timed_out = what
                    raise LspError(f"timed out waiting for {what}; stderr: {self.stderr()}")
                if self._closed:
                    raise LspError(
                        f"the server closed while waiting for {what}; stderr: {self.stderr()}"
                    )
                self._lock.wait(min(left, 0.5))

    def request(self, method: str, params: Any, timeout: float | None = None) -> Any:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        self._wait(lambda: ident in self._responses, f"the answer to {method}", timeout)
        with self._lock:
            response = self._responses.pop(ident)
        if "error" in response:
            raise LspError(f"{method} failed: {response['error']}")
        return response.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def initialize(self) -> dict[str, Any]:
        result = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": self.root.as_uri(),
                "workspaceFolders": [{"uri": self.root.as_uri(), "name": self.root.name}],
                "locale": "en",
                "capabilities": {
                    "workspace": {
                        "configuration": True,
                        "didChangeConfiguration": {"dynamicRegistration": True},
                    },
                    "textDocument": {
                        "publishDiagnostics": {"relatedInformation": True},
                        "completion": {
                            "completionItem": {
                                "documentationFormat": ["plaintext"],
                                "snippetSupport": True,
                            }
                        },
                        "hover": {"contentFormat": ["plaintext"]},
                    },
                },
            },
        )
        self.notify("initialized", {})
        # The server pulls its settings once initialized; open documents only after.
        self._wait(lambda: self.configuration_requests > 0, "workspace/configuration", None)
        return dict(result)

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.resolve().as_uri()
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "yaml",
                    "version": 1,
                    "text": path.read_text(encoding="utf-8") if text is None else text,
                }
            },
        )
        return uri

    def wait_diagnostics(
        self, uri: str, timeout: float | None = None, settle: float = 0.3
    ) -> list[dict[str, Any]]:
        """The diagnostics the server published for uri, once it stopped publishing."""
        self._wait(lambda: bool(self.diagnostics.get(uri)), f"diagnostics of {uri}", timeout)
        while True:
            with self._lock:
                count = len(self.diagnostics[uri])
            time.sleep(settle)
            with self._lock:
                if len(self.diagnostics[uri]) == count:
                    return self.diagnostics[uri][-1]

    def completion(self, uri: str, line: int, character: int) -> list[dict[str, Any]]:
        result = self.request(
            "textDocument/completion",
            {
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
            },
        )
        if isinstance(result, dict):
            return list(result.get("items", []))
        return list(result or [])

    def hover(self, uri: str, line: int, character: int) -> Any:
        return self.request(
            "textDocument/hover",
            {
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
            },
        )

    def close(self) -> None:
        """shutdown and exit; the process is killed if it does not end in seconds."""
        try:
            if self.process.poll() is None:
                self.request("shutdown", None, timeout=5)
                self.notify("exit", None)
                self.process.wait(timeout=5)
        except (LspError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=5)
        finally:
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()

    def __enter__(self) -> LspClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
