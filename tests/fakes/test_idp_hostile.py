"""LocalIdP's hostile-answer knobs (redirects to another origin, oversized error
texts, CR LF in access tokens) and RecordingSink, driven by requests and MSAL."""

from __future__ import annotations

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
from tests.fakes.graph import LocalGraph
from tests.fakes.idp import DEFAULT_CRLF_INJECTION, LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.sink import RecordingSink

FORM = {"grant_type": "client_credentials", "client_id": "pbx", "client_secret": "s3cret"}
MB = 1024 * 1024


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("scheme", ["https", "http"])
def test_redirect_token_requests_to_recording_sink(
    idp: LocalIdP,
    tls_http: requests.Session,
    sink: RecordingSink,
    http_sink: RecordingSink,
    status: int,
    scheme: str,
) -> None:
    target = sink if scheme == "https" else http_sink
    assert target.base_url.startswith(f"{scheme}://127.0.0.1:")
    idp.add_client("pbx", secret="s3cret")
    idp.redirect_token_requests(status=status, location=target.url("/collect?x=1"))

    # requests follows 307/308 and re-sends the body: the knob works
    followed = tls_http.post(idp.generic_token_endpoint, data=FORM, timeout=TIMEOUT)
    assert [r.status_code for r in followed.history] == [status]
    assert followed.status_code == 400 and followed.json()["error_description"] == "RecordingSink"
    (seen,) = target.requests
    assert seen.method == "POST" and seen.path == "/collect?x=1"
    assert "client_secret=s3cret" in seen.text
    assert seen.header("content-type") == "application/x-www-form-urlencoded"
    assert target.saw("s3cret") and target.saw(b"client_secret")
    assert not target.saw("not-sent")

    # without following, nothing reaches the sink
    target.clear()
    stopped = tls_http.post(
        idp.generic_token_endpoint, data=FORM, allow_redirects=False, timeout=TIMEOUT
    )
    assert stopped.status_code == status
    assert stopped.headers["Location"] == target.url("/collect?x=1")
    assert target.requests == []

    # requests drops Basic credentials on a cross-origin redirect (another port)
    basic = {"grant_type": "client_credentials"}
    tls_http.post(idp.generic_token_endpoint, data=basic, auth=("pbx", "s3cret"), timeout=TIMEOUT)
    (seen,) = target.requests
    assert seen.header("Authorization") is None and not target.saw("s3cret")

    # every token endpoint is affected, other requests are not
    assert (
        tls_http.post(
            idp.entra_token_endpoint(TENANT), data=FORM, allow_redirects=False, timeout=TIMEOUT
        ).status_code
        == status
    )
    assert tls_http.get(f"{idp.base_url}/.well-known/openid-configuration", timeout=TIMEOUT).ok

    idp.redirect_token_requests(None)
    assert tls_http.post(idp.generic_token_endpoint, data=FORM, timeout=TIMEOUT).status_code == 200


def test_redirect_count_and_msal_follows(pki: PKI, idp: LocalIdP, sink: RecordingSink) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    idp.redirect_token_requests(status=307, location=sink.url("/steal"), count=1)
    # MSAL posts with requests' defaults: it follows the redirect and re-sends the secret
    result = confidential_app(pki, idp).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" not in result
    (seen,) = sink.requests
    assert seen.path == "/steal" and sink.saw(SECRET)
    # count=1: the next request is handled normally
    ok = confidential_app(pki, idp).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in ok, ok


def test_redirect_needs_location(idp: LocalIdP) -> None:
    with pytest.raises(ValueError, match="location"):
        idp.redirect_token_requests(status=307)


def test_oversized_error_description(
    idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    idp.add_client("pbx", secret="s3cret")
    idp.fail_next(400, description_size=20 * MB)
    reply = tls_http.post(idp.generic_token_endpoint, data=FORM, stream=True, timeout=TIMEOUT)
    assert reply.status_code == 400
    assert int(reply.headers["Content-Length"]) > 20 * MB
    head = next(reply.iter_content(256))  # a careful client reads only so much
    assert head.startswith(b'{"error": "invalid_request", "error_description": "LocalTest')
    reply.close()
    assert tls_http.post(idp.generic_token_endpoint, data=FORM, timeout=TIMEOUT).ok

    idp.fail_next(400, description_size=1000, path_contains="/oauth2/v2.0/token")
    entra = tls_http.post(idp.entra_token_endpoint(TENANT), data=FORM, timeout=TIMEOUT).json()
    assert entra["error"] == "invalid_request" and len(entra["error_description"]) == 1000

    graph.fail_next(403, description_size=5000)
    body = tls_http.get(f"{graph.base_url}/v1.0/applications(appId='x')", timeout=TIMEOUT).json()
    assert len(body["error"]["message"]) == 5000


def test_crlf_access_token_provokes_invalid_header(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    idp.add_client(CLIENT_ID, secret=SECRET)
    graph.add_application("app")
    idp.crlf_access_token_next()
    hostile = confidential_app(pki, idp).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    token = hostile["access_token"]
    assert token.endswith(DEFAULT_CRLF_INJECTION) and "\r\n" in token
    assert idp.check_access_token(token, scope_contains="graph")  # still "valid" here
    url = f"{graph.base_url}/v1.0/applications(appId='app')"
    with pytest.raises(requests.exceptions.InvalidHeader):
        tls_http.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)

    clean = confidential_app(pki, idp).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "\r" not in clean["access_token"]  # count=1: only one hostile token
    reply = tls_http.get(
        url, headers={"Authorization": f"Bearer {clean['access_token']}"}, timeout=TIMEOUT
    )
    assert reply.status_code == 200

    idp.crlf_access_token_next(injection="\nX: y")
    assert idp.issue_access_token(CLIENT_ID, None, GRAPH_DEFAULT).endswith("\nX: y")
