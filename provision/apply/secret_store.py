"""Keeping a new client secret in its store (see resolve/stores.py): `{file: path}`
rewritten atomically (0600; a file encrypted whole with ansible-vault stays encrypted,
with the same vault id), an inline `!vault |` value re-encrypted with the same vault
password and id and replaced in place in the playbook, `{command: [...], store: [...]}`
through its store command (the value on stdin). Each store reads back what it holds,
fresh, to prove it; the playbook's client_secret_expires is updated in place.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .. import vault
from ..errors import OperationError
from ..files import write_file
from ..load.edit import Edit, EditError, PlaybookText, replace_scalar, replace_vault_block
from ..model import Client
from ..process import ProcessError, run
from ..resolve.secrets import SecretResolver
from ..resolve.stores import Store
from ..secret import Secret, SecretError, SecretRef

STORE_TIMEOUT = 60.0


def write_secret(store: Store, value: Secret, secrets: SecretResolver) -> None:
    """Keep `value` in the store; OperationError says why it could not be kept."""
    try:
        if store.kind == "file":
            _write_file(store, value, secrets)
        elif store.kind == "vault":
            _write_vault(store, value, secrets)
        else:
            run(
                store.store_argv,
                what="store command",
                timeout=STORE_TIMEOUT,
                cwd=store.base_dir,
                stdin=(value.reveal() + "\n").encode(),
            )
    except (OSError, ProcessError, SecretError, EditError, vault.VaultError) as exc:
        raise OperationError(
            f"the new client secret could not be stored in {store.describe()}: {exc}"
        ) from None


def _write_file(store: Store, value: Secret, secrets: SecretResolver) -> None:
    path = store.base_dir / str(store.ref.source)
    content = value.reveal() + "\n"
    old = _current_text(path)
    if old is not None and vault.is_vault(old):  # encrypted whole: it stays so
        password = secrets.vault_password(f"the Ansible Vault file {path}")
        content = vault.encrypt(content.encode(), password, vault_id(old))
    write_file(path, content.encode(), 0o600)


def _current_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _write_vault(store: Store, value: Secret, secrets: SecretResolver) -> None:
    doc = PlaybookText.read(store.playbook_file)
    path = store.ref.where
    node = doc.node(path)
    if node is None:
        raise EditError(f"{doc.where(path)} is no longer in the file")
    password = secrets.vault_password("re-encrypting the !vault client secret")
    encrypted = vault.encrypt(value.reveal().encode(), password, vault_id(str(node.value)))
    doc.write([replace_vault_block(doc, node, encrypted, doc.where(path))])


def vault_id(vaulttext: str) -> str | None:
    """The vault id a 1.2 header names (None for 1.1: Ansible's default)."""
    header = vaulttext.strip().splitlines()[0] if vaulttext.strip() else ""
    fields = [part.strip() for part in header.split(";")]
    return fields[3] if len(fields) == 4 and fields[1] == "1.2" else None


def read_back(store: Store, vault_password_file: str | None) -> Secret:
    """What the store holds now, read afresh (the playbook re-read for a !vault value);
    SecretError when it cannot be had."""
    ref = store.ref
    if store.kind == "vault":
        try:
            node = PlaybookText.read(store.playbook_file).node(ref.where)
        except EditError as exc:
            raise SecretError(str(exc)) from None
        if node is None or not isinstance(node.value, str):
            raise SecretError(f"{store.describe()} is no longer in the file")
        ref = SecretRef("vault", node.value, ref.where, ref.at)
    return SecretResolver(store.base_dir, vault_password_file).resolve(ref)


def expires_edit(doc: PlaybookText, client: Client, expires: date) -> Edit | None:
    """`client_secret_expires` of the client replaced by `expires`; None when the client
    does not set it (provision does not add keys to a playbook: the run says so)."""
    path = ("clients", client.name, "client_secret_expires")
    node = doc.node(path)
    if node is None:
        return None
    return replace_scalar(doc, node, expires.isoformat(), doc.where(path))


def write_expires(store: Store, client: Client, expires: date) -> bool:
    """Update the playbook's client_secret_expires in place; False when it is not set.
    OperationError when the file cannot be edited."""
    try:
        doc = PlaybookText.read(store.playbook_file)
        edit = expires_edit(doc, client, expires)
        if edit is not None:
            doc.write([edit])
    except (EditError, OSError) as exc:
        raise OperationError(
            f"the new client secret is stored, but client_secret_expires could not be "
            f"updated: {exc}",
            f"set client_secret_expires of client '{client.name}' to {expires} by hand",
        ) from None
    return edit is not None
