"""End-to-end harness: the playbooks in this folder, made real against the local servers.

`E2E.build(tmp_path, idp, smtp_server, pki)` registers every client, user and
service account of `all-modes.yaml` with the LocalIdP, writes the secrets each
reference points at (a file, a script, a vault password, an environment
variable) and the playbook itself into `tmp_path`, and runs `provision` as a
real process (`python -m provision`, the way a user runs it) with that
environment. `authorize()` completes a `provision authorize --no-browser` run
the way a person would: it reads the URL the command prints, opens it (the
LocalIdP consents at once and redirects) and follows the redirect to the
command's loopback listener. Every value in SECRET_VALUES is distinctive, so a
test can assert that none of them ever reaches an output.
"""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from provision import vault
from provision.secret import Secret
from provision.tokens.store import StoredTokens, TokenStore
from tests.fakes._http import free_port
from tests.fakes.clients import tls_session
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI, make_key_pair
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import Run, subprocess_env

HERE = Path(__file__).resolve().parent

AZURE_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
GOOGLE_CLIENT_ID = "e2e-gmail.apps.googleusercontent.com"
SA_EMAIL = "mailer@e2e-project.iam.gserviceaccount.com"
SA_KEY_ID = "e2e-sa-key-1"
GENERIC_CLIENT_ID = "e2e-generic"
JWT_CLIENT_ID = "e2e-jwt"

AZURE_SECRET = "S3cr3t-E2E-azure-client-xyzzy"
GOOGLE_SECRET = "S3cr3t-E2E-google-client-xyzzy"
GENERIC_SECRET = "S3cr3t-E2E-generic-client-xyzzy"
ROPC_PASSWORD = "S3cr3t-E2E-ropc-password-xyzzy"
EXCHANGE_PASSWORD = "S3cr3t-E2E-exchange-user-xyzzy"
VAULT_PASSWORD = "S3cr3t-E2E-vault-password-xyzzy"
SA_KEY = make_key_pair("e2e-service-account")
JWT_KEY = make_key_pair("e2e-private-key-jwt")

#: Every secret the playbook holds or the test knows; tokens come from the IdP's records.
SECRET_VALUES = (
    AZURE_SECRET,
    GOOGLE_SECRET,
    GENERIC_SECRET,
    ROPC_PASSWORD,
    EXCHANGE_PASSWORD,
    VAULT_PASSWORD,
    SA_KEY.private_pem,
    JWT_KEY.private_pem,
)

#: identity -> (mode, mailbox), as all-modes.yaml defines them.
IDENTITIES = {
    "exchange": ("exchange", "pbx@acme.com"),
    "ropc": ("microsoft365", "fax@acme.com"),
    "gmail": ("gmail", "pbx@beta.example"),
    "service-account": ("google_service_account", "reports@beta.example"),
    "generic": ("client_secret_post", "pbx@gamma.example"),
    "jwt": ("private_key_jwt", "fax@gamma.example"),
}


def vault_block(plaintext: str, password: str = VAULT_PASSWORD, indent: int = 6) -> str:
    """A `!vault |` value as ansible-vault writes it, indented for a mapping value at
    `indent - 2` spaces."""
    text = vault.encrypt(plaintext.encode(), password.encode())
    pad = " " * indent
    return "!vault |\n" + "\n".join(pad + line for line in text.splitlines())


def render(template: str, destination: Path, **values: Any) -> Path:
    """Fill a template of this folder into `destination` (string.Template placeholders)."""
    text = string.Template((HERE / template).read_text(encoding="utf-8"))
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(text.substitute({k: str(v) for k, v in values.items()}))
    return destination


