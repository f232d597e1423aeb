"""Redirect URI lists: golden output of every format, the console limits, and
a property: every interactive app's URI is in its client's list exactly once,
and nothing else is but `provision authorize`'s loopback redirect
(settings.authorize_redirect_uri), which every client with an interactive
identity needs too."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provision.desired.authorization import authorization_url
from provision.errors import ERROR, WARNING
from provision.model import Client, ClientUris
from provision.pipeline import check as check_playbook
from provision.validate.limits import check_limits
from tests.playbook_helpers import (
    check_golden,
    cli_run,
    copy_playbook,
    edit_playbook,
    write_yaml,
)

LOOPBACK = "http://localhost:8400/"  # settings.authorize_redirect_uri's default
WITH_LOOPBACK = {"acme-azure", "beta-google", "idp-interactive"}  # interactive identities

# -- golden files ---------------------------------------------------------------

GOLDEN_CASES = [
    ("text.txt", ["--format", "text"]),
    ("text--client-acme-azure.txt", ["--format", "text", "--client", "acme-azure"]),
    ("text--client-gamma-sa.txt", ["--format", "text", "--client", "gamma-sa"]),
    ("json.json", ["--format", "json"]),
    ("json--client-beta-google.json", ["--format", "json", "--client", "beta-google"]),
    ("azure.json", ["--format", "azure"]),
    ("azure--client-acme-azure.json", ["--format", "azure", "--client", "acme-azure"]),
    ("google.json", ["--format", "google"]),
    ("google--client-beta-google.json", ["--format", "google", "--client", "beta-google"]),
]


@pytest.mark.parametrize(("golden", "args"), GOLDEN_CASES, ids=[g for g, _ in GOLDEN_CASES])
def test_redirect_uris_golden(tmp_path: Path, golden: str, args: list[str]) -> None:
    playbook = copy_playbook("redirect_uris.yaml", tmp_path)
    run = cli_run(["redirect-uris", playbook, *args])
    assert run.exit_code == 0, run.output
    check_golden(f"redirect_uris/{golden}", run.stdout)


def test_golden_json_follows_the_contract(tmp_path: Path) -> None:
    """The facts the golden files pin, spelled out."""
    playbook = copy_playbook("redirect_uris.yaml", tmp_path)
    document = json.loads(cli_run(["redirect-uris", playbook, "--format", "json"]).stdout)
    clients = document["clients"]
    assert [c["name"] for c in clients] == sorted(c["name"] for c in clients)
    by_name = {c["name"]: c for c in clients}
    for client in clients:
        assert set(client) == {
            "name",
            "provider",
            "client_id",
            "redirect_uris",
            "authorize_redirect_uri",
        }
        assert client["redirect_uris"] == sorted(set(client["redirect_uris"]))
        # provision authorize's own redirect, marked, where an identity authorizes interactively
        marked = LOOPBACK if client["name"] in WITH_LOOPBACK else None
        assert client["authorize_redirect_uri"] == marked
        assert (LOOPBACK in client["redirect_uris"]) == (marked is not None)
    azure = by_name["acme-azure"]["redirect_uris"]
    # two domains on one App Platform: its manager URI once
    assert azure.count("https://ap.partner.net/manager/auth.htm") == 1
    # the renamed instance and the custom kind
    assert "https://ap.partner.net/branch.acme.com/fax2/auth.htm" in azure
    assert "https://ap.partner.net/acme.com/apps/vm/oauth/auth.htm" in azure
    # acme's fax sends through ROPC (microsoft365): not interactive
    assert "https://ap.partner.net/acme.com/fax/auth.htm" not in azure
    # the same App Platform's manager URI also belongs to beta's Google client
    assert "https://ap.partner.net/manager/auth.htm" in by_name["beta-google"]["redirect_uris"]
    # clients without interactive apps are listed, with an empty list
    assert by_name["gamma-sa"]["redirect_uris"] == []
    assert by_name["idp-backend"]["redirect_uris"] == []
    # a generic client with an authorization URL needs its apps' URIs
    assert by_name["idp-interactive"]["redirect_uris"] == [
        LOOPBACK,
        "https://ap.delta.example/delta.example/usersapp/auth.htm",
        "https://pbx.delta.example/OAUTH2-CLIENT/auth.htm",
    ]


def test_text_for_one_client_is_ready_to_paste(tmp_path: Path) -> None:
    playbook = copy_playbook("redirect_uris.yaml", tmp_path)
    text = cli_run(["redirect-uris", playbook, "--client", "beta-google"]).stdout
    lines = text.splitlines()
    assert lines[0] == LOOPBACK  # unmarked here: every line is a URI to paste
    assert lines[1:] and all(line.startswith("https://") for line in lines[1:])
    assert text.endswith("\n")


def test_unknown_client_exits_2(tmp_path: Path) -> None:
    playbook = copy_playbook("redirect_uris.yaml", tmp_path)
    run = cli_run(["redirect-uris", playbook, "--client", "nobody"])
    assert run.exit_code == 2
    assert "nobody" in run.stderr and "acme-azure" in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("fmt", "client", "provider"),
    [("azure", "beta-google", "microsoft"), ("google", "acme-azure", "google")],
)
def test_console_format_for_another_providers_client_exits_2(
    tmp_path: Path, fmt: str, client: str, provider: str
) -> None:
    playbook = copy_playbook("redirect_uris.yaml", tmp_path)
    run = cli_run(["redirect-uris", playbook, "--format", fmt, "--client", client])
    assert run.exit_code == 2
    assert client in run.stderr and provider in run.stderr
    assert run.stdout == ""


def test_google_format_leaves_out_service_accounts(tmp_path: Path) -> None:
    """A service account has no OAuth client, hence no console JSON."""
    playbook = copy_playbook("redirect_uris.yaml", tmp_path)
    document = json.loads(cli_run(["redirect-uris", playbook, "--format", "google"]).stdout)
    assert set(document) == {"beta-google"}
    assert "client_secret" not in json.dumps(document)


# -- provision authorize's loopback redirect ----------------------------------------


def _with_setting(tmp_path: Path, uri: str | None, **identities: Any) -> Path:
    """redirect_uris.yaml with settings.authorize_redirect_uri (None: left out) and more
    identities."""
    playbook = copy_playbook("redirect_uris.yaml", tmp_path)

    def change(data: dict[str, Any]) -> None:
        if uri is not None:
            data.setdefault("settings", {})["authorize_redirect_uri"] = uri
        data["identities"].update(identities)

    edit_playbook(playbook, change)
    return playbook


CUSTOM = "http://127.0.0.1:8765/provision"


@pytest.mark.parametrize("fmt", ["text", "json", "azure", "google"])
def test_the_authorize_redirect_uri_is_listed_in_every_format(tmp_path: Path, fmt: str) -> None:
    run = cli_run(["redirect-uris", _with_setting(tmp_path, CUSTOM), "--format", fmt])
    assert run.exit_code == 0, run.output
    if fmt == "text":
        blocks = {block.split()[1]: block.splitlines()[1:] for block in run.stdout.split("\n\n")}
        mark = f"{CUSTOM}  # provision authorize (settings.authorize_redirect_uri)"
        for name, lines in blocks.items():
            assert (mark in lines) == (name in WITH_LOOPBACK), name
        return
    document = json.loads(run.stdout)
    if fmt == "json":
        for client in document["clients"]:
            listed = CUSTOM in client["redirect_uris"]
            assert listed == (client["name"] in WITH_LOOPBACK), client["name"]
            assert client["authorize_redirect_uri"] == (CUSTOM if listed else None)
        return
    # the consoles' own formats: in the list the console holds, which takes no mark
    (name,) = document
    assert name == {"azure": "acme-azure", "google": "beta-google"}[fmt]
    section = document[name]["web"]
    assert CUSTOM in section["redirectUris" if fmt == "azure" else "redirect_uris"]


def test_the_authorize_redirect_uri_alone_for_one_client(tmp_path: Path) -> None:
    playbook = _with_setting(tmp_path, CUSTOM)
    text = cli_run(["redirect-uris", playbook, "--client", "idp-interactive"]).stdout
    assert text.splitlines()[0] == CUSTOM
    assert cli_run(["redirect-uris", playbook, "--client", "gamma-sa"]).stdout == ""
    assert cli_run(["redirect-uris", playbook, "--client", "idp-backend"]).stdout == ""


def test_an_interactive_identity_no_app_uses_still_needs_it(tmp_path: Path) -> None:
    """`provision authorize` serves any identity of the playbook; a mode that does not
    authorize interactively adds nothing."""
    playbook = _with_setting(
        tmp_path,
        None,
        spare={"client": "gamma-sa", "mode": "google_service_account", "sender": "a@b.example"},
        unused={"client": "idp-backend", "mode": "private_key_jwt", "sender": "c@d.example"},
    )
    document = json.loads(cli_run(["redirect-uris", playbook, "--format", "json"]).stdout)
    by_name = {c["name"]: c for c in document["clients"]}
    assert by_name["gamma-sa"]["redirect_uris"] == []
    assert by_name["idp-backend"]["redirect_uris"] == []  # no authorization_url

    def unused_gmail(data: dict[str, Any]) -> None:
        data["clients"]["gamma-web"] = {"provider": "google", "client_id": "9-g.example"}
        data["clients"]["gamma-web"]["client_secret"] = {"env": "RU_GOOGLE_SECRET"}
        data["identities"]["unused"] = {
            "client": "gamma-web",
            "mode": "gmail",
            "sender": "c@d.example",
        }

    edit_playbook(playbook, unused_gmail)
    document = json.loads(cli_run(["redirect-uris", playbook, "--format", "json"]).stdout)
    (web,) = [c for c in document["clients"] if c["name"] == "gamma-web"]
    assert web["redirect_uris"] == [LOOPBACK]
    assert web["authorize_redirect_uri"] == LOOPBACK


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("https://localhost:8400/", "must use http: provision's own listener"),
        ("http://pbx.acme.com:8400/", "must name the host localhost, 127.0.0.1 or [::1]"),
        ("http://LOCALHOST:8400/", "must name the host localhost, 127.0.0.1 or [::1]"),
        ("http://localhost/", "needs an explicit port (1 to 65535)"),
        ("http://localhost:0/", "needs an explicit port (1 to 65535)"),
        ("http://localhost:70000/", None),  # the schema's format check says so first
        ("http://localhost:8400", "needs a path, at least / (http://localhost:8400/)"),
        ("http://localhost:8400/?x=1", "must have no query or fragment"),
        ("http://localhost:8400/cb#x", "must have no query or fragment"),
        ("http://localhost:8400/a;b", "has a path with characters other than"),
    ],
)
def test_a_bad_authorize_redirect_uri_is_a_located_error(
    tmp_path: Path, value: str, problem: str | None
) -> None:
    playbook = _with_setting(tmp_path, value)
    line = next(
        i
        for i, text in enumerate(playbook.read_text().splitlines(), 1)
        if "authorize_redirect_uri" in text
    )
    run = cli_run(["validate", playbook])
    assert run.exit_code == 2, run.output
    prefix = f"{playbook}:{line}:"
    (message,) = [m for m in run.stderr.splitlines() if "authorize_redirect_uri" in m]
    assert message.startswith(prefix), message
    said = f"{value} {problem}" if problem else f'"{value}" is not a valid http(s) URL'
    assert f"settings.authorize_redirect_uri: {said}" in message


@pytest.mark.parametrize("value", ["http://localhost:8400/", CUSTOM, "http://[::1]:9/cb"])
def test_a_good_authorize_redirect_uri_validates(tmp_path: Path, value: str) -> None:
    # [::1]: no error for the playbook, only for the Entra client that cannot take it
    run = cli_run(["validate", _with_setting(tmp_path, value)])
    assert "settings.authorize_redirect_uri:" not in run.stderr


def test_entra_takes_no_ipv6_loopback(tmp_path: Path) -> None:
    run = cli_run(["redirect-uris", _with_setting(tmp_path, "http://[::1]:8400/")])
    assert run.exit_code == 2
    (message,) = [m for m in run.stderr.splitlines() if "[::1]" in m]
    assert "clients.acme-azure: client 'acme-azure': http://[::1]:8400/: Entra allows http " in (
        message
    )
    assert message.endswith("only for localhost and 127.0.0.1 (settings.authorize_redirect_uri)")


def test_entra_accepts_http_for_localhost_only() -> None:
    from provision.providers.microsoft import entra_violations

    assert entra_violations("http://localhost:8400/") == []
    assert entra_violations("http://127.0.0.1:8400/cb") == []
    assert entra_violations("http://[::1]:8400/") == [
        "http://[::1]:8400/: Entra allows http only for localhost and 127.0.0.1"
    ]


@pytest.mark.parametrize("held", [["https://old.acme.com/auth.htm"], [LOOPBACK, "https://x/y"]])
def test_graph_exact_keeps_the_loopback(tmp_path: Path, held: list[str]) -> None:
    """`manage_redirect_uris: exact` syncs the client's whole list: the loopback is in it,
    so it is added where missing and never removed."""
    from provision.plan.registrations import plan_change
    from provision.providers.microsoft.graph import Registration

    playbook = copy_playbook("redirect_uris.yaml", tmp_path)
    edit_playbook(
        playbook,
        lambda data: data["clients"]["acme-azure"].update(manage_redirect_uris="exact"),
    )
    entry = check_playbook(playbook).model.uris_of("acme-azure")
    change = plan_change(entry, Registration("app", tuple(held), None))
    assert LOOPBACK in change.target
    assert LOOPBACK not in change.remove
    assert (LOOPBACK in change.add) == (LOOPBACK not in held)
    assert set(change.target) == set(entry.uris)
    assert change.refused is None  # Entra takes http://localhost


# -- limits, through the CLI -------------------------------------------------------
# limits.yaml's clients each have an interactive identity: one URI of every count below
# is settings.authorize_redirect_uri, so `sites` is one less.


def _pbx_sites(count: int, identity: str) -> dict[str, Any]:
    """`count` sites with one PBX each: one redirect URI per site."""
    return {
        f"s{i:03d}": {
            "domain": f"s{i:03d}.example.com",
            "pbx": f"pbx.s{i:03d}.example.com",
            "identity": identity,
            "apps": ["pbx"],
        }
        for i in range(count)
    }


def _limits_playbook(
    tmp_path: Path,
    *,
    sites: int = 0,
    identity: str = "azure-mail",
    personal: bool = False,
    custom_path: str | None = None,
) -> Path:
    playbook = copy_playbook("limits.yaml", tmp_path)

    def change(data: dict[str, Any]) -> None:
        if sites:
            data["sites"] = _pbx_sites(sites, identity)
        if personal:
            data["clients"]["big-azure"]["personal_accounts"] = True
        if custom_path is not None:
            data["app_kinds"]["custom"]["path"] = custom_path
            data["sites"]["base"]["identity"] = identity

    edit_playbook(playbook, change)
    return playbook


@pytest.mark.parametrize("command", ["redirect-uris", "validate", "plan", "apply"])
def test_257_uris_exceed_an_entra_registration(tmp_path: Path, command: str) -> None:
    playbook = _limits_playbook(tmp_path, sites=256)
    run = cli_run([command, playbook], env={"LIMITS_SECRET": "x"})
    assert run.exit_code == 2, run.output
    assert "client 'big-azure'" in run.stderr
    assert "257 redirect URIs" in run.stderr and "at most 256" in run.stderr
    assert "s000/pbx" in run.stderr  # names the apps involved
    assert "plus settings.authorize_redirect_uri" in run.stderr  # and what else takes a slot
    assert not (tmp_path / "out").exists()


def test_256_uris_fit_an_entra_registration(tmp_path: Path) -> None:
    playbook = _limits_playbook(tmp_path, sites=255)
    run = cli_run(["redirect-uris", playbook, "--client", "big-azure"])
    assert run.exit_code == 0, run.output
    assert len(run.stdout.splitlines()) == 256


def test_personal_accounts_allow_100_uris(tmp_path: Path) -> None:
    run = cli_run(["redirect-uris", _limits_playbook(tmp_path / "a", sites=99, personal=True)])
    assert run.exit_code == 0, run.output
    run = cli_run(["redirect-uris", _limits_playbook(tmp_path / "b", sites=100, personal=True)])
    assert run.exit_code == 2
    assert "client 'big-azure'" in run.stderr
    assert "101 redirect URIs" in run.stderr and "at most 100" in run.stderr
    assert "personal accounts" in run.stderr


def _path_for_length(length: int) -> str:
    """A custom kind's path template giving base's URI exactly `length` characters."""
    fixed = len("https://ap.example.com/base.example.com/") + len("/auth.htm")
    return "{domain}/" + "x" * (length - fixed) + "/auth.htm"


def test_uri_of_256_characters_is_allowed(tmp_path: Path) -> None:
    playbook = _limits_playbook(tmp_path, custom_path=_path_for_length(256))
    run = cli_run(["redirect-uris", playbook, "--client", "big-azure"])
    assert run.exit_code == 0, run.output
    assert [len(uri) for uri in run.stdout.split()] == [len(LOOPBACK), 256]


def test_uri_over_256_characters_is_an_error(tmp_path: Path) -> None:
    playbook = _limits_playbook(tmp_path, custom_path=_path_for_length(257))
    run = cli_run(["redirect-uris", playbook])
    assert run.exit_code == 2
    assert "client 'big-azure'" in run.stderr
    assert "is 257 characters" in run.stderr and "base/custom" in run.stderr


def test_long_uri_is_fine_for_google(tmp_path: Path) -> None:
    playbook = _limits_playbook(tmp_path, custom_path=_path_for_length(300), identity="google-mail")
    assert cli_run(["redirect-uris", playbook]).exit_code == 0


@pytest.mark.parametrize("char", list("!$'(),;"))
def test_characters_entra_refuses_never_reach_a_uri(tmp_path: Path, char: str) -> None:
    playbook = _limits_playbook(tmp_path, custom_path=f"{{domain}}/app{char}1/auth.htm")
    run = cli_run(["redirect-uris", playbook])
    assert run.exit_code == 2
    assert f"app_kinds.custom.path: the path template holds {char!r}" in run.stderr


@pytest.mark.parametrize("char", list("!$'(),;"))
def test_entra_s_rule_on_characters(char: str) -> None:
    # a safety net behind the app kinds' check, for URIs from anywhere else
    from provision.providers.microsoft import entra_violations

    uri = f"https://ap.acme.com/acme.com/app{char}1/auth.htm"
    assert entra_violations(uri) == [f"{uri} contains {char}, which Entra does not allow"]


def test_google_past_100_uris_is_a_warning_only(tmp_path: Path) -> None:
    playbook = _limits_playbook(tmp_path, sites=100, identity="google-mail")
    validate = cli_run(["validate", playbook], env={"LIMITS_SECRET": "x"})
    assert validate.exit_code == 0, validate.output
    assert "warning" in validate.stderr and "101 redirect URIs" in validate.stderr
    listed = cli_run(["redirect-uris", playbook, "--client", "big-google"])
    assert listed.exit_code == 0
    assert len(listed.stdout.splitlines()) == 101
    assert "101 redirect URIs" in listed.stderr  # the list's reader sees the warning too


def test_google_with_100_uris_has_no_warning(tmp_path: Path) -> None:
    playbook = _limits_playbook(tmp_path, sites=99, identity="google-mail")
    validate = cli_run(["validate", playbook], env={"LIMITS_SECRET": "x"})
    assert validate.exit_code == 0
    assert "redirect URIs" not in validate.stderr


def _entry(provider: str, *uris: str) -> ClientUris:
    client = Client(
        name="c", provider=provider, client_id="id", token_endpoint=None, authorization_url=None
    )
    return ClientUris(client, tuple(sorted(uris)), {uri: ("site/app",) for uri in sorted(uris)})


@pytest.mark.parametrize("provider", ["microsoft", "google", "generic"])
def test_https_only_except_loopback(provider: str) -> None:
    """The catalog only builds https URIs; the rule still guards every list."""
    problems = check_limits(
        [
            _entry(
                provider,
                "http://pbx.example.com/auth.htm",
                "http://localhost:8080/auth.htm",
                "http://127.0.0.1/auth.htm",
                "https://pbx.example.com/auth.htm",
            )
        ],
        lambda path: None,
    )
    assert [(p.severity, p.message) for p in problems] == [
        (ERROR, "client 'c': http://pbx.example.com/auth.htm must use https (apps site/app)")
    ]


def test_limit_problems_point_at_the_client() -> None:
    problems = check_limits([_entry("microsoft", "https://a.example/x;y")], lambda path: None)
    assert [p.path for p in problems] == [("clients", "c")]
    assert all(p.severity == ERROR for p in problems)
    google = check_limits(
        [_entry("google", *(f"https://h{i}.example/a" for i in range(101)))], lambda path: None
    )
    assert [p.severity for p in google] == [WARNING]


# -- property: each interactive app's URI once, nothing else -------------------------

CLIENTS: dict[str, dict[str, Any]] = {
    "ms-a": {
        "provider": "microsoft",
        "tenant": "contoso.onmicrosoft.com",
        "client_id": "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00",
        "client_secret": {"env": "PROP_SECRET"},
    },
    "ms-b": {
        "provider": "microsoft",
        "tenant": "af326a34-169c-469e-946b-1ef57925306b",
        "client_id": "1d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f01",
        "client_secret": {"env": "PROP_SECRET"},
    },
    "goo": {
        "provider": "google",
        "client_id": "1-goo.apps.googleusercontent.com",
        "client_secret": {"env": "PROP_SECRET"},
    },
    "goo-sa": {
        "provider": "google",
        "client_email": "sa@p.iam.gserviceaccount.com",
        "private_key_id": "k1",
        "private_key": {"env": "PROP_SECRET"},
    },
    "idp-int": {
        "provider": "generic",
        "token_endpoint": "https://idp.example/token",
        "authorization_url": "https://idp.example/authorize",
        "client_id": "int",
        "client_secret": {"env": "PROP_SECRET"},
    },
    "idp-plain": {
        "provider": "generic",
        "token_endpoint": "https://idp.example/token",
        "client_id": "plain",
        "private_key": {"env": "PROP_SECRET"},
    },
}
IDENTITIES: dict[str, dict[str, Any]] = {
    "exchange-a": {"client": "ms-a", "mode": "exchange"},
    "ropc-a": {"client": "ms-a", "mode": "microsoft365", "password": {"env": "PROP_SECRET"}},
    "exchange-b": {"client": "ms-b", "mode": "exchange"},
    "ropc-b": {"client": "ms-b", "mode": "microsoft365", "password": {"env": "PROP_SECRET"}},
    "gmail": {"client": "goo", "mode": "gmail"},
    "service": {"client": "goo-sa", "mode": "google_service_account"},
    "post": {"client": "idp-int", "mode": "client_secret_post", "smtp": {"host": "m.example"}},
    "jwt": {"client": "idp-plain", "mode": "private_key_jwt", "smtp": {"host": "m.example"}},
}
INTERACTIVE = {"exchange-a", "exchange-b", "gmail", "post"}
# what `provision authorize` serves: any interactive identity, whether apps use it or not
AUTHORIZED_CLIENTS = {IDENTITIES[name]["client"] for name in INTERACTIVE}
# The redirect URI table of DESIGN.md section 2, written out independently of the catalog:
# kind -> (host key, URI template, default path name)
TABLE = {
    "pbx": ("pbx", "https://{host}/{path}/auth.htm", "OAUTH2-CLIENT"),
    "reporting": ("app_platform", "https://{host}/{domain}/{path}/auth.htm", "reporting"),
    "fax": ("app_platform", "https://{host}/{domain}/{path}/auth.htm", "fax"),
    "users": ("app_platform", "https://{host}/{domain}/{path}/auth.htm", "usersapp"),
    "connect": ("app_platform", "https://{host}/{domain}/{path}/auth.htm", "messages"),
    "manager": ("app_platform", "https://{host}/{path}/auth.htm", "manager"),
    "archive": ("app_platform", "https://{host}/{domain}/custom/{path}/oauth.htm", "archive"),
}
APP_KINDS = {"archive": {"host": "app_platform", "path": "{domain}/custom/{path}/oauth.htm"}}

names = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
domains = st.builds(lambda a, b: f"{a}.{b}", names, st.sampled_from(["com", "net", "example"]))
platforms = st.sampled_from(["ap1.partner.net", "ap2.partner.net", "apps.example.org"])
identities = st.sampled_from(sorted(IDENTITIES))


@st.composite
def app_entries(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A site's apps: (name, kind, identity or None, path or None), names unique."""
    apps: dict[str, dict[str, Any]] = {}
    for kind in draw(st.lists(st.sampled_from(sorted(TABLE)), max_size=8)):
        name = kind if kind not in apps else f"{kind}{len(apps) + 2}"
        if name in apps:
            continue
        apps[name] = {
            "kind": kind,
            "identity": draw(st.none() | identities),
            "path": draw(st.none() | names) if name != kind or draw(st.booleans()) else None,
        }
    return [{"name": name, **entry} for name, entry in apps.items()]


