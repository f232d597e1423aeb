"""The authorization URL and token endpoint in every app config apply writes:
the provider's default or the client's own, with the parameters the
innovaphone UI appends, URL-encoded (parsed back here, never string-compared)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provision.desired.authorization import full_authorization_url
from tests.playbook_helpers import cli_run, copy_playbook

SECRETS = {
    "AU_MS_SECRET": "ms-secret-value",
    "AU_GOOGLE_SECRET": "google-secret-value",
    "AU_IDP_SECRET": "idp-secret-value",
    "AU_ROPC_PASSWORD": "ropc-password-value",
}
MS_TENANT = "af326a34-169c-469e-946b-1ef57925306b"
MS_CLIENT = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
MS_SCOPE = "https://outlook.office.com/SMTP.Send offline_access"
GOOGLE_SCOPE = "https://mail.google.com/"


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every app config of authorization_urls.yaml, by `site/app`."""
    playbook = copy_playbook("authorization_urls.yaml", tmp_path_factory.mktemp("au"))
    run = cli_run(["apply", playbook], env=SECRETS)
    assert run.exit_code == 0, run.output
    apps = playbook.parent / "out" / "apps"
    return {
        f"{path.parent.name}/{path.stem}": json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(apps.glob("*/*.json"))
    }


def _split(url: str) -> tuple[str, list[tuple[str, str]]]:
    """(scheme://host/path, the decoded query parameters in order)."""
    parts = urlsplit(url)
    assert not parts.fragment
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qsl(
        parts.query, keep_blank_values=True, strict_parsing=True
    )


def _appended(sender: str, redirect_uri: str, client_id: str) -> list[tuple[str, str]]:
    return [
        ("response_type", "code"),
        ("prompt", "consent"),
        ("login_hint", sender),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
    ]


