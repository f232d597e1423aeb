"""Ansible Vault values: read and write the format `ansible-vault` uses.

Compatible with ansible-core's `VaultAES256` (cryptography is imported when a value is
encrypted or decrypted, not to recognise one): a vault value is a header line
(`$ANSIBLE_VAULT;1.1;AES256`, or `$ANSIBLE_VAULT;1.2;AES256;<vault-id>`) and a
hexlified payload wrapped at 80 columns. The payload, once unhexlified, is three
lines: hex(salt), hex(HMAC-SHA256 of the ciphertext), hex(ciphertext). Keys come
from PBKDF2-HMAC-SHA256 (10,000 iterations, 80 bytes: AES key, HMAC key, CTR
counter start); the plaintext is PKCS7-padded, then AES-256-CTR encrypted.

No message of `VaultError` quotes a password, a plaintext or the vault text.
"""

from __future__ import annotations

import binascii
import os
import stat
from pathlib import Path

__all__ = [
    "VaultError",
    "decrypt",
    "encrypt",
    "encrypt_string_yaml",
    "is_vault",
    "read_vault_password",
]

HEADER = "$ANSIBLE_VAULT"
CIPHER = "AES256"
LINE_WIDTH = 80  # ansible-vault wraps the payload at 80 columns
YAML_INDENT = 10  # ansible-vault encrypt_string indents the block by 10 spaces

_SALT_BYTES = 32
_KEY_BYTES = 32
_IV_BYTES = 16
_HMAC_BYTES = 32
_PBKDF2_ITERATIONS = 10_000
_AES_BLOCK_BITS = 128
_DEFAULT_VAULT_ID = "default"  # Ansible writes a 1.1 header for this id


class VaultError(Exception):
    """A vault value or a vault password could not be read, written or decrypted."""


def is_vault(text: str) -> bool:
    """True when `text` starts, after any whitespace, with the Ansible Vault header."""
    return text.lstrip().startswith(HEADER + ";")


