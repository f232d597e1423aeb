# ruff: noqa: F811  (pytest fixtures imported by name are parameters here)
"""The one session factory: trust = default bundle + the playbook's CA (never the
environment's), a timeout on every request, bounded retries honouring Retry-After."""

from __future__ import annotations

import ssl
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.errors import OperationError
from provision.net.http import ca_bundle, default_ca_bundle, make_session, ssl_context
from tests.fakes.fixtures import idp, pki  # noqa: F401


def test_bundle_holds_default_trust_and_the_extra_ca(pki: Any) -> None:
    bundle = Path(ca_bundle(str(pki.ca_file))).read_text()
    assert Path(default_ca_bundle()).read_text().strip() in bundle
    assert Path(pki.ca_file).read_text().strip() in bundle
    assert ca_bundle(str(pki.ca_file)) == ca_bundle(str(pki.ca_file))  # cached


def test_environment_cannot_replace_the_trust(
    idp: Any, pki: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(empty))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(empty))
    session = make_session(str(pki.ca_file), timeout=5)
    assert session.get(f"{idp.base_url}/common/v2.0/.well-known/openid-configuration").ok


DISCOVERY = "/common/v2.0/.well-known/openid-configuration"


def test_the_environment_s_proxy_is_used(
    idp: Any, pki: Any, proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert make_session(str(pki.ca_file), timeout=5).get(idp.base_url + DISCOVERY).ok
    assert proxy.targets == [f"127.0.0.1:{idp.port}"]


def test_no_proxy_goes_direct(
    idp: Any, pki: Any, proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert make_session(str(pki.ca_file), timeout=5).get(idp.base_url + DISCOVERY).ok
    assert proxy.targets == []


def test_the_playbook_s_proxy_replaces_the_environment_s(
    idp: Any, pki: Any, proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = make_session(str(pki.ca_file), timeout=5, proxy=proxy.url)
    assert session.get(idp.base_url + DISCOVERY).ok
    assert proxy.targets == [f"127.0.0.1:{idp.port}"]


def test_a_redirect_is_refused_and_nothing_is_sent_again(idp: Any, pki: Any, sink: Any) -> None:
    idp.redirect_token_requests(status=307, location=sink.url("/token"))
    session = make_session(str(pki.ca_file), timeout=5)
    with pytest.raises(requests.RequestException, match="redirect to https://127.0.0.1"):
        session.post(idp.generic_token_endpoint, data={"client_secret": "S3cr3t-REDIRECT"})
    assert sink.requests == []


def test_without_the_ca_the_local_idp_is_not_trusted(idp: Any) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        make_session(None, timeout=5, retries=0).get(idp.base_url)


def test_post_is_retried_after_retry_after(idp: Any, pki: Any) -> None:
    idp.fail_next(503, count=2, retry_after=0)
    session = make_session(str(pki.ca_file), timeout=5, retries=3, backoff_factor=0)
    answer = session.post(idp.generic_token_endpoint, data={"grant_type": "client_credentials"})
    assert answer.status_code == 400  # the faults passed; the IdP now judges the request
    assert len([r for r in idp.requests_log if r[0] == "POST"]) == 3


def test_retries_are_bounded(idp: Any, pki: Any) -> None:
    idp.fail_next(503, count=10, retry_after=0)
    session = make_session(str(pki.ca_file), timeout=5, retries=2, backoff_factor=0)
    answer = session.post(idp.generic_token_endpoint, data={})
    assert answer.status_code == 503  # the last answer, to report what the IdP said
    assert len([r for r in idp.requests_log if r[0] == "POST"]) == 3


def test_every_request_gets_the_timeout(idp: Any, pki: Any) -> None:
    idp.hang_next(10)
    session = make_session(str(pki.ca_file), timeout=0.3, retries=3)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(idp.generic_token_endpoint, data={})
    assert time.monotonic() - started < 2  # a read timeout is not retried


def test_bad_ca_file(tmp_path: Path) -> None:
    with pytest.raises(OperationError, match="cannot read CA file"):
        make_session(str(tmp_path / "missing.pem"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(OperationError, match="no PEM certificate"):
        ssl_context(str(junk))


def test_ssl_context_trusts_the_extra_ca(pki: Any) -> None:
    context = ssl_context(str(pki.ca_file))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) > 10  # the default trust is still there