CASES = {
    # site/app: (base URL, its own parameters, sender, redirect URI, client_id)
    "acme/pbx": (
        f"https://login.microsoftonline.com/{MS_TENANT}/oauth2/v2.0/authorize",
        [("scope", MS_SCOPE)],
        "pbx+voicemail@acme.com",
        "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm",
        MS_CLIENT,
    ),
    "acme/fax2": (
        f"https://login.microsoftonline.com/{MS_TENANT}/oauth2/v2.0/authorize",
        [("scope", MS_SCOPE)],
        "fax+2@acme.com",  # the app's own sender, rendered: the login hint follows it
        "https://ap.acme.com/acme.com/fax2/auth.htm",
        MS_CLIENT,
    ),
    "agency/pbx": (  # a national cloud, named by its authority: its own SMTP scope
        "https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/authorize",
        [("scope", "https://outlook.office365.us/SMTP.Send offline_access")],
        "pbx@agency.gov",
        "https://pbx.agency.gov/OAUTH2-CLIENT/auth.htm",
        "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    ),
    "beta/pbx": (
        "https://accounts.google.com/o/oauth2/auth",
        [("access_type", "offline"), ("scope", GOOGLE_SCOPE)],
        "pbx@beta.example",
        "https://pbx.beta.example/OAUTH2-CLIENT/auth.htm",
        "123456789012-default.apps.googleusercontent.com",
    ),
    "beta/users": (  # the client's own authorization URL
        "https://accounts.example.test/o/oauth2/v2/auth",
        [("access_type", "offline"), ("scope", GOOGLE_SCOPE), ("hd", "beta.example")],
        "pbx.main@beta.example",
        "https://ap.beta.example/beta.example/usersapp/auth.htm",
        "123456789012-custom.apps.googleusercontent.com",
    ),
    "delta/pbx": (  # generic, its URL already percent-encoded; a client_id that needs encoding
        "https://idp.example.net/realms/pbx/protocol/openid-connect/auth",
        [("scope", "openid smtp"), ("audience", "mail")],
        "pbx@delta.example",
        "https://pbx.delta.example/OAUTH2-CLIENT/auth.htm",
        "pbx client/1",
    ),
}


@pytest.mark.parametrize("address", sorted(CASES))
def test_authorization_url_parses_back(configs: dict[str, dict[str, Any]], address: str) -> None:
    base, own, sender, redirect_uri, client_id = CASES[address]
    config = configs[address]
    assert config["sender"] == sender
    assert config["redirect_uri"] == redirect_uri
    assert config["client_id"] == client_id
    assert _split(config["authorization_url"]) == (
        base,
        own + _appended(sender, redirect_uri, client_id),
    )


@pytest.mark.parametrize("address", sorted(CASES))
def test_authorization_url_is_encoded(configs: dict[str, dict[str, Any]], address: str) -> None:
    """No character in the query that a browser or the PBX could misread."""
    url = configs[address]["authorization_url"]
    query = urlsplit(url).query
    for char in " @+/:":
        assert char not in query, f"{char!r} unencoded in {url}"
    assert query.count("redirect_uri=") == 1 and query.count("client_id=") == 1
    # every parameter's value decodes to exactly one value
    assert len(dict(parse_qsl(query))) == len(parse_qsl(query))


def test_base_url_as_the_ui_takes_it(configs: dict[str, dict[str, Any]]) -> None:
    """The base URL as the innovaphone UI's Authorization URL field takes it, encoded (no
    raw space), beside the full one; `ui.fields` says which field it is."""
    assert configs["acme/pbx"]["authorization_endpoint"] == (
        f"https://login.microsoftonline.com/{MS_TENANT}/oauth2/v2.0/authorize"
        "?scope=https%3A%2F%2Foutlook.office.com%2FSMTP.Send%20offline_access"
    )
    assert configs["beta/pbx"]["authorization_endpoint"] == (
        "https://accounts.google.com/o/oauth2/auth?access_type=offline"
        "&scope=https%3A%2F%2Fmail.google.com%2F"
    )
    assert configs["acme/pbx"]["ui"]["fields"]["Client ID"] == "client_id"
    for config in configs.values():
        assert " " not in config.get("authorization_endpoint", "")
        fields = config["ui"]["fields"]
        if "Authorization URL" in fields:
            assert fields["Authorization URL"] == "authorization_endpoint"


TOKEN_ENDPOINTS = {
    "acme/pbx": f"https://login.microsoftonline.com/{MS_TENANT}/oauth2/v2.0/token",
    "acme/users": f"https://login.microsoftonline.com/{MS_TENANT}/oauth2/v2.0/token",
    "agency/pbx": "https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/token",
    "beta/pbx": "https://oauth2.googleapis.com/token",
    "beta/users": "https://oauth2.example.test/token",
    "delta/pbx": "https://idp.example.net/realms/pbx/protocol/openid-connect/token",
}


@pytest.mark.parametrize("address", sorted(TOKEN_ENDPOINTS))
def test_token_endpoint(configs: dict[str, dict[str, Any]], address: str) -> None:
    assert configs[address]["token_endpoint"] == TOKEN_ENDPOINTS[address]


def test_non_interactive_app_has_no_authorization_url(
    configs: dict[str, dict[str, Any]],
) -> None:
    ropc = configs["acme/users"]
    assert ropc["mode"] == "microsoft365"
    assert not {"authorization_url", "authorization_endpoint", "redirect_uri"} & set(ropc)


def test_every_interactive_app_is_covered(configs: dict[str, dict[str, Any]]) -> None:
    interactive = {a for a, c in configs.items() if "authorization_url" in c}
    assert interactive == set(CASES)


def test_appended_parameters_survive_reserved_characters() -> None:
    url = full_authorization_url(
        "https://idp.example/authorize",
        sender="fax@{x}.example",
        redirect_uri="https://ap.example/d/fax/auth.htm?x=1&y=2",
        client_id="a&b=c",
    )
    base, params = _split(url)
    assert base == "https://idp.example/authorize"
    assert params == _appended(
        "fax@{x}.example", "https://ap.example/d/fax/auth.htm?x=1&y=2", "a&b=c"
    )


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fast_quote_is_urllib_quote(text: str) -> None:
    """The str.translate fast path encodes exactly as quote(safe="") does."""
    from urllib.parse import quote

    from provision.desired.authorization import _quote

    assert _quote(text) == quote(text, safe="")
