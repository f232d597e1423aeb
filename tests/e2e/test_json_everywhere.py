"""`--format json` everywhere, as a program sees it: the real CLI in a subprocess against the
local IdP and SMTP server. Every command that offers json prints one document on stdout
with `"format_version": 1` first; a command that stops (bad input: exit 2, a failed
operation: exit 1) prints the error document there instead, with nothing before it;
plan and apply carry the playbook's warnings; authorize and test-mail print their result
as JSON, what the person signing in must read going to stderr. No secret, no token."""

from __future__ import annotations

import json
import re
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run
from tests.playbooks.e2e.harness import E2E, IDENTITIES, SECRET_VALUES, leaked

SMTP_AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
    "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."
)
PROBLEM_KEYS = {"severity", "file", "line", "column", "path", "message"}
ROPC_WARNING = "identities.ropc.mode"  # all-modes.yaml's ROPC identity is linted

#: command -> (arguments after the playbook, the keys its document holds besides the version)
DOCUMENTS: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "validate": ((), {"valid", "problems"}),
    "plan": ((), {"output_dir", "changes", "summary", "failures", "stale", "playbook_warnings"}),
    "apply": (
        (),
        {"check", "output_dir", "results", "warnings", "recap", "stale", "playbook_warnings"},
    ),
    "redirect-uris": ((), {"clients"}),
    "drift": ((), {"clients", "errors"}),
    "verify": (("--timeout", "5", "--limit", "acme/fax"), {"identities"}),
    "status": ((), {"generated_at", "playbook", "summary", "clients", "identities", "sites"}),
}
#: commands whose json results need a sign-in, a mail or Graph: tested on their own below
RESULTS = {"authorize", "test-mail", "rotate-secret"}
#: `schema --format json` prints the JSON Schema itself: a document for validators
NOT_OURS = {"schema"}


@pytest.fixture
def e2e(tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI) -> E2E:
    return E2E.build(tmp_path, idp, smtp_server, pki)


def document(run: Run) -> dict[str, Any]:
    """stdout as the one JSON document it must be, `format_version` its first key."""
    parsed = json.loads(run.stdout)
    assert isinstance(parsed, dict), run.stdout
    assert next(iter(parsed)) == "format_version" and parsed["format_version"] == 1, parsed
    return parsed


def error_of(run: Run, kind: str) -> dict[str, Any]:
    """The error document on stdout: its `error` object, after the shared facts."""
    doc = document(run)
    assert doc["error"]["kind"] == kind
    assert set(doc["error"]) == {"kind", "message", "hint"}
    assert all(set(p) == PROBLEM_KEYS for p in doc["problems"])
    if kind == "input":
        assert doc["valid"] is False and doc["problems"], doc
    else:
        assert "valid" not in doc and doc["problems"] == []
    assert "Traceback" not in run.stderr
    return dict(doc["error"])


def no_secret(e2e: E2E, run: Run) -> None:
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], run.output)


def json_commands(e2e: E2E) -> set[str]:
    """Every command whose --help offers `--format ...json...`."""
    listing = e2e.run("--help").stdout.split("Commands:", 1)[1]
    names = [line.split()[0] for line in listing.splitlines() if line.startswith("  ")]
    offering = set()
    for name in names:
        help_text = e2e.run(name, "--help").stdout
        choices = re.search(r"--format \[([a-z|]+)\]", help_text)
        if choices and "json" in choices.group(1).split("|"):
            offering.add(name)
    return offering


# -- every document -------------------------------------------------------------------


def test_every_command_that_offers_json_is_covered_here(e2e: E2E) -> None:
    """A new command with --format json must show its document here too."""
    assert json_commands(e2e) == set(DOCUMENTS) | RESULTS | NOT_OURS


@pytest.mark.parametrize("command", sorted(DOCUMENTS))
def test_every_document_carries_format_version_first(e2e: E2E, command: str) -> None:
    args, keys = DOCUMENTS[command]

    run = e2e.run(command, e2e.playbook, *args, "--format", "json")

    assert run.exit_code in (0, 4), run.output  # drift finds the console behind: 4
    doc = document(run)
    assert set(doc) == {"format_version", *keys}, doc.keys()  # every old key is kept
    no_secret(e2e, run)