def decrypt(vaulttext: str, password: bytes) -> bytes:
    """Decrypt an Ansible Vault value written by `ansible-vault` (or `encrypt`).

    Leading and trailing whitespace on each line (a YAML `!vault |` block keeps
    its indentation) and CRLF line ends are accepted. The vault id of a 1.2
    header is not checked: like Ansible, it only names the password.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.hmac import HMAC

    _check_password(password)
    payload = _parse_envelope(vaulttext)
    salt, expected_hmac, ciphertext = _parse_payload(payload)
    cipher_key, hmac_key, iv = _derive_keys(password, salt)

    mac = HMAC(hmac_key, hashes.SHA256())
    mac.update(ciphertext)
    try:
        mac.verify(expected_hmac)  # constant-time comparison
    except InvalidSignature:
        raise VaultError("wrong vault password (HMAC mismatch)") from None

    decryptor = Cipher(algorithms.AES(cipher_key), modes.CTR(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(_AES_BLOCK_BITS).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        # Only reachable with the right key, i.e. a value made by a broken writer.
        raise VaultError("vault payload has invalid padding") from None


def encrypt(plaintext: bytes, password: bytes, vault_id: str | None = None) -> str:
    """Encrypt `plaintext` exactly as `ansible-vault` does, with a fresh random salt.

    Returns the header line and the payload wrapped at 80 columns, each line
    ending in a newline. A `vault_id` (other than Ansible's `default`) gives a
    1.2 header that names it.
    """
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.hmac import HMAC

    _check_password(password)
    if vault_id is not None:
        _check_vault_id(vault_id)
    salt = _new_salt()
    cipher_key, hmac_key, iv = _derive_keys(password, salt)

    padder = padding.PKCS7(_AES_BLOCK_BITS).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(cipher_key), modes.CTR(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    mac = HMAC(hmac_key, hashes.SHA256())
    mac.update(ciphertext)

    inner = b"\n".join(
        [binascii.hexlify(salt), binascii.hexlify(mac.finalize()), binascii.hexlify(ciphertext)]
    )
    # The second hexlify is redundant, but it is the format.
    payload = binascii.hexlify(inner).decode("ascii")

    if vault_id and vault_id != _DEFAULT_VAULT_ID:
        header = f"{HEADER};1.2;{CIPHER};{vault_id}"
    else:
        header = f"{HEADER};1.1;{CIPHER}"
    lines = [header] + [
        payload[start : start + LINE_WIDTH] for start in range(0, len(payload), LINE_WIDTH)
    ]
    return "\n".join(lines) + "\n"


def encrypt_string_yaml(name: str, vaulttext: str) -> str:
    """What `ansible-vault encrypt_string --name NAME` prints for `vaulttext`."""
    lines = [f"{name}: !vault |"]
    lines += [" " * YAML_INDENT + line.strip() for line in vaulttext.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def read_vault_password(path: str | os.PathLike[str], timeout: float = 30.0) -> bytes:
    """Read a vault password the way Ansible's `--vault-password-file` does.

    An executable file is run (no shell, no arguments) and its standard output
    is the password; any other file is read. Surrounding whitespace is stripped
    either way, and an empty password is an error. The script's standard error
    is not captured, so it can prompt the user as Ansible allows.
    """
    password_path = Path(path)
    try:
        mode = password_path.stat().st_mode
    except FileNotFoundError:
        raise VaultError(f"vault password file {password_path} was not found") from None
    except OSError as error:
        raise VaultError(
            f"cannot read vault password file {password_path}: {error.strerror}"
        ) from None
    if stat.S_ISDIR(mode):
        raise VaultError(f"vault password file {password_path} is a directory")

    if mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
        password = _run_password_script(password_path, timeout).strip()
        if not password:
            raise VaultError(f"vault password script {password_path} printed an empty password")
        return password

    from .files import UnreadableFile, read_file

    try:
        password = read_file(password_path).strip()
    except UnreadableFile as error:
        raise VaultError(
            f"cannot read vault password file {password_path}: {error.reason}"
        ) from None
    if not password:
        raise VaultError(f"vault password file {password_path} is empty")
    return password


def _run_password_script(script: Path, timeout: float) -> bytes:
    """Run a vault password script and return its standard output (never quoted: a
    failing script may still have printed the password); its stderr stays the
    terminal's, so it can prompt."""
    from .process import ProcessError, run

    try:
        return run(
            [os.fspath(script.absolute())],
            what="vault password script",
            timeout=timeout,
            capture_stderr=False,
        )
    except ProcessError as exc:
        message = str(exc)
        if message.startswith("cannot run"):
            message += " (if it is not a script, remove its executable bit)"
        raise VaultError(message) from None


def _new_salt() -> bytes:
    return os.urandom(_SALT_BYTES)


def _check_password(password: bytes) -> None:
    if not isinstance(password, bytes):
        raise VaultError("the vault password must be bytes")
    if not password:
        raise VaultError("the vault password is empty")


def _check_vault_id(vault_id: str) -> None:
    # The id shares the header line with `;`-separated fields.
    if not vault_id or any(char in vault_id for char in ";\r\n") or vault_id != vault_id.strip():
        raise VaultError(
            "invalid vault id: it must be non-empty, without ';', line breaks "
            "or surrounding whitespace"
        )


def _parse_envelope(vaulttext: str) -> bytes:
    """Check the header; return the payload's hex digits with the line breaks removed."""
    lines = [line.strip() for line in vaulttext.splitlines()]
    lines = [line for line in lines if line]
    if not lines or not lines[0].startswith(HEADER + ";"):
        raise VaultError(f"not an Ansible Vault value: it must start with '{HEADER};'")

    fields = [field.strip() for field in lines[0].split(";")]
    version = fields[1]
    if version == "1.1":
        if len(fields) != 3:
            raise VaultError(
                f"bad vault header: version 1.1 has 3 ';'-separated fields, found {len(fields)}"
            )
    elif version == "1.2":
        if len(fields) != 4:
            raise VaultError(
                f"bad vault header: version 1.2 has 4 ';'-separated fields, found {len(fields)}"
            )
        if not fields[3]:
            raise VaultError("bad vault header: version 1.2 needs a vault id")
    else:
        raise VaultError(f"bad vault header: unsupported format version {version[:10]!r}")
    cipher_name = fields[2]
    if cipher_name != CIPHER:
        raise VaultError(
            f"unsupported vault cipher {cipher_name[:20]!r}: only {CIPHER} is supported"
        )

    if len(lines) == 1:
        raise VaultError("vault value has a header but no payload")
    try:
        return "".join(lines[1:]).encode("ascii")
    except UnicodeEncodeError:
        raise VaultError("vault payload contains a non-hexadecimal character") from None


def _parse_payload(payload: bytes) -> tuple[bytes, bytes, bytes]:
    """Split the payload into salt, HMAC and ciphertext."""
    inner = _unhexlify(payload, "vault payload")
    parts = inner.split(b"\n")
    if len(parts) != 3:
        raise VaultError(
            f"bad vault payload: expected 3 parts (salt, HMAC, ciphertext), found {len(parts)}"
        )
    salt = _unhexlify(parts[0], "vault salt")
    expected_hmac = _unhexlify(parts[1], "vault HMAC")
    ciphertext = _unhexlify(parts[2], "vault ciphertext")
    if not salt:
        raise VaultError("bad vault payload: the salt is empty")
    if len(expected_hmac) != _HMAC_BYTES:
        raise VaultError(
            f"bad vault payload: the HMAC has {len(expected_hmac)} bytes, expected {_HMAC_BYTES}"
        )
    if not ciphertext or len(ciphertext) % (_AES_BLOCK_BITS // 8):
        raise VaultError(
            "bad vault payload: the ciphertext is not a whole number of 16-byte blocks"
        )
    return salt, expected_hmac, ciphertext


def _unhexlify(data: bytes, what: str) -> bytes:
    if len(data) % 2:
        raise VaultError(f"bad {what}: odd number of hex digits")
    try:
        return binascii.unhexlify(data)
    except binascii.Error:
        raise VaultError(f"bad {what}: contains a non-hexadecimal character") from None


def _derive_keys(password: bytes, salt: bytes) -> tuple[bytes, bytes, bytes]:
    """Return (AES key, HMAC key, CTR counter start), as Ansible derives them."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(),
        length=2 * _KEY_BYTES + _IV_BYTES,
        salt=salt,
        iterations=_PBKDF2_ITERATIONS,
    )
    derived = kdf.derive(password)
    return (
        derived[:_KEY_BYTES],
        derived[_KEY_BYTES : 2 * _KEY_BYTES],
        derived[2 * _KEY_BYTES :],
    )
