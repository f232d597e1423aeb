"""`provision authorize` end to end: the command prints the authorization URL, "the user"
opens it (the LocalIdP consents at once and redirects to the command's loopback
listener), and the refresh token lands in the playbook's token store, mode 0600."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.clients import tls_session
from tests.fakes.graph import LocalGraph
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run, cli_run, copy_playbook, edit_playbook, subprocess_env
from tests.playbooks.e2e.harness import (
    AZURE_CLIENT_ID,
    E2E,
    GENERIC_CLIENT_ID,
    GOOGLE_CLIENT_ID,
    IDENTITIES,
    SECRET_VALUES,
    leaked,
    open_in_browser,
    token_posts,
)

DEFAULT_LOOPBACK = "http://localhost:8400/"  # settings.authorize_redirect_uri's default


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("identity", "authorize_path", "token_path"),
    [
        (
            "exchange",
            "/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
            "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        ),
        ("gmail", "/o/oauth2/auth", "/token"),
        ("generic", "/oauth2/authorize", "/oauth2/token"),
    ],
)
def test_loopback_flow_stores_the_refresh_token_privately(
    e2e: E2E, identity: str, authorize_path: str, token_path: str
) -> None:
    mailbox = IDENTITIES[identity][1]
    # Access tokens that expire within minutes are not reused: the next verify must refresh.
    e2e.idp.token_lifetime = 120

    run = e2e.authorize(identity)

    assert run.exit_code == 0, run.output
    assert f"{identity}: authorized {mailbox}" in run.stdout
    url = next(line for line in run.stderr.splitlines() if line.startswith("https://"))
    assert url.startswith(e2e.idp.base_url + authorize_path + "?")
    assert "code_challenge_method=S256" in url  # PKCE
    grants = [(path, form.get("grant_type")) for _, path, form in token_posts(e2e.idp)]
    assert grants == [(token_path, "authorization_code")]

    token_file = e2e.token_dir / f"{identity}.json"
    assert mode_of(token_file) == 0o600
    assert mode_of(e2e.token_dir) == 0o700
    stored = json.loads(token_file.read_text())
    with e2e.idp._lock:
        record = e2e.idp._refresh[stored["refresh_token"]]
    assert (record.subject, record.state) == (mailbox, "valid")
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], run.output)

    # The next verify refreshes with what authorize stored, and logs in to SMTP.
    verified = e2e.verify("--smtp", "--format", "json", "--limit", "*/pbx")
    statuses = {r["name"]: r["status"] for r in json.loads(verified.stdout)["identities"]}
    assert statuses[identity] == "ok", verified.output
    assert (token_path, "refresh_token") in [
        (path, form.get("grant_type")) for _, path, form in token_posts(e2e.idp)
    ]
    assert (mailbox, True) in e2e.smtp.auth_attempts
    # Entra and the generic IdP rotate refresh tokens: the store holds the current one.
    current = json.loads(token_file.read_text())["refresh_token"]
    with e2e.idp._lock:
        assert e2e.idp._refresh[current].state == "valid"


def test_a_token_file_others_can_read_is_refused(e2e: E2E) -> None:
    assert e2e.authorize("gmail").exit_code == 0
    token_file = e2e.token_dir / "gmail.json"
    token_file.chmod(0o644)

    run = e2e.verify("--limit", "beta/pbx", "--format", "json")

    assert run.exit_code == 1
    (result,) = json.loads(run.stdout)["identities"]
    assert result["status"] == "failed"
    assert f"token file {token_file} is accessible by other users (mode 0644)" in result["error"]
    assert f"chmod 600 {token_file}" in result["hint"]
    assert "Traceback" not in run.stderr

    again = e2e.authorize("gmail")  # storing a new authorization refuses it too
    assert again.exit_code == 1
    assert "is accessible by other users (mode 0644); refusing to read it" in again.stderr
    assert "Traceback" not in again.stderr


def test_an_unknown_identity_is_a_usage_error(e2e: E2E) -> None:
    run = e2e.run("authorize", e2e.playbook, "nobody", "--no-browser")

    assert run.exit_code == 2
    assert "unknown identity 'nobody'" in run.stderr
    assert "exchange, generic, gmail, jwt, no-smtp, ropc, service-account)" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ("ropc", "ropc: mode microsoft365 does not authorize interactively"),
        ("service-account", "mode google_service_account does not authorize interactively"),
        ("jwt", "jwt: no authorization_url: this client cannot authorize interactively"),
    ],
)
def test_a_non_interactive_identity_is_refused_clearly(
    e2e: E2E, identity: str, message: str
) -> None:
    run = e2e.run("authorize", e2e.playbook, identity, "--no-browser", "--timeout", "2")

    assert run.exit_code == 1
    assert message in run.stderr
    assert "https://" not in run.stderr  # no URL to open, no listener waiting
    assert "Traceback" not in run.stderr
    assert token_posts(e2e.idp) == []


# -- the authorize redirect URI: listed, registered, pasted back --------------------------

#: identity -> (its client's name in the playbook, its client_id at the LocalIdP)
CLIENT_OF = {
    "exchange": ("azure", AZURE_CLIENT_ID),
    "gmail": ("google", GOOGLE_CLIENT_ID),
    "generic": ("generic", GENERIC_CLIENT_ID),
}

#: what each identity provider says about a redirect URI its client does not list
REFUSAL = {
    "exchange": "AADSTS50011",
    "gmail": "redirect_uri_mismatch",
    "generic": "does not match the redirect URIs configured",
}


def with_setting(e2e: E2E, uri: str) -> str:
    """Set settings.authorize_redirect_uri in the playbook (a text edit: it holds !vault
    values); returns `uri`."""
    text = e2e.playbook.read_text(encoding="utf-8")
    assert text.count("\nsettings:\n") == 1
    e2e.playbook.write_text(
        text.replace("\nsettings:\n", f"\nsettings:\n  authorize_redirect_uri: {uri}\n"),
        encoding="utf-8",
    )
    return uri


class Authorizing:
    """`provision authorize PLAYBOOK IDENTITY --no-browser ARGS` as a real process, up to
    the printed authorization URL; the test then plays the browser, or pastes on stdin."""

    def __init__(self, e2e: E2E, identity: str, *args: str) -> None:
        command = [sys.executable, *e2e.entry, "authorize", str(e2e.playbook), identity]
        self.process = subprocess.Popen(
            [*command, "--no-browser", "--timeout", "20", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=e2e.directory,
            env=subprocess_env(e2e.env),
            text=True,
        )
        self.seen: list[str] = []

    def url(self) -> str:
        """The authorization URL the command printed (stderr up to it is kept)."""
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.seen.append(line)
            if line.startswith("https://"):
                return line.strip()
        self.process.wait(10)
        raise AssertionError(f"no URL printed: {''.join(self.seen)}")

    def paste(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines))
        self.process.stdin.flush()

    def finish(self) -> Run:
        """What the command printed once it ended (its --timeout bounds the wait). Read
        through the same buffered streams as `url`: communicate() would skip what they
        already hold."""
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        assert process.stderr is not None
        try:
            if not process.stdin.closed:
                process.stdin.close()
            rest = process.stderr.read()
            stdout = process.stdout.read()
            process.wait(30)
        except BaseException:
            process.kill()
            process.wait()
            raise
        return Run(process.returncode, stdout, "".join(self.seen) + rest)


def test_redirect_uris_lists_the_authorize_redirect_for_interactive_clients(e2e: E2E) -> None:
    run = e2e.run("redirect-uris", e2e.playbook, "--format", "json")
    assert run.exit_code == 0, run.output
    clients = {c["name"]: c for c in json.loads(run.stdout)["clients"]}
    for name in ("azure", "google", "generic"):  # exchange, gmail, client_secret_post
        assert DEFAULT_LOOPBACK in clients[name]["redirect_uris"], name
        assert clients[name]["authorize_redirect_uri"] == DEFAULT_LOOPBACK
    for name in ("google-sa", "generic-jwt"):  # a service account; no authorization_url
        assert clients[name]["redirect_uris"] == [], name
        assert clients[name]["authorize_redirect_uri"] is None
    text = e2e.run("redirect-uris", e2e.playbook).stdout
    assert f"{DEFAULT_LOOPBACK}  # provision authorize (settings.authorize_redirect_uri)" in text
    assert e2e.run("redirect-uris", e2e.playbook, "--client", "google-sa").stdout == ""


@pytest.mark.parametrize("identity", ["exchange", "gmail", "generic"])
def test_the_idp_takes_the_sign_in_only_once_the_redirect_uri_is_registered(
    e2e: E2E, identity: str
) -> None:
    """The LocalIdP, like Entra and Google, refuses a redirect URI the client does not
    list; what `redirect-uris` prints for the client is what makes it work."""
    loopback = with_setting(e2e, f"http://localhost:{e2e.loopback_port}/provision")
    name, client_id = CLIENT_OF[identity]

    refused = Authorizing(e2e, identity, "--timeout", "3")
    url = refused.url()
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [loopback]  # exactly the setting
    with tls_session(e2e.pki) as browser:
        page = browser.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 400  # the browser shows the error; provision never hears
    assert REFUSAL[identity] in page.text
    run = refused.finish()
    assert run.exit_code == 1 and "no authorization response within 3 s" in run.stderr
    assert not (e2e.token_dir / f"{identity}.json").exists()

    listed = e2e.run("redirect-uris", e2e.playbook, "--client", name)
    assert loopback in listed.stdout.splitlines()
    e2e.idp.register_redirect_uris(client_id, listed.stdout.splitlines())
    accepted = Authorizing(e2e, identity)
    open_in_browser(accepted.url(), e2e.pki)
    run = accepted.finish()
    assert run.exit_code == 0, run.output
    assert (e2e.token_dir / f"{identity}.json").exists()


@pytest.mark.parametrize("identity", ["exchange", "gmail", "generic"])
def test_the_redirected_address_pasted_back(e2e: E2E, identity: str) -> None:
    """SSH: the browser runs elsewhere and its redirect to localhost fails there; the
    address it shows is pasted at the prompt. Lines that are not this sign-in's answer
    are refused, saying why, and the command keeps waiting."""
    session = Authorizing(e2e, identity, "--port", str(e2e.loopback_port))
    url = session.url()
    query = parse_qs(urlsplit(url).query)
    assert query.get("response_mode", ["query"]) == ["query"]  # the code must be in the URL
    with tls_session(e2e.pki) as browser:  # sign in, but do not follow the redirect
        answer = browser.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    redirected = answer.headers["Location"]
    assert redirected.startswith(f"http://localhost:{e2e.loopback_port}/?")
    code = parse_qs(urlsplit(redirected).query)["code"][0]
    forged = redirected.replace(f"state={query['state'][0]}", "state=someone-elses")
    session.paste("", url, "not an address", forged, f"  {redirected}  ")
    run = session.finish()

    assert run.exit_code == 0, run.output
    assert f"{identity}: authorized {IDENTITIES[identity][1]}" in run.stdout
    assert "copy the whole address from its address bar, paste it here" in run.stderr
    assert "Not accepted: that is the sign-in URL" in run.stderr
    assert "Not accepted: that holds no authorization response (code= or error=)" in run.stderr
    assert "Not accepted: it answers another sign-in" in run.stderr
    assert code not in run.output  # never echoed
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], run.output)
    stored = json.loads((e2e.token_dir / f"{identity}.json").read_text())
    with e2e.idp._lock:
        assert e2e.idp._refresh[stored["refresh_token"]].subject == IDENTITIES[identity][1]


@pytest.mark.parametrize("identity", ["exchange", "gmail"])
def test_a_pasted_error_answer_is_reported_with_its_description(e2e: E2E, identity: str) -> None:
    session = Authorizing(e2e, identity, "--port", str(e2e.loopback_port))
    state = parse_qs(urlsplit(session.url()).query)["state"][0]
    session.paste(
        f"http://localhost:{e2e.loopback_port}/?error=access_denied"
        f"&error_description=The+user+declined+the+consent&state={state}"
    )
    run = session.finish()
    assert run.exit_code == 1
    assert "access_denied: The user declined the consent" in run.stderr
    assert token_posts(e2e.idp) == []  # nothing to redeem
    assert "Traceback" not in run.stderr


def test_the_end_of_input_leaves_the_listener_waiting(e2e: E2E) -> None:
    """Nothing to paste (stdin closed at once): the browser's redirect still counts."""
    session = Authorizing(e2e, "gmail", "--port", str(e2e.loopback_port))
    url = session.url()
    assert session.process.stdin is not None
    session.process.stdin.close()
    open_in_browser(url, e2e.pki)
    run = session.finish()
    assert run.exit_code == 0, run.output