def test_redirect_uris_of_one_client_and_apply_check_too(e2e: E2E) -> None:
    one = e2e.run("redirect-uris", e2e.playbook, "--client", "google", "--format", "json")
    assert [c["name"] for c in document(one)["clients"]] == ["google"]
    check = e2e.run("apply", e2e.playbook, "--check", "--format", "json")
    assert document(check)["check"] is True
    assert not (e2e.directory / "out").exists()


def test_console_formats_stay_what_the_console_takes(e2e: E2E) -> None:
    """--format google prints the console's own JSON: no key of ours in it."""
    run = e2e.run("redirect-uris", e2e.playbook, "--format", "google", "--client", "google")
    assert run.exit_code == 0, run.output
    assert set(json.loads(run.stdout)) == {"web"}


# -- the playbook's warnings ----------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_plan_and_apply_carry_the_playbooks_warnings(e2e: E2E, command: str) -> None:
    validated = document(e2e.run("validate", e2e.playbook, "--format", "json"))

    run = e2e.run(command, e2e.playbook, "--format", "json")

    assert run.exit_code == 0, run.output
    warnings = document(run)["playbook_warnings"]
    (ropc,) = [w for w in warnings if w["path"] == ROPC_WARNING]
    assert ropc["severity"] == "warning" and "ROPC" in ropc["message"]
    assert ropc["file"] == str(e2e.playbook) and ropc["line"] >= 1 and ropc["column"] >= 1
    assert warnings == validated["problems"]  # validate's entries, the same shape
    # text mode tells people on stderr, as before: plan lists them, apply counts them
    text = e2e.run(command, e2e.playbook)
    if command == "plan":
        assert all(f"{w['path']}: warning: " in text.stderr for w in warnings), text.stderr
    else:
        assert f"provision: {len(warnings)} warnings about the playbook: " in text.stderr
    assert "ROPC" not in text.stdout


# -- errors as documents --------------------------------------------------------------


def test_an_unknown_identity_is_an_input_error_document(e2e: E2E) -> None:
    run = e2e.run("test-mail", e2e.playbook, "nobody", "--to", "a@acme.com", "--format", "json")

    assert run.exit_code == 2
    error = error_of(run, "input")
    assert error["message"].startswith("unknown identity 'nobody' (defined: exchange, ")
    assert run.stderr == ""  # the document alone; text goes to stderr in text mode only
    text = e2e.run("test-mail", e2e.playbook, "nobody", "--to", "a@acme.com")
    assert text.exit_code == 2 and text.stdout == ""
    assert text.stderr.startswith("provision: unknown identity 'nobody'")


def test_a_bad_command_line_is_an_input_error_document(e2e: E2E) -> None:
    """Wherever --format json stands, a refused option is reported in JSON."""
    run = e2e.run(
        "test-mail", e2e.playbook, "exchange", "--to", "not-an-address", "--format", "json"
    )

    assert run.exit_code == 2
    error = error_of(run, "input")
    assert "'not-an-address' is not an e-mail address" in error["message"]
    assert error["hint"] == "`provision test-mail --help` shows the usage"
    assert "Usage: provision test-mail" in run.stderr  # people still see the usage
    assert e2e.smtp.messages == []


def test_rotate_secret_of_a_google_client_is_an_input_error_document(e2e: E2E) -> None:
    """Google has no API for client secrets: the console steps, exit 2, as JSON."""
    run = e2e.run("rotate-secret", e2e.playbook, "google", "--check", "--format", "json")

    assert run.exit_code == 2, run.output
    assert "client 'google' is a Google OAuth client" in error_of(run, "input")["message"]
    no_secret(e2e, run)


def test_an_invalid_playbook_is_an_error_document_with_located_problems(e2e: E2E) -> None:
    e2e.playbook.write_text(e2e.playbook.read_text() + "sitse: {}\n")

    run = e2e.run("plan", e2e.playbook, "--format", "json")

    assert run.exit_code == 2
    error = error_of(run, "input")
    assert error["message"] == "the playbook is invalid: 1 error found"
    (problem,) = [p for p in document(run)["problems"] if p["severity"] == "error"]
    assert problem["path"] == "sitse" and "unknown key 'sitse'" in problem["message"]
    assert problem["file"] == str(e2e.playbook) and problem["line"] > 1