@st.composite
def site_sets(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    site_domains = draw(st.lists(domains, min_size=1, max_size=6, unique=True))
    sites = {}
    for i, domain in enumerate(site_domains):
        sites[f"site{i}"] = {
            "domain": domain,
            "pbx": draw(st.sampled_from([f"pbx.{domain}", "pbx.shared.example"])),
            "app_platform": draw(platforms),
            "identity": draw(st.none() | identities),
            "apps": draw(app_entries()),
            "list_form": draw(st.booleans()),
        }
    return sites


def _document(sites: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec_sites: dict[str, Any] = {}
    for name, site in sites.items():
        entry = {k: site[k] for k in ("domain", "pbx", "app_platform")}
        if site["identity"]:
            entry["identity"] = site["identity"]
        plain = all(
            a["name"] == a["kind"] and not a["identity"] and not a["path"] for a in site["apps"]
        )
        if site["list_form"] and plain:
            entry["apps"] = [a["name"] for a in site["apps"]]
        else:
            entry["apps"] = {
                a["name"]: {
                    **({"kind": a["kind"]} if a["kind"] != a["name"] else {}),
                    **({"identity": a["identity"]} if a["identity"] else {}),
                    **({"path": a["path"]} if a["path"] else {}),
                }
                for a in site["apps"]
            }
        spec_sites[name] = entry
    return {
        "version": 1,
        "app_kinds": APP_KINDS,
        "clients": CLIENTS,
        "identities": {
            name: {**raw, "sender": f"{name}@mail.example"} for name, raw in IDENTITIES.items()
        },
        "defaults": {"identity": "exchange-a"},
        "sites": spec_sites,
    }


def _expected(sites: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """client -> uri -> the `site/app` addresses that need it, from the table alone."""
    expected: dict[str, dict[str, list[str]]] = {name: {} for name in CLIENTS}
    for site_name, site in sites.items():
        for app in site["apps"]:
            identity = app["identity"] or site["identity"] or "exchange-a"
            if identity not in INTERACTIVE:
                continue
            host_key, template, default_path = TABLE[app["kind"]]
            uri = template.format(
                host=site[host_key], domain=site["domain"], path=app["path"] or default_path
            )
            client = IDENTITIES[identity]["client"]
            expected[client].setdefault(uri, []).append(f"{site_name}/{app['name']}")
    return expected


@settings(
    max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(sites=site_sets())
def test_every_interactive_app_once_and_nothing_else(sites: dict[str, dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        playbook = write_yaml(Path(directory) / "playbook.yaml", _document(sites))
        model = check_playbook(playbook).model
    lists = {entry.client.name: entry for entry in model.redirect_uris}
    expected = _expected(sites)
    assert sorted(lists) == sorted(CLIENTS)  # every client, those without URIs too
    for client, by_uri in expected.items():
        entry = lists[client]
        loopback = {LOOPBACK} if client in AUTHORIZED_CLIENTS else set()
        assert list(entry.uris) == sorted(set(by_uri) | loopback)  # these, sorted, each once
        assert entry.authorize_uri == (LOOPBACK if loopback else None)
        assert {uri: sorted(apps) for uri, apps in entry.apps.items()} == {
            uri: sorted(apps) for uri, apps in by_uri.items()
        }
    for app in model.apps():
        client = lists[app.identity.client.name]
        if app.identity.name in INTERACTIVE:
            assert app.redirect_uri is not None
            assert client.uris.count(app.redirect_uri) == 1
            assert app.address in client.apps[app.redirect_uri]
        else:
            assert app.redirect_uri is None and authorization_url(app) is None
