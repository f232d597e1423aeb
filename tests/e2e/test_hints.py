"""Hints for the errors people hit first, end to end (issue 15): the LocalIdP answers each
AADSTS code and Google error, the LocalSMTP each Exchange and Gmail refusal, through the
real libraries (MSAL, google-auth, authlib, smtplib), and the real CLI prints the hint
meant for it in `provision verify` (text and JSON), `provision test-mail` and `provision
authorize`, with no secret in any output.

One scene serves every case: a playbook directory (tests/playbooks/e2e/all-modes.yaml and
a file of one identity per case, generated from the tables below), the local servers
answering as each case says, and each command run once, all in parallel; every case is
then a test of its own that reads those runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from tests.fakes._http import free_port
from tests.fakes.clients import tls_session
from tests.fakes.idp import GMAIL_SCOPE, LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run, subprocess_env
from tests.playbooks.e2e.harness import (
    AZURE_CLIENT_ID,
    AZURE_SECRET,
    E2E,
    GOOGLE_CLIENT_ID,
    GOOGLE_SECRET,
    JWT_KEY,
    ROPC_PASSWORD,
    SA_EMAIL,
    SA_KEY,
    SA_KEY_ID,
    SECRET_VALUES,
    leaked,
    write_secret,
)

Kind = Literal["ropc", "exchange", "gmail", "service-account", "entra-jwt"]
OUTLOOK_SCOPE = "https://outlook.office.com/SMTP.Send"


@dataclass(frozen=True)
class Answer:
    """An OAuth2 error the LocalIdP gives instead of handling the request."""

    error: str
    description: str
    aadsts: int | None = None
    status: int = 400


@dataclass(frozen=True)
class Case:
    """One identity of the scene and what `provision verify` must say about it."""

    identity: str
    kind: Kind
    error: str  # in the reported error
    hint: str  # a phrase of the fix
    answer: Answer | None = None  # at the token endpoint
    smtp: str | None = None  # the SMTP server's answer to its AUTH
    status: str = "failed"

    @property
    def mailbox(self) -> str:
        domain = "beta.example" if self.kind in ("gmail", "service-account") else "acme.com"
        return f"{self.identity}@{domain}"


def entra(code: int, error: str, description: str, status: int = 400) -> Answer:
    return Answer(error, description, code, status)


VERIFY = [
    # the password sign-in of mode microsoft365 (ROPC)
    Case(
        "aadsts530035",
        "ropc",
        "AADSTS530035",
        "Manage security defaults",
        entra(
            530035,
            "invalid_grant",
            "Access has been blocked by security defaults. This is due to the request using "
            "legacy auth or being deemed unsafe by security defaults policies.",
        ),
    ),
    Case(
        "aadsts53003",
        "ropc",
        "AADSTS53003",
        "Conditional Access names the policy",
        entra(
            53003,
            "invalid_grant",
            "Access has been blocked by Conditional Access policies. The access policy does "
            "not allow token issuance.",
        ),
    ),
    Case(
        "aadsts50034",
        "ropc",
        "AADSTS50034",
        "user principal name",
        entra(
            50034,
            "invalid_grant",
            "The user account {EUII Hidden} does not exist in the contoso.onmicrosoft.com "
            "directory. To sign into this application, the account must be added to the "
            "directory.",
        ),
    ),
    Case(
        "aadsts50057",
        "ropc",
        "AADSTS50057",
        "allow sign-in again",
        entra(50057, "invalid_grant", "The user account is disabled."),
    ),
    Case(
        "aadsts50055",
        "ropc",
        "AADSTS50055",
        "Reset password",
        entra(50055, "invalid_grant", "The password is expired."),
    ),
    Case(
        "aadsts500011",
        "ropc",
        "AADSTS500011",
        "set the client's cloud",
        entra(
            500011,
            "invalid_resource",
            "The resource principal named https://outlook.office.com was not found in the "
            "tenant named Contoso.",
        ),
    ),
    Case(
        "aadsts650057",
        "ropc",
        "AADSTS650057",
        "Microsoft Graph > Delegated permissions > SMTP.Send",
        entra(
            650057,
            "invalid_client",
            "Invalid resource. The client has requested access to a resource which is not "
            "listed in the requested permissions in the client's application registration.",
        ),
    ),
    Case(
        "aadsts70011",
        "ropc",
        "AADSTS70011",
        "never a delegated scope",
        entra(
            70011,
            "invalid_scope",
            "The provided value for the input parameter 'scope' is not valid. The scope "
            "https://outlook.office.com/SMTP.SendAsApp is not valid.",
        ),
    ),
    Case(
        "aadsts7000218",
        "ropc",
        "AADSTS7000218",
        "Allow public client flows: Yes",
        entra(
            7000218,
            "invalid_client",
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
            401,
        ),
    ),
    Case(
        "aadsts700025",
        "ropc",
        "AADSTS700025",
        "redirect URIs under Web",
        entra(
            700025,
            "invalid_client",
            "Client is public so neither 'client_assertion' nor 'client_secret' should be "
            "presented.",
            401,
        ),
    ),
    # answered at the token endpoint here; met in the browser in real life
    Case(
        "aadsts500113",
        "ropc",
        "AADSTS500113",
        "Add a platform > Web",
        entra(500113, "invalid_request", "No reply address is registered for the application."),
    ),
    Case(
        "aadsts90094",
        "ropc",
        "AADSTS90094",
        "innovaphone's apps always send prompt=consent",
        entra(90094, "invalid_grant", "The grant requires admin permission."),
    ),
    Case(
        "aadsts54005",
        "ropc",
        "AADSTS54005",
        "a code works once",
        entra(
            54005,
            "invalid_grant",
            "OAuth2 Authorization code was already redeemed, please retry with a new valid "
            "code or use an existing refresh token.",
        ),
    ),
    # the refresh token an authorization left (mode exchange)
    Case(
        "aadsts70043",
        "exchange",
        "AADSTS70043",
        "Session > Sign-in frequency",
        entra(
            70043,
            "invalid_grant",
            "The refresh token has expired or is invalid due to sign-in frequency checks by "
            "conditional access.",
        ),
        status="needs-authorization",
    ),
    Case(
        "aadsts700082",
        "exchange",
        "AADSTS700082",
        "90 days by default",
        entra(700082, "invalid_grant", "The refresh token has expired due to inactivity."),
        status="needs-authorization",
    ),
    # a generic private_key_jwt client whose token endpoint is Entra's (app-only)
    Case(
        "aadsts700027",
        "entra-jwt",
        "AADSTS700027",
        "Certificates & secrets > Certificates",
        entra(700027, "invalid_client", "Client assertion failed signature validation.", 401),
    ),
    Case(
        "aadsts50012",
        "entra-jwt",
        "AADSTS50012",
        "Certificates & secrets > Certificates",
        entra(50012, "invalid_client", "Client assertion contains an invalid signature.", 401),
    ),
    # Exchange Online refusing a good token
    Case(
        "smtp-tenant",
        "ropc",
        "535 5.7.139",
        "Set-TransportConfig -SmtpClientAuthenticationDisabled $false",
        smtp="535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
        "the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
    ),
    Case(
        "smtp-security-defaults",
        "ropc",
        "535 5.7.139",
        "instead of its Password field",
        smtp="535 5.7.139 Authentication unsuccessful, user is locked by your organization's "
        "security defaults policy. Contact your administrator.",
    ),
    Case(
        "smtp-basic",
        "ropc",
        "535 5.7.139",
        "what OAuth2 replaces",
        smtp="535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
    ),
    Case(
        "smtp-criteria",
        "ropc",
        "535 5.7.139",
        "refused the sign-in by policy",
        smtp="535 5.7.139 Authentication unsuccessful, the request did not meet the criteria "
        "to be authenticated successfully. Contact your administrator.",
    ),
    Case(
        "smtp-audience",
        "ropc",
        "535 5.7.3",
        "New-ServicePrincipal -AppId",
        smtp="535 5.7.3 Authentication unsuccessful [AM0PR01CA0000.eurprd01.prod.exchangelabs.com]",
    ),
    # Google
    Case(
        "admin-policy",
        "gmail",
        "admin_policy_enforced",
        "Manage Third-Party App Access",
        Answer("admin_policy_enforced", "Access to this app is blocked by your administrator."),
    ),
    Case("testing-expired", "gmail", "invalid_grant", "7 days", status="needs-authorization"),
    Case("not-delegated", "service-account", "unauthorized_client", "numeric Client ID"),
    Case(
        "gmail-refused",
        "service-account",
        "535 5.7.8",
        "https://mail.google.com/",
        smtp="535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials",
    ),
]

# `provision test-mail`: Exchange refusing the message after a good AUTH
MAIL = {
    "mail-5757": (
        "530 5.7.57 Client not authenticated to send mail. [DB6PR0202CA0011.eurprd02.prod]",
        "offers AUTH only after STARTTLS",
    ),
    "mail-5760": (
        "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
        "Add-RecipientPermission",
    ),
}


@dataclass(frozen=True)
class Sign:
    """One `provision authorize` and how the identity provider answers it: at the token
    endpoint (the code's redemption), on the sign-in page (redirected back with the
    error), or (None) on the sign-in page alone, for a redirect URI it does not know."""

    identity: str
    mode: Literal["exchange", "gmail"]
    where: Literal["token", "page"] | None
    answer: Answer | None
    error: str  # in the message
    hints: tuple[str, ...]  # phrases of the hint
    names_redirect_uri: bool = True


AUTHORIZE = [
    Sign(
        "authz-50011",
        "exchange",
        "token",
        entra(
            50011,
            "invalid_request",
            "The redirect URI specified in the request does not match the redirect URIs "
            f"configured for the application '{AZURE_CLIENT_ID}'.",
        ),
        "AADSTS50011",
        ("Authentication > Web > Redirect URIs",),
    ),
    Sign(
        "authz-65004",
        "exchange",
        "page",
        entra(65004, "access_denied", "User declined to consent to access the app."),
        "AADSTS65004",
        ("innovaphone's apps always send prompt=consent", "Grant admin consent"),
        names_redirect_uri=False,
    ),
    Sign(
        "authz-unregistered",
        "exchange",
        None,
        None,
        "no authorization response within 1 s",
        ("which the client does not allow", "Authentication > Web > Redirect URIs"),
    ),
    Sign(
        "authz-mismatch",
        "gmail",
        "token",
        Answer("redirect_uri_mismatch", "Bad Request"),
        "redirect_uri_mismatch",
        ("Authorized redirect URIs", "Web application client"),
    ),
    Sign(
        "authz-org-internal",
        "gmail",
        "page",
        Answer("org_internal", "This client is restricted to users within its organization."),
        "org_internal",
        ("User type to External",),
        names_redirect_uri=False,
    ),
]


@dataclass
class Scene:
    e2e: E2E
    verify_json: Run
    verify_text: Run
    mail: dict[str, Run]
    signs: dict[str, tuple[Run, str]]  # identity: (run, the redirect URI it sent)
    refresh_tokens: list[str] = field(default_factory=list)

    def verified(self, name: str) -> dict[str, Any]:
        entries = json.loads(self.verify_json.stdout)["identities"]
        return next(entry for entry in entries if entry["name"] == name)

    def outputs(self) -> list[str]:
        runs = [self.verify_json, self.verify_text, *self.mail.values()]
        runs += [run for run, _ in self.signs.values()]
        return [run.output for run in runs]


def _identity(kind: Kind, mailbox: str, smtp: dict[str, Any]) -> dict[str, Any]:
    clients = {
        "ropc": "azure",
        "exchange": "azure",
        "gmail": "google",
        "service-account": "google-sa",
    }
    modes = {
        "ropc": "microsoft365",
        "exchange": "exchange",
        "gmail": "gmail",
        "service-account": "google_service_account",
    }
    name = mailbox.partition("@")[0]
    identity: dict[str, Any] = {"sender": mailbox, "smtp": smtp}
    if kind == "entra-jwt":
        identity.update(client=f"entra-jwt-{name}", mode="private_key_jwt")
    else:
        identity.update(client=clients[kind], mode=modes[kind])
    if kind == "ropc":
        identity["password"] = {"env": "E2E_HINTS_PASSWORD"}
    return identity


def _playbook(e2e: E2E) -> None:
    """Turn the harness's playbook into a directory playbook with one more file: the
    clients and identities of the cases, in a site of their own ("hints")."""
    smtp = {"host": "127.0.0.1", "port": e2e.smtp.port, "security": "starttls"}
    verified = {case.identity: _identity(case.kind, case.mailbox, smtp) for case in VERIFY}
    others = {name: _identity("ropc", f"{name}@acme.com", smtp) for name in MAIL}
    others |= {
        sign.identity: _identity(
            sign.mode,
            f"{sign.identity}@{'acme.com' if sign.mode == 'exchange' else 'beta.example'}",
            smtp,
        )
        for sign in AUTHORIZE
    }
    write_secret(e2e.directory / "secrets" / "entra-jwt.pem", JWT_KEY.private_pem)
    clients = {
        f"entra-jwt-{case.identity}": {
            "provider": "generic",
            "client_id": "e2e-jwt",
            "private_key_id": "e2e-jwt-key-1",
            "private_key": {"file": "secrets/entra-jwt.pem"},
            "token_endpoint": f"{e2e.idp.base_url}/{case.identity}.example/oauth2/v2.0/token",
            "scope": "https://outlook.office365.com/.default",
        }
        for case in VERIFY
        if case.kind == "entra-jwt"
    }
    site = {"domain": "acme.com", "pbx": "pbx.acme.com", "app_platform": "ap.acme.com"}
    document = {
        "clients": clients,
        "identities": verified | others,
        "sites": {  # verify checks the first site; the other is for test-mail and authorize
            name: {**site, "apps": {app: {"kind": "fax", "identity": app} for app in apps}}
            for name, apps in (("hints", verified), ("hints-cli", others))
        },
    }
    (e2e.directory / "hints.yaml").write_text(json.dumps(document, indent=1) + "\n")
    e2e.playbook = e2e.directory
    e2e.env["E2E_HINTS_PASSWORD"] = ROPC_PASSWORD


def _arrange_verify(e2e: E2E) -> list[str]:
    """The servers answer each case as it says; the refresh tokens seeded."""
    idp, seeded = e2e.idp, []
    for case in VERIFY:
        form: dict[str, str] = {}
        if case.kind == "ropc":
            idp.add_user(case.mailbox, ROPC_PASSWORD)
            form = {"username": case.mailbox}
        elif case.kind in ("exchange", "gmail"):
            client = AZURE_CLIENT_ID if case.kind == "exchange" else GOOGLE_CLIENT_ID
            scope = OUTLOOK_SCOPE if case.kind == "exchange" else GMAIL_SCOPE
            idp.add_user(case.mailbox, ROPC_PASSWORD)
            token = e2e.seed_refresh_token(case.identity, client, case.mailbox, scope)
            seeded.append(token)
            form = {"refresh_token": token}
            if case.answer is None:
                idp.expire_refresh_token(token)
        if case.answer is not None:
            idp.answer_error_next(
                case.answer.error,
                case.answer.description,
                aadsts=case.answer.aadsts,
                status=case.answer.status,
                count=None,
                form=form,
                path_contains=f"/{case.identity}.example/" if case.kind == "entra-jwt" else None,
            )
        if case.smtp is not None:
            e2e.smtp.auth_replies[case.mailbox] = case.smtp
    delegated = [c.mailbox for c in VERIFY if c.kind == "service-account" and c.smtp]
    idp.add_service_account(
        SA_EMAIL, SA_KEY.public_pem, private_key_id=SA_KEY_ID, delegated=delegated
    )
    for name, (reply, _) in MAIL.items():
        idp.add_user(f"{name}@acme.com", ROPC_PASSWORD)
        e2e.smtp.mail_replies[f"{name}@acme.com"] = reply
    return seeded


def _arrange_authorize(e2e: E2E) -> dict[str, str]:
    """A loopback port per sign-in, registered with the client unless the case is about
    an unregistered one; the identity provider's answers. The redirect URI of each."""
    idp = e2e.idp
    sent = {sign.identity: f"http://localhost:{free_port()}/" for sign in AUTHORIZE}
    for mode, client, secret in (
        ("exchange", AZURE_CLIENT_ID, AZURE_SECRET),
        ("gmail", GOOGLE_CLIENT_ID, GOOGLE_SECRET),
    ):
        registered = [sent[s.identity] for s in AUTHORIZE if s.mode == mode and s.where]
        idp.add_client(client, secret=secret, redirect_uris=registered)
    for sign in AUTHORIZE:
        mailbox = f"{sign.identity}@{'acme.com' if sign.mode == 'exchange' else 'beta.example'}"
        idp.add_user(mailbox, ROPC_PASSWORD)
        if sign.answer is None:
            continue
        page = {"exchange": "/oauth2/v2.0/authorize", "gmail": "/o/oauth2/auth"}[sign.mode]
        idp.answer_error_next(
            sign.answer.error,
            sign.answer.description,
            aadsts=sign.answer.aadsts,
            status=sign.answer.status,
            count=None,
            form={"redirect_uri": sent[sign.identity]},
            path_contains=page if sign.where == "page" else None,
        )
    return sent


