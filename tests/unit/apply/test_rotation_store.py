"""Keeping a new client secret in its store, and reading it back afresh."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from provision import vault
from provision.apply.secret_store import read_back, vault_id, write_expires, write_secret
from provision.errors import OperationError
from provision.model import Client
from provision.resolve.secrets import SecretResolver
from provision.resolve.stores import Store
from provision.secret import Secret, SecretRef, scrub

NEW = Secret("New8Q~rotated-value-Kp4Tn2Wq8Yt6Bc3Jd9Mv", "test")
PASSWORD = b"vault-pass-Zq8rT2"
CLIENT = Client("acme-azure", "microsoft", "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00", None, None)
WHERE = ("clients", "acme-azure", "client_secret")


def _store(tmp_path: Path, ref: SecretRef, argv: tuple[str, ...] = ()) -> Store:
    return Store(
        "command" if argv else ref.kind,  # type: ignore[arg-type]
        ref,
        tmp_path,
        tmp_path / "playbook.yaml",
        ("clients", "acme-azure"),
        argv,
    )


def _resolver(tmp_path: Path) -> SecretResolver:
    password_file = tmp_path / "vault-pass"
    password_file.write_bytes(PASSWORD + b"\n")
    return SecretResolver(tmp_path, str(password_file))


def test_file_store_is_rewritten_0600_and_reads_back(tmp_path: Path) -> None:
    (tmp_path / "acme.secret").write_text("old\n")
    store = _store(tmp_path, SecretRef("file", "acme.secret", WHERE))
    write_secret(store, NEW, _resolver(tmp_path))
    secret_file = tmp_path / "acme.secret"
    assert secret_file.read_text() == NEW.reveal() + "\n"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert read_back(store, None) == NEW


def test_a_vaulted_secret_file_stays_vaulted_with_its_id(tmp_path: Path) -> None:
    (tmp_path / "acme.secret").write_text(vault.encrypt(b"old\n", PASSWORD, "acme"))
    store = _store(tmp_path, SecretRef("file", "acme.secret", WHERE))
    resolver = _resolver(tmp_path)
    write_secret(store, NEW, resolver)
    text = (tmp_path / "acme.secret").read_text()
    assert text.startswith("$ANSIBLE_VAULT;1.2;AES256;acme\n")
    assert NEW.reveal() not in text
    assert read_back(store, str(tmp_path / "vault-pass")) == NEW


def test_inline_vault_value_is_re_encrypted_in_place(tmp_path: Path) -> None:
    old = vault.encrypt(b"old", PASSWORD)
    block = "".join(f"      {line}\n" for line in old.splitlines())
    (tmp_path / "playbook.yaml").write_text(
        f"clients:\n  acme-azure:\n    client_secret: !vault |\n{block}    tenant: x\n"
    )
    store = _store(tmp_path, SecretRef("vault", old, WHERE))
    write_secret(store, NEW, _resolver(tmp_path))
    text = (tmp_path / "playbook.yaml").read_text()
    assert text.startswith("clients:\n  acme-azure:\n    client_secret: !vault |\n")
    assert text.endswith("    tenant: x\n")
    assert read_back(store, str(tmp_path / "vault-pass")) == NEW


def test_store_command_gets_the_secret_on_stdin(tmp_path: Path) -> None:
    script = tmp_path / "keep.py"
    script.write_text("import sys; open(sys.argv[1], 'w').write(sys.stdin.read())\n")
    show = (sys.executable, "-c", "print(open('kept').read().strip())")
    store = _store(tmp_path, SecretRef("command", show, WHERE), (sys.executable, "keep.py", "kept"))
    write_secret(store, NEW, _resolver(tmp_path))
    assert (tmp_path / "kept").read_text() == NEW.reveal() + "\n"
    assert read_back(store, None) == NEW


def test_a_failing_store_command_is_an_operation_error_without_the_secret(tmp_path: Path) -> None:
    argv = (sys.executable, "-c", "import sys; sys.exit('locked: ' + sys.stdin.read())")
    store = _store(tmp_path, SecretRef("command", ("true",), WHERE), argv)
    with pytest.raises(OperationError) as caught:
        write_secret(store, NEW, _resolver(tmp_path))
    assert "could not be stored" in caught.value.message
    assert NEW.reveal() not in scrub(caught.value.message)


def test_expires_updated_in_place_or_said_absent(tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text("clients:\n  acme-azure:\n    client_secret_expires: 2027-01-15  # c\n")
    store = _store(tmp_path, SecretRef("file", "x", WHERE))
    assert write_expires(store, CLIENT, date(2028, 11, 30)) is True
    assert (
        playbook.read_text()
        == "clients:\n  acme-azure:\n    client_secret_expires: 2028-11-30  # c\n"
    )
    playbook.write_text("clients:\n  acme-azure:\n    tenant: x\n")
    assert write_expires(store, CLIENT, date(2028, 11, 30)) is False
    assert playbook.read_text() == "clients:\n  acme-azure:\n    tenant: x\n"


def test_vault_id() -> None:
    assert vault_id("$ANSIBLE_VAULT;1.2;AES256;acme\n00") == "acme"
    assert vault_id("$ANSIBLE_VAULT;1.1;AES256\n00") is None
