"""LocalProxy: a real HTTP CONNECT proxy, driven by requests (urllib3) and MSAL."""

from __future__ import annotations

import base64
import time

import pytest
import requests

from tests.fakes._selftest import (
    CLIENT_ID,
    GRAPH_DEFAULT,
    SECRET,
    TENANT,
    TIMEOUT,
    confidential_app,
)
from tests.fakes.clients import tls_session
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.proxy import LocalProxy


def proxied(pki: PKI, proxy_url: str) -> requests.Session:
    session = tls_session(pki)  # trust_env=False: HTTPS_PROXY/NO_PROXY cannot interfere
    session.proxies = {"https": proxy_url, "http": proxy_url}
    return session


def test_requests_reaches_idp_through_proxy(pki: PKI, idp: LocalIdP, proxy: LocalProxy) -> None:
    assert proxy.url == f"http://127.0.0.1:{proxy.port}"
    session = proxied(pki, proxy.url)
    discovery = f"{idp.authority}/{TENANT}/v2.0/.well-known/openid-configuration"
    reply = session.get(discovery, timeout=TIMEOUT)
    assert reply.status_code == 200 and reply.json()["token_endpoint"]
    (record,) = proxy.connects
    assert record.method == "CONNECT" and record.target == f"127.0.0.1:{idp.port}"
    assert (record.host, record.port, record.status) == ("127.0.0.1", idp.port, 200)
    assert record.proxy_authorization is None
    assert record.bytes_up > 0 and record.bytes_down > len(reply.content)  # TLS end to end
    assert proxy.targets == [f"127.0.0.1:{idp.port}"]
    assert idp.requests_log[-1][:2] == ("GET", f"/{TENANT}/v2.0/.well-known/openid-configuration")


def test_msal_through_proxy(pki: PKI, idp: LocalIdP, proxy: LocalProxy) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    app = confidential_app(pki, idp, proxies={"https": proxy.url})
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in result, result
    assert len(proxy.connects) == 2  # discovery + token, one connection each (HTTP/1.0)
    assert {r.target for r in proxy.connects} == {f"127.0.0.1:{idp.port}"}


def test_proxy_authorization_is_recorded_and_required(
    pki: PKI, idp: LocalIdP, proxy: LocalProxy
) -> None:
    url = f"{idp.base_url}/.well-known/openid-configuration"
    proxy.require_auth("pbx user", "p@ss:word")
    with pytest.raises(requests.exceptions.ProxyError, match="407"):
        proxied(pki, proxy.url).get(url, timeout=TIMEOUT)
    assert proxy.connects[-1].status == 407
    with pytest.raises(requests.exceptions.ProxyError, match="407"):
        proxied(pki, proxy.url_with_credentials("pbx user", "wrong")).get(url, timeout=TIMEOUT)

    ok = proxied(pki, proxy.url_with_credentials("pbx user", "p@ss:word")).get(url, timeout=TIMEOUT)
    assert ok.status_code == 200
    expected = "Basic " + base64.b64encode(b"pbx user:p@ss:word").decode()
    assert proxy.connects[-1].proxy_authorization == expected
    assert proxy.connects[-1].header("proxy-authorization") == expected
    proxy.require_auth(None)
    assert proxied(pki, proxy.url).get(url, timeout=TIMEOUT).ok


def test_proxy_refuses_hosts(pki: PKI, idp: LocalIdP, proxy: LocalProxy) -> None:
    url = f"{idp.base_url}/.well-known/openid-configuration"
    session = proxied(pki, proxy.url)
    proxy.refuse("127.0.0.1")
    with pytest.raises(requests.exceptions.ProxyError, match="403"):
        session.get(url, timeout=TIMEOUT)
    assert proxy.connects[-1].status == 403
    assert idp.requests_log == []  # never reached
    proxy.allow("127.0.0.1")
    proxy.refuse(f"127.0.0.1:{idp.port}", status=502)
    with pytest.raises(requests.exceptions.ProxyError, match="502"):
        session.get(url, timeout=TIMEOUT)
    proxy.allow(f"127.0.0.1:{idp.port}")
    assert session.get(url, timeout=TIMEOUT).ok

    # not loopback: refused without any lookup or connection (offline by design)
    with pytest.raises(requests.exceptions.ProxyError, match="403"):
        session.get("https://login.microsoftonline.com/common/", timeout=TIMEOUT)
    assert proxy.connects[-1].target == "login.microsoftonline.com:443"
    assert proxy.connects[-1].status == 403

    # plain-HTTP proxying (absolute URI) is not implemented
    reply = session.get("http://127.0.0.1:9/x", timeout=TIMEOUT)
    assert reply.status_code == 501 and proxy.connects[-1].method == "GET"
    assert proxy.errors == []


def test_proxy_hang_and_stop(pki: PKI, idp: LocalIdP) -> None:
    with LocalProxy() as proxy:
        proxy.hang_next(2.0)
        start = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout):
            proxied(pki, proxy.url).get(idp.base_url + "/jwks", timeout=0.3)
        assert time.monotonic() - start < 1.5
        assert proxied(pki, proxy.url).get(idp.base_url + "/jwks", timeout=TIMEOUT).ok
    assert proxy.errors == []