def _sign_in(e2e: E2E, identity: str, redirect_uri: str, timeout: int) -> Run:
    """`provision authorize --no-browser`, and a person who opens the printed URL: the
    browser follows the identity provider's redirect to the loopback, or stays on its
    error page (and nothing comes back)."""
    port = redirect_uri.rsplit(":", 1)[1].strip("/")
    command = [sys.executable, "-m", "provision", "authorize", str(e2e.playbook), identity]
    command += ["--no-browser", "--port", port, "--timeout", str(timeout)]
    process = subprocess.Popen(
        command,
        cwd=e2e.directory,
        env=subprocess_env(e2e.env),
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen: list[str] = []
    try:
        for line in process.stderr:
            seen.append(line)
            if line.startswith("https://"):
                with tls_session(e2e.pki) as browser:
                    answer = browser.get(line.strip(), allow_redirects=False, timeout=10)
                    if answer.status_code == 302:
                        back = answer.headers["Location"].replace("//localhost:", "//127.0.0.1:")
                        browser.get(back, timeout=10)
                break
        stdout, rest = process.communicate(timeout=60)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    return Run(process.returncode, stdout, "".join(seen) + rest)


@pytest.fixture(scope="module")
def scene(pki: PKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with ExitStack() as stack:
        idp = stack.enter_context(LocalIdP(pki))
        smtp = stack.enter_context(LocalSMTP(idp, pki))
        e2e = E2E.build(tmp_path_factory.mktemp("hints"), idp, smtp, pki)
        _playbook(e2e)
        seeded = _arrange_verify(e2e)
        sent = _arrange_authorize(e2e)

        def verify(*args: str) -> Callable[[], Run]:
            return lambda: e2e.verify("--smtp", "--limit", "hints", "-j", "16", *args)

        def mail(name: str) -> Callable[[], Run]:
            return lambda: e2e.run(
                "test-mail", e2e.playbook, name, "--to", "admin@acme.com", "--timeout", "5"
            )

        def sign(s: Sign) -> Callable[[], Run]:
            # only the unregistered redirect URI waits for its timeout
            return lambda: _sign_in(e2e, s.identity, sent[s.identity], 20 if s.where else 1)

        jobs = {"json": verify("--format", "json"), "text": verify()}
        jobs |= {name: mail(name) for name in MAIL}
        jobs |= {s.identity: sign(s) for s in AUTHORIZE}
        with ThreadPoolExecutor(len(jobs)) as pool:
            futures = {name: pool.submit(job) for name, job in jobs.items()}
            runs = {name: future.result() for name, future in futures.items()}
        assert idp.errors == []
        yield Scene(
            e2e,
            runs["json"],
            runs["text"],
            {name: runs[name] for name in MAIL},
            {s.identity: (runs[s.identity], sent[s.identity]) for s in AUTHORIZE},
            seeded,
        )


@pytest.mark.parametrize("case", VERIFY, ids=lambda case: case.identity)
def test_verify_reports_each_error_with_its_hint(scene: Scene, case: Case) -> None:
    entry = scene.verified(case.identity)
    assert entry["status"] == case.status, entry
    assert case.error in entry["error"], entry
    assert entry["hint"] and case.hint in entry["hint"], entry
    # the text output carries the same hint, under the identity's line
    text = scene.verify_text.stdout
    assert f"  hint:  {entry['hint']}\n" in text
    line = next(line for line in text.splitlines() if line.startswith(f"{case.identity} "))
    assert case.status in line


def test_verify_fails_the_run_for_them(scene: Scene) -> None:
    assert scene.verify_json.exit_code == 1 and scene.verify_text.exit_code == 1
    names = {entry["name"] for entry in json.loads(scene.verify_json.stdout)["identities"]}
    assert {case.identity for case in VERIFY} <= names
    assert "Traceback" not in scene.verify_json.stderr + scene.verify_text.stderr


@pytest.mark.parametrize("name", sorted(MAIL))
def test_test_mail_reports_a_refused_message_with_its_hint(scene: Scene, name: str) -> None:
    reply, phrase = MAIL[name]
    run = scene.mail[name]
    assert run.exit_code == 1, run.output
    assert f"sender {name}@acme.com refused: {reply}" in run.stderr
    hint = next(line for line in run.stderr.splitlines() if line.startswith("hint: "))
    assert phrase in hint
    assert scene.e2e.smtp.messages == [] and "Traceback" not in run.stderr


@pytest.mark.parametrize("sign", AUTHORIZE, ids=lambda sign: sign.identity)
def test_authorize_reports_each_refusal_with_its_hint(scene: Scene, sign: Sign) -> None:
    run, sent = scene.signs[sign.identity]
    assert run.exit_code == 1, run.output
    message = next(line for line in run.stderr.splitlines() if line.startswith("provision: "))
    assert sign.error in message
    hint = next(line for line in run.stderr.splitlines() if line.startswith("hint: "))
    for phrase in sign.hints:
        assert phrase in hint, hint
    assert (f"provision sent {sent}" in hint or f"redirect URI {sent}." in hint) == (
        sign.names_redirect_uri
    ), hint
    assert not (scene.e2e.token_dir / f"{sign.identity}.json").exists()
    assert "Traceback" not in run.stderr


def test_no_secret_reaches_any_output(scene: Scene) -> None:
    values = [*SECRET_VALUES, *scene.e2e.issued_tokens(), *scene.refresh_tokens]
    assert not leaked(values, *scene.outputs())
