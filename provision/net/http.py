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
from ..files import UnreadableFile, read_file

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
        data = read_file(ca_file)
    except UnreadableFile as exc:
        raise OperationError(
            f"cannot read CA file {ca_file}: {exc.reason}",
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


def proxies(proxy: str | None = None) -> tuple[dict[str, str], str | None]:
    """The proxies to use (scheme -> URL) and the hosts that bypass them: `proxy` (the
    playbook's settings.proxy) for both schemes, else HTTPS_PROXY / HTTP_PROXY from the
    environment; NO_PROXY from the environment either way."""
    import urllib.request

    found = urllib.request.getproxies_environment()
    no_proxy = found.pop("no", None)
    if proxy is not None:
        return {"https": proxy, "http": proxy}, no_proxy
    return {k: v for k, v in found.items() if k in ("https", "http")}, no_proxy


def make_session(
    ca_file: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    *,
    proxy: str | None = None,
    backoff_factor: float = 0.5,
    backoff_max: float = 10.0,
    retry_after_max: float = 30.0,
) -> requests.Session:
    """A requests session that verifies TLS against the default trust plus `ca_file`,
    goes through the proxy (`proxy`, else HTTPS_PROXY/HTTP_PROXY, NO_PROXY honoured),
    puts `timeout` (seconds) on every request, never follows a redirect, and retries
    connection failures and 429/5xx answers up to `retries` times, sleeping what
    Retry-After says (at most `retry_after_max`) or an exponential backoff (at most
    `backoff_max`)."""
    import requests

    from ._adapters import TimeoutAdapter, make_retry, refuse_redirects

    session = requests.Session()
    # The environment must not silently replace the trust we configure
    # (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) or add credentials (.netrc): the session does
    # not trust it; the proxies are taken from it on purpose, above.
    session.trust_env = False
    session.verify = ca_bundle(ca_file)
    session.hooks["response"].append(refuse_redirects)
    retry = make_retry(retries, backoff_factor, backoff_max, retry_after_max)
    through, no_proxy = proxies(proxy)
    adapter = TimeoutAdapter(timeout, through, no_proxy, max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def adopt(target: SessionT, source: requests.Session) -> SessionT:
    """Give `target` the trust, proxies, timeout, retry and redirect policy of `source` (a
    `make_session` result), for libraries that insist on their own Session subclass."""
    target.trust_env = False
    target.verify = source.verify
    target.hooks["response"] = list(source.hooks["response"])
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