@pytest.mark.parametrize("override", [False, True])
def test_a_port_in_use_names_the_port_and_the_setting(e2e: E2E, override: bool) -> None:
    loopback = with_setting(e2e, f"http://localhost:{e2e.loopback_port}/")
    args = ["--port", str(e2e.loopback_port)] if override else []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", e2e.loopback_port))
        taken.listen()
        run = e2e.run("authorize", e2e.playbook, "gmail", "--no-browser", *args, stdin="")
    assert run.exit_code == 1
    source = (
        f"--port {e2e.loopback_port}"
        if override
        else (f"settings.authorize_redirect_uri {loopback}")
    )
    assert (
        f"cannot listen on localhost:{e2e.loopback_port} for the authorization response "
        f"({source}): port {e2e.loopback_port} is in use"
    ) in run.stderr
    assert "https://" not in run.stderr  # no URL to open when nothing listens
    assert "Traceback" not in run.stderr


def test_graph_exact_keeps_the_authorize_redirect(
    idp: LocalIdP, graph: LocalGraph, pki: PKI, tmp_path: Path
) -> None:
    """tests/playbooks/graph: beta-azure is `exact` (Graph called by `automation`),
    acme-azure `merge`. apply writes the loopback into both, exact removes only what the
    playbook does not need, and a second apply finds them in sync."""
    acme_id, beta_id = (
        "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00",
        "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    )
    env = {"GRAPH_ACME_SECRET": "acme-s3cret", "GRAPH_BETA_SECRET": "beta-s3cret"}
    playbook = copy_playbook("graph", tmp_path)
    automation = playbook.parent / "secrets" / "automation.secret"
    automation.chmod(0o600)
    idp.add_client(acme_id, secret=env["GRAPH_ACME_SECRET"])
    idp.add_client(beta_id, secret=env["GRAPH_BETA_SECRET"])
    idp.add_client("3f2504e0-4f89-41d3-9a0c-0305e82c3301", secret=automation.read_text().strip())

    def point(document: dict[str, Any]) -> None:
        document["settings"]["ca_file"] = str(pki.ca_file)
        for client in document["clients"].values():
            client["authority"] = idp.authority
            if "graph_endpoint" in client:
                client["graph_endpoint"] = graph.base_url

    edit_playbook(playbook, point)
    beta_pbx, stale = "https://pbx.beta.example/OAUTH2-CLIENT/auth.htm", "https://old.example/x"
    graph.add_application(acme_id, ["https://pbx.acme.com/OAUTH2-CLIENT/auth.htm"])
    graph.add_application(beta_id, [DEFAULT_LOOPBACK, beta_pbx, stale])

    planned = cli_run(["plan", playbook, "--format", "json"], env=env)
    assert planned.exit_code == 0, planned.output
    applied = cli_run(["apply", playbook], env=env)
    assert applied.exit_code == 0, applied.output

    wanted = json.loads(cli_run(["redirect-uris", playbook, "--format", "json"]).stdout)
    lists = {c["client_id"]: c["redirect_uris"] for c in wanted["clients"]}
    for app_id in (acme_id, beta_id):
        held = graph.application(app_id)["web"]["redirectUris"]
        assert DEFAULT_LOOPBACK in held
        assert sorted(held) == lists[app_id]  # exact: the stale one went, the loopback stayed
    drift = cli_run(["drift", playbook], env=env)
    assert drift.exit_code == 0, drift.output
