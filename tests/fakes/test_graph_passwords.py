"""LocalGraph: addPassword/removePassword, ownership, and the incomplete/echoing
answer knobs, driven by requests with tokens MSAL got from the LocalIdP."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.fakes._selftest import (
    APP_ID,
    CLIENT_ID,
    GRAPH_DEFAULT,
    SECRET,
    TIMEOUT,
    USER,
    confidential_app,
)
from tests.fakes.graph import LocalGraph
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI

CRED_KEYS = {
    "customKeyIdentifier",
    "displayName",
    "endDateTime",
    "hint",
    "keyId",
    "secretText",
    "startDateTime",
}


def graph_token(pki: PKI, idp: LocalIdP, client_id: str = CLIENT_ID) -> dict[str, str]:
    if not idp.has_client(client_id):
        idp.add_client(client_id, secret=SECRET)
    result = confidential_app(pki, idp, client_id).acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in result, result
    return {"Authorization": f"Bearer {result['access_token']}"}


def app_url(graph: LocalGraph, app_id: str = APP_ID) -> str:
    return f"{graph.base_url}/v1.0/applications(appId='{app_id}')"


def can_get_token(pki: PKI, idp: LocalIdP, secret: str) -> list[int]:
    result = confidential_app(pki, idp, APP_ID, secret).acquire_token_for_client(
        scopes=[GRAPH_DEFAULT]
    )
    return [] if "access_token" in result else list(result["error_codes"])


def test_add_password_list_and_remove(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    idp.add_client(APP_ID, secret="old-secret-value")
    graph.add_application(APP_ID, ["https://pbx.acme.com/auth.htm"], owners=[CLIENT_ID])
    graph.secret_propagation_delay = 0.6
    headers = graph_token(pki, idp)
    url = app_url(graph)

    added = tls_http.post(
        url + "/addPassword",
        json={
            "passwordCredential": {
                "displayName": "provision 2026",
                "endDateTime": "2027-01-01T00:00:00Z",
            }
        },
        headers=headers,
        timeout=TIMEOUT,
    )
    assert added.status_code == 200, added.text
    cred = added.json()
    assert set(cred) == CRED_KEYS | {"@odata.context"}
    secret = cred["secretText"]
    assert len(secret) == 40 and cred["hint"] == secret[:3]
    assert cred["displayName"] == "provision 2026"
    assert cred["endDateTime"] == "2027-01-01T00:00:00Z" and cred["customKeyIdentifier"] is None

    # registered with the IdP, but Entra takes a moment to accept a new secret
    assert [s.key_id for s in idp.client_secrets(APP_ID)][-1] == cred["keyId"]
    assert can_get_token(pki, idp, secret) == [7000215]
    time.sleep(0.7)
    assert can_get_token(pki, idp, secret) == []
    assert can_get_token(pki, idp, "old-secret-value") == []

    # GET lists it, never with its value
    listed = tls_http.get(
        url, params={"$select": "appId,passwordCredentials"}, headers=headers, timeout=TIMEOUT
    )
    assert set(listed.json()) == {"@odata.context", "id", "appId", "passwordCredentials"}
    (shown,) = listed.json()["passwordCredentials"]
    assert set(shown) == CRED_KEYS and shown["secretText"] is None
    assert {k: v for k, v in shown.items() if k != "secretText"} == {
        k: v for k, v in cred.items() if k not in ("secretText", "@odata.context")
    }
    assert secret not in listed.text
    assert graph.password_credentials(APP_ID) == [shown]

    removed = tls_http.post(
        url + "/removePassword", json={"keyId": cred["keyId"]}, headers=headers, timeout=TIMEOUT
    )
    assert removed.status_code == 204
    assert graph.password_credentials(APP_ID) == []
    assert cred["keyId"] not in [s.key_id for s in idp.client_secrets(APP_ID)]
    assert can_get_token(pki, idp, secret) == [7000215]
    again = tls_http.post(
        url + "/removePassword", json={"keyId": cred["keyId"]}, headers=headers, timeout=TIMEOUT
    )
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "Request_ResourceNotFound"
    bad_key = tls_http.post(
        url + "/removePassword", json={"keyId": "nope"}, headers=headers, timeout=TIMEOUT
    )
    assert bad_key.status_code == 400

    # every call recorded; the secret value appears nowhere in the records
    assert secret not in json.dumps(graph.requests_log) + repr(graph.calls)
    posts = [
        (c.method, c.path, c.body, c.status, c.client_id) for c in graph.calls if c.method == "POST"
    ]
    assert posts[0] == (
        "POST",
        f"/v1.0/applications(appId='{APP_ID}')/addPassword",
        {
            "passwordCredential": {
                "displayName": "provision 2026",
                "endDateTime": "2027-01-01T00:00:00Z",
            }
        },
        200,
        CLIENT_ID,
    )
    assert [p[3] for p in posts] == [200, 204, 404, 400]
    assert (
        "POST",
        f"/v1.0/applications(appId='{APP_ID}')/removePassword",
        {"keyId": cred["keyId"]},
    ) in graph.requests_log


def test_add_password_defaults_object_id_path_and_unknown_idp_client(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    app = graph.add_application("fresh-app", display_name="Fresh")
    headers = graph_token(pki, idp)
    url = f"{graph.base_url}/v1.0/applications/{app['id']}/microsoft.graph.addPassword"
    added = tls_http.post(url, json={}, headers=headers, timeout=TIMEOUT)
    assert added.status_code == 200, added.text
    cred = added.json()
    assert cred["displayName"] is None
    assert cred["endDateTime"] > cred["startDateTime"]  # Graph's default: two years
    assert idp.has_client("fresh-app")  # the IdP learned about the app and its secret
    assert len(idp.client_secrets("fresh-app")) == 1

    refused = tls_http.post(
        url,
        json={"passwordCredential": {"secretText": "chosen-by-me"}},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert refused.status_code == 400
    assert tls_http.get(url, headers=headers, timeout=TIMEOUT).status_code == 405


def test_password_endpoints_enforce_token_and_ownership(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    graph.add_application(APP_ID, owners=[CLIENT_ID, USER])
    add = app_url(graph) + "/addPassword"
    body = {"passwordCredential": {"displayName": "x"}}
    owner = graph_token(pki, idp)
    stranger = graph_token(pki, idp, "stranger-app")

    assert tls_http.post(add, json=body, timeout=TIMEOUT).status_code == 401
    smtp_token = idp.issue_access_token(CLIENT_ID, None, "https://outlook.office365.com/.default")
    wrong_audience = {"Authorization": f"Bearer {smtp_token}"}
    assert tls_http.post(add, json=body, headers=wrong_audience, timeout=TIMEOUT).status_code == 401
    denied_add = tls_http.post(add, json=body, headers=stranger, timeout=TIMEOUT)
    denied_get = tls_http.get(app_url(graph), headers=stranger, timeout=TIMEOUT)
    for denied in (denied_add, denied_get):
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "Authorization_RequestDenied"
    assert graph.password_credentials(APP_ID) == []

    assert tls_http.post(add, json=body, headers=owner, timeout=TIMEOUT).status_code == 200
    delegated = idp.issue_access_token(
        "some-client", USER, "https://graph.microsoft.com/Application.ReadWrite.All"
    )
    assert (
        tls_http.post(
            add, json=body, headers={"Authorization": f"Bearer {delegated}"}, timeout=TIMEOUT
        ).status_code
        == 200
    )
    graph.grant_read_write_all("stranger-app")
    assert tls_http.post(add, json=body, headers=stranger, timeout=TIMEOUT).status_code == 200
    graph.set_owners(APP_ID, "someone-else")
    assert tls_http.post(add, json=body, headers=owner, timeout=TIMEOUT).status_code == 403
    graph.deny("stranger-app")
    assert tls_http.post(add, json=body, headers=stranger, timeout=TIMEOUT).status_code == 403
    missing = tls_http.post(
        app_url(graph, "nope") + "/addPassword", json=body, headers=owner, timeout=TIMEOUT
    )
    assert missing.status_code == 404


def test_incomplete_get_knobs(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    graph.add_application(APP_ID, ["https://pbx.acme.com/auth.htm"])
    headers = graph_token(pki, idp)
    graph.incomplete_get_next("no_web")
    graph.incomplete_get_next("null_redirect_uris")
    first = tls_http.get(app_url(graph), headers=headers, timeout=TIMEOUT)
    assert first.status_code == 200 and "web" not in first.json()
    second = tls_http.get(app_url(graph), headers=headers, timeout=TIMEOUT).json()
    assert second["web"]["redirectUris"] is None and "implicitGrantSettings" in second["web"]
    third = tls_http.get(app_url(graph), headers=headers, timeout=TIMEOUT).json()
    assert third["web"]["redirectUris"] == ["https://pbx.acme.com/auth.htm"]
    assert graph.application(APP_ID)["web"]["redirectUris"] == ["https://pbx.acme.com/auth.htm"]
    with pytest.raises(ValueError):
        graph.incomplete_get_next("bogus")


def test_echo_authorization_knob(
    pki: PKI, idp: LocalIdP, graph: LocalGraph, tls_http: requests.Session
) -> None:
    graph.add_application(APP_ID)
    headers = graph_token(pki, idp)
    graph.echo_authorization_next()
    echoed = tls_http.get(app_url(graph), headers=headers, timeout=TIMEOUT)
    assert echoed.status_code == 403
    error = echoed.json()["error"]
    assert error["code"] == "Authorization_RequestDenied"
    assert headers["Authorization"] in error["message"]  # the full "Bearer <token>"
    assert graph.calls[-1].status == 403
    assert tls_http.get(app_url(graph), headers=headers, timeout=TIMEOUT).status_code == 200


def test_add_password_seeds_a_secret_with_a_known_value(
    pki: PKI, idp: LocalIdP, graph: LocalGraph
) -> None:
    graph.add_application(APP_ID)
    key_id = graph.add_password(APP_ID, "Prt8Q~portal-made-secret", display_name="portal")
    (shown,) = graph.password_credentials(APP_ID)
    assert shown["keyId"] == key_id and shown["hint"] == "Prt"
    assert shown["displayName"] == "portal" and shown["secretText"] is None
    assert can_get_token(pki, idp, "Prt8Q~portal-made-secret") == []
    assert [s.key_id for s in idp.client_secrets(APP_ID)] == [key_id]
