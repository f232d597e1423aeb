"""`provision encrypt-string`: an Ansible Vault value, as ansible-vault writes it."""

from __future__ import annotations

import sys

from ..errors import OperationError
from ..vault import VaultError, encrypt, encrypt_string_yaml, read_vault_password


def run(*, name: str, value: str, vault_id: str | None, vault_password_file: str | None) -> int:
    if not vault_password_file:
        raise OperationError(
            "encrypt-string needs the vault password: pass --vault-password-file or set "
            "PROVISION_VAULT_PASSWORD_FILE"
        )
    try:
        password = read_vault_password(vault_password_file)
        vaulttext = encrypt(value.encode("utf-8"), password, vault_id)
    except VaultError as exc:
        raise OperationError(str(exc)) from None
    sys.stdout.write(encrypt_string_yaml(name, vaulttext))
    return 0
