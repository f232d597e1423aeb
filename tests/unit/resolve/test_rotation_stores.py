"""Which client secret references rotate-secret can write a new value to."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.errors import InputError
from provision.load import load_playbook
from provision.resolve import resolve
from provision.resolve.stores import store_of
from provision.secret import SecretRef, VaultText

PLAYBOOK = """\
version: 1
clients:
  acme-azure:
    provider: microsoft
    tenant: acme.com
    client_id: 0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00
    client_secret: {secret}
identities:
  m:
    client: acme-azure
    mode: exchange
    sender: pbx@acme.com
sites:
  acme:
    domain: acme.com
    pbx: pbx.acme.com
    identity: m
    apps: [pbx]
"""


def _store_kind(tmp_path: Path, secret: str) -> str:
    path = tmp_path / "playbook.yaml"
    path.write_text(PLAYBOOK.format(secret=secret))
    playbook = load_playbook(path)
    model = resolve(playbook)
    store = store_of(model.clients["acme-azure"], playbook)
    assert store.playbook_file == path
    return store.kind


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        ("{file: secrets/acme.secret}", "file"),
        ("!vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      3132", "vault"),
        ("{command: [pass, show, a], store: [pass, insert, -m, a]}", "command"),
    ],
)
def test_writable_stores(tmp_path: Path, secret: str, kind: str) -> None:
    assert _store_kind(tmp_path, secret) == kind


@pytest.mark.parametrize(
    ("secret", "said"),
    [
        ("{env: ACME_SECRET}", "environment variable ACME_SECRET"),
        ("a-plain-secret-value", "a plain value"),
        ("{command: [pass, show, a]}", "a command without `store`"),
    ],
)
def test_unwritable_stores_are_refused_naming_the_writable_forms(
    tmp_path: Path, secret: str, said: str
) -> None:
    with pytest.raises(InputError) as caught:
        _store_kind(tmp_path, secret)
    message = str(caught.value)
    assert said in message and "nothing was created" in message
    assert "{file: path}" in message and "!vault" in message and "store: [argv...]" in message
    assert "playbook.yaml:" in message  # located
    assert "a-plain-secret-value" not in message


def test_secret_ref_keeps_the_store_command() -> None:
    ref = SecretRef.from_spec({"command": ["pass", "show"], "store": ["pass", "insert"]}, ("x",))
    assert ref.kind == "command" and ref.source == ("pass", "show")
    assert ref.store == ("pass", "insert")
    assert SecretRef.from_spec({"command": ["pass"]}, ("x",)).store is None
    assert SecretRef.from_spec(VaultText("$ANSIBLE_VAULT;1.1;AES256"), ("x",)).kind == "vault"
