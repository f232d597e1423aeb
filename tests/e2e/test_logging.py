"""Verbose logs end to end (`-v`, `-vv`, PROVISION_LOG): the real CLI against the local
identity provider and SMTP server, every flow that sends a credential (an authorization
code through the loopback and pasted back, ROPC, a service account's and a client's JWT
assertions, refresh tokens, SMTP XOAUTH2) logged at DEBUG; none of the playbook's secrets,
no code, no token the IdP issued and no JWT reaches stdout or stderr."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.test_authorize import Authorizing
from tests.fakes.clients import tls_session
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run
from tests.playbooks.e2e.harness import E2E, SECRET_VALUES, leaked

# a JWT (an id_token, a client assertion, a service account's assertion): header.payload
JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}")
# a log record as provision writes it: time, level, logger
RECORD = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO|WARNING|ERROR) ([\w.]+): ", re.M)


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


def loggers(run: Run, level: str | None = None) -> set[str]:
    """The loggers whose records a run wrote (at `level`)."""
    return {name for lvl, name in RECORD.findall(run.stderr) if level in (None, lvl)}


def paste_back(e2e: E2E, identity: str, *args: str) -> Run:
    """`provision authorize` with the redirected address pasted at its prompt."""
    session = Authorizing(e2e, identity, "--port", str(e2e.loopback_port), *args)
    with tls_session(e2e.pki) as browser:  # sign in, but do not follow the redirect
        answer = browser.get(session.url(), allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    assert "code" in parse_qs(urlsplit(answer.headers["Location"]).query)
    session.paste(answer.headers["Location"])
    return session.finish()


def issued(e2e: E2E) -> list[str]:
    """Every token and authorization code the IdP handed out."""
    with e2e.idp._lock:  # the IdP keeps its codes private; tests may look
        codes = list(e2e.idp._codes)
    return [*e2e.issued_tokens(), *codes]


def test_debug_logs_show_the_libraries_and_never_a_secret(e2e: E2E) -> None:
    runs = [
        e2e.authorize("exchange", "-vv"),  # MSAL: the code through the loopback (form_post)
        paste_back(e2e, "exchange", "-vv"),  # MSAL: the code in a pasted URL's query
        e2e.authorize("gmail", "-vv"),  # google: authlib
        paste_back(e2e, "generic", "-vv"),  # client_secret_post: authlib
    ]
    e2e.env["PROVISION_LOG"] = "debug"
    # every identity: ROPC (a password), a service account and private_key_jwt (JWT
    # assertions), the three authorized ones (refresh tokens), each logged in to SMTP
    runs.append(e2e.verify("--smtp"))
    del e2e.env["PROVISION_LOG"]
    runs.append(
        e2e.run(
            "-vv", "test-mail", e2e.playbook, "ropc", "--to", "admin@acme.com", "--timeout", "5"
        )
    )

    for run in runs:
        assert run.exit_code == 0, run.output
    verified = runs[4]
    assert "6 identities: 6 ok, 0 failed" in verified.stdout, verified.output
    everything = "".join(run.output for run in runs)
    debug = set().union(*(loggers(run, "DEBUG") for run in runs))
    # MSAL (its token requests, the code and assertion among them, as cache events),
    # google-auth (the service account's token request), urllib3 (every connection)
    assert {"msal.token_cache", "google.auth.transport.requests", "urllib3.connectionpool"} <= (
        debug
    )
    assert '"grant_type": "authorization_code"' in everything
    assert {"provision.http", "provision.verify", "provision.load"} <= loggers(verified, "INFO")
    assert not leaked([*SECRET_VALUES, *issued(e2e)], everything)
    assert JWT.findall(everything) == []
    assert "<secret>" in everything  # the scrubber did the work, not an absent record


def test_verbose_logs_provisions_steps_and_no_library(e2e: E2E) -> None:
    verified = e2e.run("verify", e2e.playbook, "-v", "--timeout", "5", "--limit", "*/fax")
    planned = e2e.run("-v", "apply", e2e.playbook)

    assert verified.exit_code == 0, verified.output
    assert planned.exit_code == 0, planned.output
    assert loggers(verified) == {
        "provision.load",
        "provision.validate",
        "provision.resolve",
        "provision.http",
        "provision.verify",
    }
    http = [line for line in verified.stderr.splitlines() if " provision.http: " in line]
    assert any(
        re.search(rf"POST {re.escape(e2e.idp.base_url)}/\S+/token: 200 \(\d+ ms\)$", line)
        for line in http
    ), http
    assert all("?" not in line for line in http)  # never a query: it may hold a code
    assert re.search(r"provision\.verify: ropc \(microsoft365\): ok \(\d+ ms\)", verified.stderr)
    assert {"provision.plan", "provision.apply"} <= loggers(planned, "INFO")
    assert re.search(r"loaded \S+playbook\.yaml: 1 file\(s\) \(\d+ ms\)", planned.stderr)
    assert not leaked([*SECRET_VALUES, *issued(e2e)], verified.output, planned.output)


def test_provision_log_info_is_minus_v_and_nothing_logs_by_default(e2e: E2E) -> None:
    e2e.env["PROVISION_LOG"] = "info"
    logged = e2e.verify("--limit", "*/fax")
    e2e.env["PROVISION_LOG"] = "off"
    quiet = e2e.verify("--limit", "*/fax")
    del e2e.env["PROVISION_LOG"]
    default = e2e.verify("--limit", "*/fax")

    assert "provision.verify" in loggers(logged, "INFO"), logged.stderr
    assert loggers(quiet) == set() and loggers(default) == set()
    assert quiet.stderr == default.stderr
    # the same results, but for the tokens' expiry times (a minute may turn between runs)
    assert _no_times(logged.stdout) == _no_times(default.stdout)


def _no_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "<time>", text)


def test_an_unknown_provision_log_is_a_usage_error(e2e: E2E) -> None:
    e2e.env["PROVISION_LOG"] = "chatty"
    run = e2e.run("validate", e2e.playbook)

    assert run.exit_code == 2
    assert "PROVISION_LOG='chatty': use off, info (provision's steps) or debug" in run.stderr
    assert "Traceback" not in run.stderr
