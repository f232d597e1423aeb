"""The one HTTP session factory: verified TLS (default trust plus the playbook's CA file),
a timeout on every request, bounded retries that honour Retry-After. Also the matching
`ssl.SSLContext` for SMTP. Imported only by the steps that talk to the network."""

from __future__ import annotations

import atexit
import os
import shutil
import ssl
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..errors import OperationError

if TYPE_CHECKING:
    import requests

    SessionT = TypeVar("SessionT", bound=requests.Session)

DEFAULT_TIMEOUT = 15.0
DEFAULT_RETRIES = 3

_bundle_lock = threading.Lock()
_bundles: dict[tuple[str, int, int], str] = {}
_bundle_dir: str | None = None


def default_ca_bundle() -> str:
    """The default trust: certifi's bundle (what requests uses)."""
    import certifi

    return str(certifi.where())


def _read_ca_file(ca_file: str) -> bytes:
    try:
        data = Path(ca_file).read_bytes()
    except OSError as exc:
        raise OperationError(
            f"cannot read CA file {ca_file}: {exc.strerror}",
            "settings.ca_file must name a PEM file with the CA certificate(s)",
        ) from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise OperationError(
            f"CA file {ca_file} holds no PEM certificate",
            "settings.ca_file must name a PEM file with the CA certificate(s)",
        )
    return data


def ca_bundle(ca_file: str | None) -> str:
    """Path of a PEM bundle with the default trust plus `ca_file` (cached per file version)."""
    if ca_file is None:
        return default_ca_bundle()
    global _bundle_dir
    try:
        st = os.stat(ca_file)
        key = (os.path.realpath(ca_file), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    with _bundle_lock:
        if key is not None and key in _bundles:
            return _bundles[key]
        extra = _read_ca_file(ca_file)
        if _bundle_dir is None:
            _bundle_dir = tempfile.mkdtemp(prefix="provision-ca-")
            atexit.register(shutil.rmtree, _bundle_dir, True)
        fd, path = tempfile.mkstemp(suffix=".pem", dir=_bundle_dir)
        with os.fdopen(fd, "wb") as out:
            out.write(Path(default_ca_bundle()).read_bytes())
            out.write(b"\n")
            out.write(extra)
        if key is not None:
            _bundles[key] = path
        return path


def make_session(
    ca_file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    *,
    backoff_factor: float = 0.5,
    backoff_max: float = 10.0,
    retry_after_max: float = 30.0,
) -> requests.Session:
    """A requests session that verifies TLS against the default trust plus `ca_file`,
    puts `timeout` (seconds) on every request, and retries connection failures and
    429/5xx answers up to `retries` times, sleeping what Retry-After says (at most
    `retry_after_max`) or an exponential backoff (at most `backoff_max`)."""
    import requests

    return configure(
        requests.Session(),
        ca_file,
        timeout,
        retries,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        retry_after_max=retry_after_max,
    )


def configure(
    session: SessionT,
    ca_file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    *,
    backoff_factor: float = 0.5,
    backoff_max: float = 10.0,
    retry_after_max: float = 30.0,
) -> SessionT:
    """Give an existing session (e.g. a library's Session subclass) the policy of
    `make_session`."""
    from ._adapters import TimeoutAdapter, make_retry

    # The environment (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, proxies, .netrc) must not
    # silently replace the trust we configure.
    session.trust_env = False
    session.verify = ca_bundle(ca_file)
    retry = make_retry(retries, backoff_factor, backoff_max, retry_after_max)
    adapter = TimeoutAdapter(timeout, max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def adopt(target: SessionT, source: requests.Session) -> SessionT:
    """Give `target` the trust, timeout and retry policy of `source` (a `make_session`
    result), for libraries that insist on their own Session subclass."""
    target.trust_env = False
    target.verify = source.verify
    for prefix, adapter in source.adapters.items():
        target.mount(prefix, adapter)
    return target


def ssl_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A client SSLContext (hostname checked) with the same trust as `make_session`."""
    context = ssl.create_default_context(cafile=default_ca_bundle())
    if ca_file is not None:
        try:
            context.load_verify_locations(cadata=_read_ca_file(ca_file).decode("ascii"))
        except (ssl.SSLError, UnicodeDecodeError) as exc:
            raise OperationError(
                f"CA file {ca_file} cannot be loaded: {exc}",
                "settings.ca_file must name a PEM file with the CA certificate(s)",
            ) from None
    return context