def write_secret(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def write_script(path: Path, body: str) -> Path:
    """An executable Python script (no shell involved)."""
    return write_secret(path, f"#!{sys.executable}\n{body}", 0o700)


def token_posts(idp: LocalIdP) -> list[tuple[str, str, dict[str, str]]]:
    """The token requests the IdP has seen."""
    return [entry for entry in idp.requests_log if entry[0] == "POST"]


@dataclass
class E2E:
    """A playbook in `directory` wired to a running LocalIdP and LocalSMTP."""

    directory: Path
    playbook: Path
    idp: LocalIdP
    smtp: LocalSMTP
    pki: PKI
    loopback_port: int
    env: dict[str, str] = field(default_factory=dict)
    #: how to start `provision`: `python -m provision`, or a driver script
    entry: list[str] = field(default_factory=lambda: ["-m", "provision"])

    @classmethod
    def build(
        cls,
        directory: Path,
        idp: LocalIdP,
        smtp: LocalSMTP,
        pki: PKI,
        template: str = "all-modes.yaml",
        **overrides: Any,
    ) -> E2E:
        port = free_port()
        loopback = [f"http://localhost:{port}/"]
        idp.add_client(AZURE_CLIENT_ID, secret=AZURE_SECRET, redirect_uris=loopback)
        idp.add_client(GOOGLE_CLIENT_ID, secret=GOOGLE_SECRET, redirect_uris=loopback)
        idp.add_client(
            GENERIC_CLIENT_ID,
            secret=GENERIC_SECRET,
            redirect_uris=loopback,
            token_endpoint_auth_method="client_secret_post",
        )
        idp.add_client(
            JWT_CLIENT_ID,
            public_key_pem=JWT_KEY.public_pem,
            token_endpoint_auth_method="private_key_jwt",
        )
        idp.add_service_account(
            SA_EMAIL,
            SA_KEY.public_pem,
            private_key_id=SA_KEY_ID,
            delegated=["reports@beta.example"],
        )
        idp.add_user("pbx@acme.com", EXCHANGE_PASSWORD)
        idp.add_user("fax@acme.com", ROPC_PASSWORD)
        idp.add_user("pbx@beta.example", EXCHANGE_PASSWORD)
        idp.add_user("pbx@gamma.example", EXCHANGE_PASSWORD)

        write_secret(directory / "secrets" / "google.secret", GOOGLE_SECRET + "\n")
        write_secret(directory / "secrets" / "service-account.pem", SA_KEY.private_pem)
        write_script(directory / "secrets" / "generic-secret.sh", f"print({GENERIC_SECRET!r})\n")
        password_file = write_secret(directory / "vault-password.txt", VAULT_PASSWORD + "\n")
        console = {  # what the Google console downloads: it holds the secret too
            "web": {
                "client_id": GOOGLE_CLIENT_ID,
                "client_secret": GOOGLE_SECRET,
                "auth_uri": idp.google_authorize_url,
                "token_uri": idp.google_token_uri,
                "redirect_uris": [
                    "https://pbx.beta.example/OAUTH2-CLIENT/auth.htm",
                    "http://localhost:8400/",  # authorize's own
                ],
            }
        }
        write_secret(directory / "console" / "google-client.json", json.dumps(console))
        values: dict[str, Any] = {
            "idp": idp.base_url,
            "ca_file": pki.ca_file,
            "smtp": f"{{host: 127.0.0.1, port: {smtp.port}, security: {smtp.security}}}",
            "jwt_key_vault": vault_block(JWT_KEY.private_pem),
            "ropc_password_vault": vault_block(ROPC_PASSWORD),
        }
        values.update(overrides)
        playbook = render(template, directory / "playbook.yaml", **values)
        env = {
            "E2E_AZURE_SECRET": AZURE_SECRET,
            "PROVISION_VAULT_PASSWORD_FILE": str(password_file),
        }
        return cls(directory, playbook, idp, smtp, pki, port, env)

    @property
    def token_dir(self) -> Path:
        return self.directory / ".provision" / "tokens"

    def run(
        self, *args: str | os.PathLike[str], stdin: str | None = None, timeout: float = 60
    ) -> Run:
        """`provision ARGS` as a real process in the playbook's folder."""
        done = subprocess.run(
            [sys.executable, *self.entry, *map(str, args)],
            cwd=self.directory,
            env=subprocess_env(self.env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def verify(self, *args: str) -> Run:
        return self.run("verify", self.playbook, "--timeout", "5", *args)

    def authorize(self, identity: str, *args: str) -> Run:
        """`provision authorize PLAYBOOK IDENTITY --no-browser`, signed in like a person
        would: open the printed URL (with the test CA), follow the redirect to the loopback."""
        command = [
            sys.executable,
            *self.entry,
            "authorize",
            str(self.playbook),
            identity,
            "--no-browser",
            "--port",
            str(self.loopback_port),
            "--timeout",
            "20",
            *args,
        ]
        process = subprocess.Popen(
            command,
            cwd=self.directory,
            env=subprocess_env(self.env),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stderr is not None
        seen: list[str] = []
        try:
            for line in process.stderr:
                seen.append(line)
                if line.startswith("https://"):
                    open_in_browser(line.strip(), self.pki)
                    break
            stdout, rest = process.communicate(timeout=30)
        except BaseException:
            process.kill()
            process.communicate()
            raise
        return Run(process.returncode, stdout, "".join(seen) + rest)

    def seed_refresh_token(self, identity: str, client_id: str, mailbox: str, scope: str) -> str:
        """Put a refresh token the IdP issued into the playbook's token store, as if
        `provision authorize` had run; returns it."""
        token = self.idp.issue_refresh_token(client_id, mailbox, scope)
        TokenStore(self.token_dir).save(identity, StoredTokens(refresh_token=Secret(token)))
        return token

    def issued_tokens(self) -> list[str]:
        """Every access and refresh token the IdP has handed out so far."""
        access = [info.token for info in self.idp.access_tokens]
        with self.idp._lock:  # the IdP keeps its refresh tokens private; tests may look
            refresh = list(self.idp._refresh)
        return access + refresh


def open_in_browser(url: str, pki: PKI) -> requests.Response:
    """What a browser does with an authorization URL at the LocalIdP: it consents at once and
    redirects to `http://localhost:PORT/?code=...`, which is then fetched on 127.0.0.1."""
    with tls_session(pki) as session:
        answer = session.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        parts = urlsplit(answer.headers["Location"])
        assert parts.hostname == "localhost", parts
        loopback = urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}"))
        landing = session.get(loopback, timeout=10)
        assert landing.status_code == 200, landing.text
        return landing


def leaked(values: Sequence[str], *texts: str) -> list[str]:
    """The values (or a telling piece: a line of 16+ characters of a PEM) found in `texts`."""
    found = []
    for value in values:
        pieces = {value.strip()} | {
            line for line in value.splitlines() if len(line) >= 16 and not line.startswith("---")
        }
        for piece in pieces:
            if any(piece in text for text in texts):
                found.append(piece[:24] + "...")
    return found
