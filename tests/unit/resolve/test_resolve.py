"""provision.resolve: references, precedence, templates, modes, endpoints; and
the limits and lint checks that run on the resolved model."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.desired.authorization import authorization_url
from provision.errors import ERROR, WARNING, PlaybookError, Problem, format_path
from provision.load import load_playbook
from provision.model import Model
from provision.net.urls import is_loopback
from provision.pipeline import check as check_playbook
from provision.resolve import resolve
from provision.validate.limits import check_limits
from provision.validate.lint import lint
from provision.validate.schema import check_schema

CLIENTS: dict[str, dict[str, Any]] = {
    "ms": {
        "provider": "microsoft",
        "tenant": "contoso.onmicrosoft.com",
        "client_id": "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00",
        "client_secret": {"env": "MS_SECRET"},
    },
    "google": {
        "provider": "google",
        "client_id": "123-example.apps.googleusercontent.com",
        "client_secret": {"env": "GOOGLE_SECRET"},
    },
    "google-sa": {
        "provider": "google",
        "client_email": "sa@p.iam.gserviceaccount.com",
        "private_key_id": "k1",
        "private_key": {"env": "SA_KEY"},
    },
    "idp": {
        "provider": "generic",
        "token_endpoint": "https://idp.example.net/token",
        "authorization_url": "https://idp.example.net/authorize?scope=smtp",
        "client_id": "pbx",
        "client_secret": {"env": "IDP_SECRET"},
        "private_key": {"env": "IDP_KEY"},
    },
}
MODE_CLIENT = {
    "exchange": "ms",
    "microsoft365": "ms",
    "gmail": "google",
    "google_service_account": "google-sa",
    "client_secret_post": "idp",
    "private_key_jwt": "idp",
}


def playbook(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": 1,
        "clients": copy.deepcopy(CLIENTS),
        "identities": {"mail": {"client": "ms", "mode": "exchange", "sender": "pbx@acme.com"}},
        "defaults": {"identity": "mail"},
        "sites": {
            "acme": {
                "domain": "acme.com",
                "pbx": "pbx.acme.com",
                "app_platform": "ap.example.net",
                "apps": ["pbx", "fax"],
            }
        },
    }
    document.update(overrides)
    return document


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    file = tmp_path / "p.yaml"
    file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return file


def model_of(tmp_path: Path, document: dict[str, Any]) -> Model:
    loaded = load_playbook(write(tmp_path, document))
    assert check_schema(loaded) == []
    return resolve(loaded)


def errors_of(tmp_path: Path, document: dict[str, Any]) -> list[str]:
    """`path: message` of every problem resolving reports."""
    loaded = load_playbook(write(tmp_path, document))
    assert check_schema(loaded) == []
    with pytest.raises(PlaybookError) as caught:
        resolve(loaded)
    return [f"{format_path(p.path)}: {p.message}" for p in caught.value.problems]


def apps_by_address(model: Model) -> dict[str, Any]:
    return {app.address: app for app in model.apps()}


# -- precedence ---------------------------------------------------------------


def test_precedence_app_over_site_over_defaults_over_identity(tmp_path: Path) -> None:
    document = playbook(
        identities={
            "mail": {
                "client": "ms",
                "mode": "exchange",
                "sender": "id@acme.com",
                "sender_name": "Identity",
            },
            "site-mail": {"client": "ms", "mode": "exchange", "sender": "site-id@acme.com"},
            "app-mail": {"client": "ms", "mode": "exchange", "sender": "app-id@acme.com"},
        },
        sites={
            "plain": {"domain": "plain.com", "pbx": "pbx.plain.com", "apps": ["pbx"]},
            "site": {
                "domain": "site.com",
                "pbx": "pbx.site.com",
                "app_platform": "ap.site.com",
                "identity": "site-mail",
                "sender": "site@site.com",
                "apps": {
                    "pbx": None,
                    "fax": {"identity": "app-mail", "sender": "app@site.com", "sender_name": "App"},
                    "users": {"identity": "app-mail"},
                },
            },
        },
    )
    apps = apps_by_address(model_of(tmp_path, document))
    seen = {a: (app.identity.name, app.sender, app.sender_name) for a, app in apps.items()}
    assert seen == {
        # nothing on the site or app: the default identity, with its own sender
        "plain/pbx": ("mail", "id@acme.com", "Identity"),
        "site/pbx": ("site-mail", "site@site.com", None),
        "site/fax": ("app-mail", "app@site.com", "App"),
        # the app's identity, the site's sender
        "site/users": ("app-mail", "site@site.com", None),
    }


def test_defaults_sender_beats_the_identitys(tmp_path: Path) -> None:
    document = playbook(defaults={"identity": "mail", "sender": "{{ app.name }}@{{ site.domain }}"})
    apps = apps_by_address(model_of(tmp_path, document))
    assert apps["acme/fax"].sender == "fax@acme.com"


def test_defaults_apps_apply_to_sites_without_apps(tmp_path: Path) -> None:
    document = playbook(
        defaults={
            "identity": "mail",
            "apps": {"users": None, "fax2": {"kind": "fax", "path": "fax2"}},
        }
    )
    del document["sites"]["acme"]["apps"]
    apps = apps_by_address(model_of(tmp_path, document))
    assert sorted(apps) == ["acme/fax2", "acme/users"]
    assert apps["acme/fax2"].redirect_uri == "https://ap.example.net/acme.com/fax2/auth.htm"


def test_app_without_any_identity(tmp_path: Path) -> None:
    document = playbook(defaults={})
    assert errors_of(tmp_path, document) == [
        "sites.acme.apps[0]: app 'pbx' has no identity: set identity on the app, the site or "
        "defaults",
        "sites.acme.apps[1]: app 'fax' has no identity: set identity on the app, the site or "
        "defaults",
    ]


# -- references ---------------------------------------------------------------


def test_unknown_references_list_what_is_defined(tmp_path: Path) -> None:
    document = playbook()
    document["identities"]["other"] = {"client": "nope", "mode": "exchange", "sender": "a@b.com"}
    document["sites"]["acme"]["apps"] = {"pbx": {"identity": "missing"}, "chat": None}
    assert errors_of(tmp_path, document) == [
        "identities.other.client: unknown client 'nope' (defined: google, google-sa, idp, ms)",
        "sites.acme.apps.pbx.identity: unknown identity 'missing' (defined: mail, other)",
        "sites.acme.apps.chat: unknown app kind 'chat' (defined: connect, fax, manager, pbx, "
        "reporting, users)",
    ]


def test_an_unknown_identity_is_reported_once_where_it_is_written(tmp_path: Path) -> None:
    document = playbook(defaults={"identity": "nope"})
    document["sites"]["beta"] = {
        "domain": "b.com",
        "pbx": "pbx.b.com",
        "identity": "gone",
        "apps": {"pbx": {"identity": "mail"}},
    }
    assert errors_of(tmp_path, document) == [
        "defaults.identity: unknown identity 'nope' (defined: mail)",
        "sites.beta.identity: unknown identity 'gone' (defined: mail)",
    ]


def test_graph_client_must_be_a_known_microsoft_client(tmp_path: Path) -> None:
    document = playbook()
    document["clients"]["ms"]["graph_client"] = "google"
    assert errors_of(tmp_path, document) == [
        "clients.ms.graph_client: graph_client 'google' must be a microsoft client"
    ]
    document["clients"]["ms"]["graph_client"] = "nope"
    assert errors_of(tmp_path, document) == [
        "clients.ms.graph_client: unknown client 'nope' (defined: google, google-sa, idp, ms)"
    ]


# -- modes ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", sorted(MODE_CLIENT))
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_each_mode_fits_only_its_provider(tmp_path: Path, mode: str, client: str) -> None:
    document = playbook(
        identities={
            "mail": {"client": client, "mode": mode, "sender": "pbx@acme.com", "password": "x"}
        }
    )
    provider = CLIENTS[client]["provider"]
    wanted = CLIENTS[MODE_CLIENT[mode]]["provider"]
    loaded = load_playbook(write(tmp_path, document))
    if provider == wanted:
        try:
            resolve(loaded)
        except PlaybookError as exc:  # e.g. gmail on the service account: fields, not provider
            assert not any("client, but client" in p.message for p in exc.problems)
        return
    with pytest.raises(PlaybookError) as caught:
        resolve(loaded)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'p.yaml'}:{_line_of(tmp_path, 'mode: ' + mode)}:11: identities.mail.mode: "
        f"mode {mode} needs a {wanted} client, but client '{client}' is {provider}"
    ]


def _line_of(tmp_path: Path, text: str) -> int:
    lines = (tmp_path / "p.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == text)


@pytest.mark.parametrize(
    ("mode", "remove", "missing"),
    [
        ("exchange", ["client_secret"], "client_secret"),
        ("microsoft365", ["client_secret"], "client_secret"),
        ("gmail", ["client_secret"], "client_secret"),
        (
            "google_service_account",
            ["private_key"],
            "private_key (inline, or through service_account_file)",
        ),
        (
            "google_service_account",
            ["client_email", "private_key_id"],
            "client_email, private_key_id (inline, or through service_account_file)",
        ),
        ("client_secret_post", ["client_secret"], "client_secret"),
        ("private_key_jwt", ["private_key"], "private_key"),
    ],
)
def test_what_each_mode_needs(tmp_path: Path, mode: str, remove: list[str], missing: str) -> None:
    client = MODE_CLIENT[mode]
    document = playbook(
        identities={
            "mail": {"client": client, "mode": mode, "sender": "pbx@acme.com", "password": "x"}
        }
    )
    for key in remove:
        del document["clients"][client][key]
    assert errors_of(tmp_path, document) == [
        f"identities.mail.mode: mode {mode} needs client '{client}' to have {missing}"
    ]


def test_service_account_and_client_json_files_fill_the_client(tmp_path: Path) -> None:
    (tmp_path / "sa.json").write_text(
        json.dumps(
            {
                "client_email": "sa@p.iam.gserviceaccount.com",
                "private_key_id": "abc",
                "private_key": "-----BEGIN PRIVATE KEY-----\n...",
                "type": "service_account",
            }
        )
    )
    (tmp_path / "web.json").write_text(
        json.dumps(
            {"web": {"client_id": "77-web.apps.googleusercontent.com", "client_secret": "x"}}
        )
    )
    document = playbook(
        clients={
            "sa": {"provider": "google", "service_account_file": "sa.json"},
            "web": {"provider": "google", "client_secrets_file": "web.json"},
        },
        identities={
            "mail": {"client": "sa", "mode": "google_service_account", "sender": "a@acme.com"},
            "web-mail": {"client": "web", "mode": "gmail", "sender": "b@acme.com"},
        },
    )
    document["sites"]["acme"]["apps"] = {"pbx": None, "fax": {"identity": "web-mail"}}
    model = model_of(tmp_path, document)
    sa, web = model.clients["sa"], model.clients["web"]
    assert (sa.client_email, sa.private_key_id) == ("sa@p.iam.gserviceaccount.com", "abc")
    assert sa.private_key is not None and sa.private_key.kind == "json"
    assert web.client_id == "77-web.apps.googleusercontent.com"
    assert web.client_secret is not None and web.client_secret.kind == "json"


# -- endpoints -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        (None, False),
        ("", False),
        ("localhost.example.net", False),
        ("127.0.0.1.example.net", False),
        ("10.0.0.1", False),
        ("example.net", False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("key", "url", "ok"),
    [
        ("token_endpoint", "http://127.0.0.1:8080/token", True),
        ("token_endpoint", "http://localhost/token", True),
        ("token_endpoint", "http://[::1]:8080/token", True),
        ("token_endpoint", "https://idp.example.net/token", True),
        ("token_endpoint", "http://idp.example.net/token", False),
        ("authorization_url", "http://192.168.1.1/authorize", False),
    ],
)
def test_http_only_for_loopback(tmp_path: Path, key: str, url: str, ok: bool) -> None:
    document = playbook()
    document["clients"]["idp"][key] = url
    if ok:
        assert model_of(tmp_path, document).clients["idp"].token_endpoint is not None
    else:
        assert errors_of(tmp_path, document) == [
            f"clients.idp.{key}: {url} must use https (http only for loopback hosts)"
        ]


def test_microsoft_authority_builds_the_endpoints(tmp_path: Path) -> None:
    document = playbook()
    document["clients"]["ms"]["authority"] = "https://login.microsoftonline.us/"
    client = model_of(tmp_path, document).clients["ms"]
    assert client.token_endpoint == (
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    # the authority names the cloud: its SMTP scope, host and Graph come along
    assert client.authorization_url == (
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
        "?scope=https://outlook.office365.us/SMTP.Send offline_access"
    )
    assert client.cloud == "usgov"
    assert client.smtp is not None and client.smtp.host == "smtp.office365.us"
    assert client.graph_endpoint == "https://graph.microsoft.us"


@pytest.mark.parametrize(
    ("cloud", "authority", "graph", "scope", "smtp"),
    [
        (
            "global",
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
            "https://outlook.office.com/SMTP.Send",
            "smtp.office365.com",
        ),
        (
            "usgov",
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
            "https://outlook.office365.us/SMTP.Send",
            "smtp.office365.us",
        ),
        (
            "china",
            "https://login.partner.microsoftonline.cn",
            "https://microsoftgraph.chinacloudapi.cn",
            "https://partner.outlook.cn/SMTP.Send",
            "smtp.partner.outlook.cn",
        ),
    ],
)
def test_a_cloud_sets_authority_graph_scope_and_smtp_together(
    tmp_path: Path, cloud: str, authority: str, graph: str, scope: str, smtp: str
) -> None:
    document = playbook()
    document["clients"]["ms"]["cloud"] = cloud
    model = model_of(tmp_path, document)
    client = model.clients["ms"]
    assert client.authority == authority
    assert client.token_endpoint == f"{authority}/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert client.graph_endpoint == graph
    assert client.scope == scope
    assert client.authorization_url is not None and f"scope={scope} " in client.authorization_url
    identities = [i for i in model.identities.values() if i.client.name == "ms"]
    assert identities and all(i.smtp is not None and i.smtp.host == smtp for i in identities)


def test_each_cloud_value_can_still_be_set_on_its_own(tmp_path: Path) -> None:
    document = playbook()
    document["clients"]["ms"].update(
        cloud="usgov",
        graph_endpoint="https://dod-graph.microsoft.us",
        scope="https://outlook-dod.office365.us/SMTP.Send",
    )
    client = model_of(tmp_path, document).clients["ms"]
    assert client.authority == "https://login.microsoftonline.us"
    assert client.graph_endpoint == "https://dod-graph.microsoft.us"
    assert client.scope == "https://outlook-dod.office365.us/SMTP.Send"


def test_smtp_host_may_carry_the_port_as_innovaphone_writes_it(tmp_path: Path) -> None:
    document = playbook()
    document["identities"]["mail"]["smtp"] = {
        "host": "Mail.Example.com:2525",
        "helo": "PBX.acme.com",
    }
    model = model_of(tmp_path, document)
    smtp = model.identities["mail"].smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.helo) == ("mail.example.com", 2525, "pbx.acme.com")
    assert any(
        "'Mail.Example.com' is used as 'mail.example.com'" in w.message for w in model.warnings
    )


def test_a_port_given_twice_differently_is_located(tmp_path: Path) -> None:
    document = playbook()
    document["identities"]["mail"]["smtp"] = {"host": "mail.example.com:2525", "port": 587}
    assert errors_of(tmp_path, document) == [
        "identities.mail.smtp.port: host 'mail.example.com:2525' names port 2525 and port "
        "says 587: give the port once"
    ]


# -- templates -------------------------------------------------------------------


def test_templates_see_site_and_app(tmp_path: Path) -> None:
    document = playbook()
    document["sites"]["acme"].update(
        pbx="pbx.{{ site.domain }}",
        app_platform="ap-{{ site.name }}.example.net",
        apps={
            "fax": {
                "sender": "{{ app.kind }}-{{ app.name }}@{{ site.domain }}",
                "sender_name": "{{ site.name | upper }} {{ app.name | title }}",
            }
        },
    )
    (fax,) = model_of(tmp_path, document).apps()
    assert fax.sender == "fax-fax@acme.com"
    assert fax.sender_name == "ACME Fax"
    assert fax.redirect_uri == "https://ap-acme.example.net/acme.com/fax/auth.htm"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ nope }}@acme.com", "template error: 'nope' is undefined"),
        ("{{ site.nope }}@acme.com", "template error: 'dict object' has no attribute 'nope'"),
        (
            "{{ ''.__class__.__mro__ }}@acme.com",
            "template error: access to attribute '__class__' of 'str' object is unsafe.",
        ),
        (
            "{{ site.domain.__class__ }}@x.com",
            "template error: access to attribute '__class__' of 'str' object is unsafe.",
        ),
        ("{{ cycler.__init__.__globals__ }}@x.com", "template error: "),
        ("{{ site.domain ", "template error: unexpected end of template"),
        ("{{ 1 / 0 }}@x.com", "template error: ZeroDivisionError: division by zero"),
    ],
)
def test_template_errors_are_reported_at_the_value(
    tmp_path: Path, template: str, message: str
) -> None:
    document = playbook()
    document["sites"]["acme"]["apps"] = {"fax": {"sender": template}}
    loaded = load_playbook(write(tmp_path, document))
    with pytest.raises(PlaybookError) as caught:
        resolve(loaded)
    (problem,) = caught.value.problems
    assert problem.message.startswith(message), problem.message
    assert problem.path == ("sites", "acme", "apps", "fax", "sender")
    assert problem.location == loaded.locate(problem.path)
    assert problem.location is not None
    line = (tmp_path / "p.yaml").read_text().splitlines()[problem.location.line - 1]
    assert line.lstrip().startswith("sender:")


def test_a_shared_broken_template_is_reported_once(tmp_path: Path) -> None:
    document = playbook(defaults={"identity": "mail", "sender": "{{ oops }}@acme.com"})
    document["sites"]["acme"]["apps"] = ["pbx", "fax", "users"]
    assert errors_of(tmp_path, document) == ["defaults.sender: template error: 'oops' is undefined"]


def test_a_rendered_sender_must_be_an_email(tmp_path: Path) -> None:
    document = playbook()
    document["sites"]["acme"]["apps"] = {"fax": {"sender": "{{ site.name }}"}}
    assert errors_of(tmp_path, document) == [
        "sites.acme.apps.fax.sender: 'acme' is not a valid e-mail address"
    ]


def test_a_broken_host_template_hides_the_apps_on_that_host(tmp_path: Path) -> None:
    document = playbook()
    document["sites"]["acme"]["app_platform"] = "{{ nope }}.example.net"
    assert errors_of(tmp_path, document) == [
        "sites.acme.app_platform: template error: 'nope' is undefined"
    ]


def test_a_missing_host_is_reported_at_the_app(tmp_path: Path) -> None:
    document = playbook()
    del document["sites"]["acme"]["app_platform"]
    assert errors_of(tmp_path, document) == [
        "sites.acme.apps[1]: app 'fax' (fax) lives on the site's app_platform, but site 'acme' "
        "has no app_platform"
    ]


# -- interactive modes, redirect URIs, SMTP ------------------------------------------


@pytest.mark.parametrize(
    ("mode", "interactive"),
    [
        ("exchange", True),
        ("microsoft365", False),
        ("gmail", True),
        ("google_service_account", False),
        ("client_secret_post", True),
        ("private_key_jwt", True),
    ],
)
def test_only_interactive_apps_get_a_redirect_uri(
    tmp_path: Path, mode: str, interactive: bool
) -> None:
    document = playbook(
        identities={
            "mail": {
                "client": MODE_CLIENT[mode],
                "mode": mode,
                "sender": "pbx@acme.com",
                "password": "x",
            }
        }
    )
    apps = apps_by_address(model_of(tmp_path, document))
    pbx = apps["acme/pbx"]
    full_url = authorization_url(pbx)
    if interactive:
        assert pbx.redirect_uri == "https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"
        assert full_url is not None
        assert "login_hint=pbx%40acme.com" in full_url
        assert "redirect_uri=https%3A%2F%2Fpbx.acme.com%2FOAUTH2-CLIENT%2Fauth.htm" in full_url
    else:
        assert pbx.redirect_uri is None and full_url is None


def test_generic_without_authorization_url_is_not_interactive(tmp_path: Path) -> None:
    document = playbook(
        identities={"mail": {"client": "idp", "mode": "private_key_jwt", "sender": "pbx@acme.com"}}
    )
    del document["clients"]["idp"]["authorization_url"]
    assert all(app.redirect_uri is None for app in model_of(tmp_path, document).apps())


def test_smtp_defaults_per_provider(tmp_path: Path) -> None:
    document = playbook(
        identities={
            "mail": {"client": "ms", "mode": "exchange", "sender": "a@acme.com"},
            "g": {"client": "google", "mode": "gmail", "sender": "b@acme.com"},
            "tls": {
                "client": "google",
                "mode": "gmail",
                "sender": "c@acme.com",
                "smtp": {"host": "smtp.gmail.com", "security": "tls"},
            },
            "generic": {"client": "idp", "mode": "client_secret_post", "sender": "d@acme.com"},
        }
    )
    identities = model_of(tmp_path, document).identities
    smtp = {name: identity.smtp for name, identity in identities.items()}
    assert smtp["mail"] is not None and (smtp["mail"].host, smtp["mail"].port) == (
        "smtp.office365.com",
        587,
    )
    assert smtp["g"] is not None and (smtp["g"].host, smtp["g"].security) == (
        "smtp.gmail.com",
        "starttls",
    )
    assert smtp["tls"] is not None and smtp["tls"].port == 465
    assert smtp["generic"] is None


# -- limits and lint on the model ------------------------------------------------------


def _sites(count: int) -> dict[str, Any]:
    return {
        f"s{i:03d}": {"domain": f"s{i}.example", "pbx": f"pbx.s{i}.example", "apps": ["pbx"]}
        for i in range(count)
    }


@pytest.mark.parametrize(
    ("count", "personal", "error"),
    [(256, False, False), (257, False, True), (100, True, False), (101, True, True)],
)
def test_entra_redirect_uri_count_limit(
    tmp_path: Path, count: int, personal: bool, error: bool
) -> None:
    # one URI of `count` is `provision authorize`'s (settings.authorize_redirect_uri)
    document = playbook(sites=_sites(count - 1))
    document["clients"]["ms"]["personal_accounts"] = personal
    loaded = load_playbook(write(tmp_path, document))
    problems = check_limits(resolve(loaded).redirect_uris, loaded.locate)
    if not error:
        assert problems == []
        return
    (problem,) = problems
    limit = 100 if personal else 256
    assert problem.severity == ERROR
    assert f"needs {count} redirect URIs, but an Entra app registration holds at most {limit}" in (
        problem.message
    )
    assert problem.path == ("clients", "ms")


def test_google_many_uris_is_only_a_warning(tmp_path: Path) -> None:
    document = playbook(
        identities={"mail": {"client": "google", "mode": "gmail", "sender": "pbx@acme.com"}},
        sites=_sites(101),
    )
    loaded = load_playbook(write(tmp_path, document))
    (problem,) = check_limits(resolve(loaded).redirect_uris, loaded.locate)
    assert problem.severity == WARNING


def _lint(tmp_path: Path, document: dict[str, Any], today: date) -> list[Problem]:
    loaded = load_playbook(write(tmp_path, document))
    return lint(resolve(loaded), loaded.locate, today=today)


@pytest.mark.parametrize(
    ("expires", "days", "warning"),
    [
        ("2026-01-01", 30, "the client secret expired on 2026-01-01: create a new one in Entra"),
        ("2026-06-09", 30, None),
        ("2026-06-01", 30, None),
        ("2026-05-31", 30, "the client secret expires on 2026-05-31, in 30 days: renew it"),
        ("2026-05-01", 30, "the client secret expires on 2026-05-01, in 0 days: renew it"),
        ("2026-04-30", 30, "the client secret expired on 2026-04-30: create a new one in Entra"),
        ("2026-05-02", 0, None),
        ("2027-05-01", 400, "the client secret expires on 2027-05-01, in 365 days: renew it"),
    ],
)
def test_secret_expiry_warnings(
    tmp_path: Path, expires: str, days: int, warning: str | None
) -> None:
    document = playbook(settings={"expiry_warning_days": days})
    document["clients"] = {"ms": document["clients"]["ms"]}
    document["clients"]["ms"]["client_secret_expires"] = expires
    problems = _lint(tmp_path, document, date(2026, 5, 1))
    found = [p.message for p in problems if p.path[-1:] == ("client_secret_expires",)]
    assert found == ([warning] if warning else [])
    assert all(p.severity == WARNING for p in problems)


def test_lint_warnings(tmp_path: Path) -> None:
    document = playbook(
        identities={
            "mail": {"client": "ms", "mode": "exchange", "sender": "a@acme.com"},
            "ropc": {
                "client": "ms",
                "mode": "microsoft365",
                "sender": "b@acme.com",
                "password": "plain-text",
            },
            "idle": {"client": "ms", "mode": "exchange", "sender": "c@acme.com"},
        }
    )
    document["sites"]["acme"]["apps"] = {"pbx": None, "fax": {"identity": "ropc"}}
    problems = _lint(tmp_path, document, date(2026, 5, 1))
    assert sorted(f"{format_path(p.path)}: {p.message}" for p in problems) == sorted(
        [
            "identities.ropc.mode: microsoft365 mode uses ROPC (resource owner password "
            "credentials), which Microsoft discourages and which fails on accounts with MFA; "
            "prefer exchange",
            "identities.ropc.password: a plain secret value in the playbook: use {env: NAME}, "
            "{file: path}, {command: [...]} or an Ansible Vault value (!vault)",
            "identities.idle: identity 'idle' is not used by any app",
            "clients.google: client 'google' is not used by any identity",
            "clients.google-sa: client 'google-sa' is not used by any identity",
            "clients.idp: client 'idp' is not used by any identity",
        ]
    )
    assert "plain-text" not in "".join(str(p) for p in problems)


def test_check_playbook_returns_warnings_and_the_model(tmp_path: Path) -> None:
    document = playbook()
    document["clients"] = {"ms": document["clients"]["ms"]}
    checked = check_playbook(write(tmp_path, document))
    assert checked.warnings == ()
    assert [app.address for app in checked.model.apps()] == ["acme/pbx", "acme/fax"]


def test_rendered_hosts_are_checked_again(tmp_path: Path) -> None:
    document = playbook()
    document["sites"]["acme"].update(domain="{{ site.name }} corp", pbx="{{ site.name }}/pbx")
    assert errors_of(tmp_path, document) == [
        "sites.acme.domain: 'acme corp' is not a valid host name",
        "sites.acme.pbx: 'acme/pbx' is not a valid host name",
    ]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{domain}/{path}/auth.htm", None),
        ("{path}.htm", None),
        ("static/auth.htm", None),
        ("{domian}/auth.htm", "unknown placeholder {domian} in the path template"),
        ("{}/auth.htm", "unknown placeholder {} in the path template"),
        ("{0}/auth.htm", "unknown placeholder {0} in the path template"),
        ("{domain.__class__}", "unknown placeholder {domain.__class__} in the path template"),
        ("{domain[0]}", "unknown placeholder {domain[0]} in the path template"),
        ("{path!r}", "unknown placeholder {path!r} in the path template"),
        ("{path:>9}", "unknown placeholder {path:>9} in the path template"),
        ("{path", "invalid path template (expected '}' before end of string)"),
        ("path}", "invalid path template (Single '}' encountered in format string)"),
    ],
)
def test_app_kind_path_templates(tmp_path: Path, template: str, message: str | None) -> None:
    document = playbook(app_kinds={"custom": {"host": "pbx", "path": template}})
    document["sites"]["acme"]["apps"] = ["custom", "pbx"]
    if message is None:
        assert [app.kind for app in model_of(tmp_path, document).apps()] == ["custom", "pbx"]
        return
    # reported once, at the template; the apps of that kind are not reported again
    assert errors_of(tmp_path, document) == [
        f"app_kinds.custom.path: {message}: use {{domain}} and {{path}}"
    ]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{domain}}/auth.htm", "the path template holds '{' '}'"),  # literal braces
        ("{domain}/my app/auth.htm", "the path template holds ' '"),
        ("https://evil.example/{path}", "the path template holds ':'"),
        ("{path}/auth.htm?next=x", "the path template holds '=' '?'"),
        ("{domain}//{path}", "the path template must be URL path segments joined by single '/'"),
        ("{path}/../x", "the path template must be URL path segments joined by single '/'"),
        ("{path}/", "the path template must be URL path segments joined by single '/'"),
    ],
)
def test_app_kind_path_templates_are_url_paths(tmp_path: Path, template: str, message: str) -> None:
    document = playbook(app_kinds={"custom": {"host": "pbx", "path": template}})
    document["sites"]["acme"]["apps"] = ["custom"]
    [error] = errors_of(tmp_path, document)
    assert error.startswith(f"app_kinds.custom.path: {message}")


@pytest.mark.parametrize(
    ("key", "content", "message"),
    [
        (
            "client_secrets_file",
            {"web": {"client_id": 5}},
            'expected the console\'s download: {"web": {"client_id", ...}}',
        ),
        (
            "client_secrets_file",
            {"installed": {"client_id": "x", "client_secret": "y"}},
            "innovaphone's apps need a *Web application* client (Google Auth Platform > "
            "Clients > Create client > Web application); download its JSON",
        ),
        ("client_secrets_file", [1, 2], "expected a JSON object"),
        (
            "service_account_file",
            {"client_email": [], "private_key_id": 5, "private_key": "k"},
            "the key file lacks client_email, private_key_id",
        ),
    ],
)
def test_console_downloads_with_wrong_types(
    tmp_path: Path, key: str, content: Any, message: str
) -> None:
    (tmp_path / "key.json").write_text(json.dumps(content), encoding="utf-8")
    document = playbook(clients={"g": {"provider": "google", key: "key.json"}}, identities={})
    document["sites"] = {}
    del document["defaults"]
    errors = errors_of(tmp_path, document)
    assert len(errors) == 1 and errors[0].startswith(f"clients.g.{key}: ")
    assert errors[0].endswith(message)
