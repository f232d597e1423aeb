"""No secret ever reaches stdout or stderr: every command, as a real process, on a playbook
whose every secret is distinctive (client secrets, passwords, private keys, vault
plaintexts) and against a LocalIdP whose access and refresh tokens are checked too.
PROVISION_DEBUG is unset, as for a user.

`provision` has no logging switch of its own; the commands run through a driver that sets
Python's root logger to DEBUG on stderr, so whatever MSAL, google-auth, authlib, urllib3
or provision itself would log is checked as well."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run
from tests.playbooks.e2e.harness import E2E, SECRET_VALUES, leaked, write_script

ROTATED_SECRET = "S3cr3t-E2E-rotated-azure-client-xyzzy"
ENCRYPTED = "S3cr3t-E2E-encrypt-string-plaintext-xyzzy"
DEBUG_DRIVER = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)\n"
    "from provision.cli import main\n"
    "main()\n"
)


def test_no_command_prints_a_secret(
    tmp_path: Path, idp: LocalIdP, smtp_server: LocalSMTP, pki: PKI
) -> None:
    e2e = E2E.build(tmp_path / "e2e", idp, smtp_server, pki)
    e2e.entry = [str(write_script(tmp_path / "provision-debug", DEBUG_DRIVER))]
    e2e.env.pop("PROVISION_DEBUG", None)
    pb = str(e2e.playbook)
    runs: dict[str, Run] = {}

    def run(name: str, *args: str, exit_code: int = 0, stdin: str | None = None) -> Run:
        done = e2e.run(*args, stdin=stdin)
        assert done.exit_code == exit_code, f"{name}: {done.output}"
        assert "Traceback" not in done.stderr, f"{name}: {done.stderr}"
        runs[name] = done
        return done

    run("validate", "validate", pb)
    run("validate json", "validate", pb, "--format", "json")
    run("plan", "plan", pb)
    run("plan --diff", "plan", pb, "--diff")
    run("plan json", "plan", pb, "--format", "json")
    run("apply --check", "apply", pb, "--check", "--diff")
    run("apply --diff", "apply", pb, "--diff")
    assert (e2e.directory / "out" / "apps" / "acme" / "pbx.json").exists()
    e2e.env["E2E_AZURE_SECRET"] = ROTATED_SECRET  # a changed secret shows up in diffs...
    run("plan --diff, changed secret", "plan", pb, "--diff")
    run("apply --diff, changed secret", "apply", pb, "--diff")
    e2e.env["E2E_AZURE_SECRET"] = SECRET_VALUES[0]
    run("apply json", "apply", pb, "--format", "json")
    run("apply, no change", "apply", pb)
    for fmt in ("text", "json", "azure", "google"):
        run(f"redirect-uris {fmt}", "redirect-uris", pb, "--format", fmt)
    run("drift, in sync", "drift", pb)
    console = e2e.directory / "console" / "google-client.json"
    download = json.loads(console.read_text())
    download["web"]["redirect_uris"] = ["https://old-pbx.beta.example/OAUTH2-CLIENT/auth.htm"]
    console.write_text(json.dumps(download))
    run("drift", "drift", pb, exit_code=4)
    run("drift json", "drift", pb, "--format", "json", exit_code=4)
    for identity in ("exchange", "gmail", "generic"):
        done = e2e.authorize(identity)
        assert done.exit_code == 0, done.output
        runs[f"authorize {identity}"] = done
    run("verify", "verify", pb, "--timeout", "5")
    run("verify --smtp json", "verify", pb, "--smtp", "--format", "json", "--timeout", "5")
    idp.add_client("e2e-jwt", secret="S3cr3t-E2E-not-a-key-xyzzy")  # now it fails...
    (e2e.token_dir / "jwt.json").unlink()  # ...once its cached token is gone
    run(
        "verify, failing",
        "verify",
        pb,
        "--format",
        "json",
        "--limit",
        "gamma/fax",
        "--timeout",
        "5",
        exit_code=1,
    )
    run("test-mail", "test-mail", pb, "ropc", "--to", "admin@acme.com", "--timeout", "5")
    smtp_server.reject_with = "535 5.7.3 Authentication unsuccessful"
    run(
        "test-mail, refused",
        "test-mail",
        pb,
        "exchange",
        "--to",
        "admin@acme.com",
        "--timeout",
        "5",
        exit_code=1,
    )
    run("schema", "schema")
    run("init", "init", str(tmp_path / "scaffold"))
    encrypted = run(
        "encrypt-string", "encrypt-string", "--name", "client_secret", stdin=ENCRYPTED + "\n"
    )
    assert encrypted.stdout.startswith("client_secret: !vault |\n")

    assert len(smtp_server.messages) == 1
    assert json.loads(runs["verify --smtp json"].stdout)["identities"][0]["status"] == "ok"
    assert "DEBUG" in runs["verify"].stderr  # the libraries did log
    # Not checked: authorization codes. MSAL's own DEBUG log shows the one it redeemed
    # (single use, bound to the PKCE verifier, worthless once redeemed).
    tokens = e2e.issued_tokens()
    assert len(tokens) >= 6 + 3  # an access token per mode, a refresh token per authorization
    secrets = [*SECRET_VALUES, ROTATED_SECRET, ENCRYPTED, *tokens]
    for name, done in runs.items():
        assert not leaked(secrets, done.stdout, done.stderr), f"`provision {name}` leaked"