def test_a_refused_smtp_login_is_an_operation_error_document(e2e: E2E) -> None:
    e2e.smtp.reject_with = SMTP_AUTH_DISABLED

    run = e2e.run(
        "test-mail",
        e2e.playbook,
        "ropc",
        "--to",
        "a@acme.com",
        "--timeout",
        "5",
        "--format",
        "json",
    )

    assert run.exit_code == 1
    error = error_of(run, "operation")
    assert "AUTH XOAUTH2 for fax@acme.com refused: 535 5.7.139" in error["message"]
    assert "Set-TransportConfig -SmtpClientAuthenticationDisabled $false" in error["hint"]
    assert run.stderr == ""
    assert e2e.idp.access_tokens  # a token was issued: it must not be in the document
    no_secret(e2e, run)


def test_an_identity_that_cannot_sign_in_interactively_is_an_operation_error(e2e: E2E) -> None:
    run = e2e.run("authorize", e2e.playbook, "ropc", "--no-browser", "--format", "json")

    assert run.exit_code == 1
    error = error_of(run, "operation")
    assert error["message"] == "ropc: mode microsoft365 does not authorize interactively"
    assert "`provision authorize`" in error["hint"]
    no_secret(e2e, run)


def test_an_output_directory_that_is_a_file_is_an_operation_error(e2e: E2E) -> None:
    (e2e.directory / "out").write_text("not a directory\n")

    run = e2e.run("apply", e2e.playbook, "--format", "json")

    assert run.exit_code == 1
    error = error_of(run, "operation")
    assert "cannot use the output directory" in error["message"]
    assert "not a directory" in error["message"]
    no_secret(e2e, run)


def test_status_that_cannot_write_its_output_is_an_operation_error(e2e: E2E) -> None:
    (e2e.directory / "blocked").write_text("a file, not a directory\n")

    run = e2e.run(
        "status", e2e.playbook, "--format", "json", "--output", e2e.directory / "blocked" / "s.json"
    )

    assert run.exit_code == 1
    assert "cannot write" in error_of(run, "operation")["message"]


# -- authorize and test-mail ----------------------------------------------------------


def test_authorize_prints_its_result_as_json(e2e: E2E) -> None:
    run = e2e.authorize("gmail", "--format", "json")

    assert run.exit_code == 0, run.output
    doc = document(run)  # stdout is the document alone: the URL and the advice went to stderr
    loopback = f"http://localhost:{e2e.loopback_port}/"
    assert {k: v for k, v in doc.items() if k not in ("token_store", "expires_at")} == {
        "format_version": 1,
        "identity": "gmail",
        "status": "authorized",
        "mode": "gmail",
        "account": IDENTITIES["gmail"][1],
        "redirect_uri": loopback,
    }
    assert Path(doc["token_store"]) == e2e.token_dir
    assert doc["expires_at"].startswith("20") and doc["expires_at"].endswith("+00:00")
    url = next(line for line in run.stderr.splitlines() if line.startswith("https://"))
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [loopback]  # the one it names
    assert (e2e.token_dir / "gmail.json").exists()
    no_secret(e2e, run)


def test_test_mail_prints_its_result_as_json(e2e: E2E) -> None:
    run = e2e.run(
        "test-mail",
        e2e.playbook,
        "service-account",
        "--to",
        "admin@acme.com",
        "--timeout",
        "5",
        "--format",
        "json",
    )

    assert run.exit_code == 0, run.output
    doc = document(run)
    (received,) = e2e.smtp.messages
    message = message_from_bytes(received.content)
    mailbox = IDENTITIES["service-account"][1]
    assert doc == {
        "format_version": 1,
        "identity": "service-account",
        "status": "sent",
        "mode": "google_service_account",
        "account": mailbox,
        "sender": mailbox,
        "recipients": ["admin@acme.com"],
        "message_id": message["Message-ID"],
        "smtp": {"host": "127.0.0.1", "port": e2e.smtp.port, "security": e2e.smtp.security},
    }
    assert received.rcpt_tos == ["admin@acme.com"]
    assert run.stderr == ""
    no_secret(e2e, run)
