"""Tests for provision.vault, against values made by the real ansible-vault.

The files under tests/data/vault/ were made once with ansible-core (see the
README there); these tests only read them.
"""

from __future__ import annotations

import binascii
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from provision import vault
from provision.vault import (
    VaultError,
    decrypt,
    encrypt,
    encrypt_string_yaml,
    is_vault,
    read_vault_password,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "vault"
PASSWORD = b"example-vault-password-DO-NOT-USE"
EXPECTED: dict[str, Any] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
YAML_FILES = ["ansible-1.1.yaml", "ansible-1.2-prod.yaml", "made-by-provision.yaml"]
WHOLE_FILE = "ansible-whole-file-1.2-prod.vault"


class _VaultTagLoader(yaml.SafeLoader):
    """Reads `!vault |` values as their vault text, as the playbook loader must."""


_VaultTagLoader.add_constructor(
    "!vault",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def load_vault_yaml(name: str) -> dict[str, str]:
    loaded = yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=_VaultTagLoader)
    assert isinstance(loaded, dict)
    return loaded


def ansible_values() -> Iterator[tuple[str, str, str, str]]:
    """(file, key, vault text, expected plaintext) for every value in the YAML test data."""
    for file_name in YAML_FILES:
        values = load_vault_yaml(file_name)
        assert values.keys() == EXPECTED[file_name].keys()
        for key, vaulttext in values.items():
            yield file_name, key, vaulttext, EXPECTED[file_name][key]


ALL_VALUES = list(ansible_values())
ANSIBLE_11 = load_vault_yaml("ansible-1.1.yaml")
ANSIBLE_12 = load_vault_yaml("ansible-1.2-prod.yaml")


def payload_parts(vaulttext: str) -> list[bytes]:
    """The salt, HMAC and ciphertext hex lines inside a vault text's payload."""
    payload = "".join(line.strip() for line in vaulttext.splitlines()[1:])
    return binascii.unhexlify(payload).split(b"\n")


def with_payload_parts(vaulttext: str, parts: list[bytes]) -> str:
    """`vaulttext` with its payload rebuilt from `parts`, wrapped as ansible-vault does."""
    payload = binascii.hexlify(b"\n".join(parts)).decode("ascii")
    lines = [vaulttext.splitlines()[0]] + [payload[i : i + 80] for i in range(0, len(payload), 80)]
    return "\n".join(lines) + "\n"


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# --- decrypting what ansible-vault wrote -------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "key", "vaulttext", "plaintext"),
    ALL_VALUES,
    ids=[f"{file_name}:{key}" for file_name, key, _, _ in ALL_VALUES],
)
def test_decrypts_every_value_in_the_test_data(
    file_name: str, key: str, vaulttext: str, plaintext: str
) -> None:
    assert is_vault(vaulttext)
    assert decrypt(vaulttext, PASSWORD) == plaintext.encode("utf-8")


def test_decrypts_a_whole_file_made_by_ansible_vault_encrypt() -> None:
    vaulttext = (DATA / WHOLE_FILE).read_text(encoding="ascii")
    assert vaulttext.startswith("$ANSIBLE_VAULT;1.2;AES256;prod\n")
    assert decrypt(vaulttext, PASSWORD) == EXPECTED[WHOLE_FILE].encode("utf-8")


def test_reads_the_committed_password_file() -> None:
    assert read_vault_password(DATA / "password.txt") == PASSWORD


# --- writing exactly what ansible-vault writes -------------------------------------------


@pytest.mark.parametrize(
    ("values", "key", "vault_id"),
    [
        (ANSIBLE_11, "client_secret", None),
        (ANSIBLE_11, "multi_line", None),
        (ANSIBLE_12, "prod_non_ascii", "prod"),
    ],
    ids=["1.1-client_secret", "1.1-multi_line", "1.2-prod_non_ascii"],
)
def test_encrypt_with_ansibles_salt_gives_ansibles_vault_text(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], key: str, vault_id: str | None
) -> None:
    ansible_text = values[key]
    salt = binascii.unhexlify(payload_parts(ansible_text)[0])
    monkeypatch.setattr(vault, "_new_salt", lambda: salt)
    plaintext = decrypt(ansible_text, PASSWORD)
    assert encrypt(plaintext, PASSWORD, vault_id=vault_id) == ansible_text


def test_encrypt_string_yaml_prints_what_ansible_vault_encrypt_string_prints() -> None:
    ansible_output = (DATA / "ansible-1.1.yaml").read_text(encoding="utf-8")
    for name, vaulttext in ANSIBLE_11.items():
        assert encrypt_string_yaml(name, vaulttext) in ansible_output
    block = encrypt_string_yaml("client_secret", ANSIBLE_11["client_secret"])
    assert block.startswith("client_secret: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n")
    assert block.endswith("\n")


def test_encrypt_layout() -> None:
    text = encrypt(b"x" * 200, PASSWORD)
    lines = text.split("\n")
    assert lines[0] == "$ANSIBLE_VAULT;1.1;AES256"
    assert lines[-1] == ""  # newline-terminated, like ansible-vault's files
    assert all(len(line) == 80 for line in lines[1:-2])
    assert 0 < len(lines[-2]) <= 80
    assert set("".join(lines[1:])) <= set("0123456789abcdef")


def test_encrypt_with_vault_id_writes_a_1_2_header() -> None:
    text = encrypt(b"value", PASSWORD, vault_id="prod")
    assert text.splitlines()[0] == "$ANSIBLE_VAULT;1.2;AES256;prod"
    assert decrypt(text, PASSWORD) == b"value"


def test_encrypt_with_the_default_vault_id_writes_a_1_1_header_as_ansible_does() -> None:
    assert encrypt(b"value", PASSWORD, vault_id="default").startswith("$ANSIBLE_VAULT;1.1;AES256\n")


@pytest.mark.parametrize("vault_id", ["", "a;b", "a\nb", " prod"])
def test_encrypt_refuses_a_vault_id_that_breaks_the_header(vault_id: str) -> None:
    with pytest.raises(VaultError, match="invalid vault id"):
        encrypt(b"value", PASSWORD, vault_id=vault_id)


def test_encrypt_uses_a_fresh_salt_each_time() -> None:
    assert encrypt(b"same", PASSWORD) != encrypt(b"same", PASSWORD)


@settings(max_examples=20, deadline=None)
@given(
    plaintext=st.binary(max_size=300),
    password=st.binary(min_size=1, max_size=64),
    vault_id=st.none() | st.from_regex(r"[A-Za-z0-9_.@-]{1,12}", fullmatch=True),
)
def test_round_trip(plaintext: bytes, password: bytes, vault_id: str | None) -> None:
    text = encrypt(plaintext, password, vault_id=vault_id)
    assert is_vault(text)
    assert decrypt(text, password) == plaintext


def test_empty_plaintext_round_trips() -> None:
    assert decrypt(encrypt(b"", PASSWORD), PASSWORD) == b""


# --- wrong password, tampering, malformed input ------------------------------------------


def test_wrong_password() -> None:
    with pytest.raises(VaultError) as caught:
        decrypt(ANSIBLE_11["client_secret"], b"not-the-password")
    assert str(caught.value) == "wrong vault password (HMAC mismatch)"


@pytest.mark.parametrize("part", [0, 1, 2], ids=["salt", "hmac", "ciphertext"])
def test_tampered_payload_is_detected(part: int) -> None:
    original = ANSIBLE_11["multi_line"]
    parts = payload_parts(original)
    last = parts[part][-1:]
    parts[part] = parts[part][:-1] + (b"1" if last == b"0" else b"0")
    tampered = with_payload_parts(original, parts)
    with pytest.raises(VaultError, match=r"HMAC mismatch"):
        decrypt(tampered, PASSWORD)


def test_vault_id_is_not_authenticated_as_in_ansible() -> None:
    # Ansible's vault id only picks a password; changing it leaves a valid value.
    relabelled = ANSIBLE_12["prod_secret"].replace(";prod\n", ";staging\n", 1)
    expected = EXPECTED["ansible-1.2-prod.yaml"]["prod_secret"]
    assert decrypt(relabelled, PASSWORD) == expected.encode("utf-8")


GOOD = ANSIBLE_11["client_secret"]
GOOD_PAYLOAD = "".join(GOOD.splitlines()[1:])
GOOD_PARTS = payload_parts(GOOD)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not an Ansible Vault value"),
        ("just some text\n", "not an Ansible Vault value"),
        ("$ANSIBLE_VAULT\n" + GOOD_PAYLOAD, "not an Ansible Vault value"),
        ("$ANSIBLE_VAULT;1.1;AES256\n", "header but no payload"),
        ("$ANSIBLE_VAULT;1.1\n" + GOOD_PAYLOAD, "version 1.1 has 3"),
        ("$ANSIBLE_VAULT;1.1;AES256;prod\n" + GOOD_PAYLOAD, "version 1.1 has 3"),
        ("$ANSIBLE_VAULT;1.2;AES256\n" + GOOD_PAYLOAD, "version 1.2 has 4"),
        ("$ANSIBLE_VAULT;1.2;AES256;\n" + GOOD_PAYLOAD, "needs a vault id"),
        ("$ANSIBLE_VAULT;1.0;AES\n" + GOOD_PAYLOAD, "unsupported format version '1.0'"),
        ("$ANSIBLE_VAULT;1.1;AES128\n" + GOOD_PAYLOAD, "unsupported vault cipher 'AES128'"),
        ("$ANSIBLE_VAULT;1.1;AES256\n" + GOOD_PAYLOAD[:-1], "odd number of hex digits"),
        ("$ANSIBLE_VAULT;1.1;AES256\n" + GOOD_PAYLOAD[:-2] + "zz", "non-hexadecimal"),
        ("$ANSIBLE_VAULT;1.1;AES256\n" + GOOD_PAYLOAD[:-2] + "é0", "non-hexadecimal"),
        (with_payload_parts(GOOD, GOOD_PARTS[:2]), "expected 3 parts"),
        (with_payload_parts(GOOD, [*GOOD_PARTS, b"00"]), "expected 3 parts"),
        (with_payload_parts(GOOD, [GOOD_PARTS[0], b"abc", GOOD_PARTS[2]]), "bad vault HMAC"),
        (with_payload_parts(GOOD, [GOOD_PARTS[0], b"00", GOOD_PARTS[2]]), "HMAC has 1 bytes"),
        (with_payload_parts(GOOD, [b"", *GOOD_PARTS[1:]]), "salt is empty"),
        (with_payload_parts(GOOD, [*GOOD_PARTS[:2], GOOD_PARTS[2][:-2]]), "16-byte blocks"),
        (with_payload_parts(GOOD, [*GOOD_PARTS[:2], b"xy"]), "bad vault ciphertext"),
    ],
    ids=[
        "empty",
        "not-vault",
        "header-without-fields",
        "header-only",
        "too-few-fields",
        "1.1-with-id",
        "1.2-without-id-field",
        "1.2-empty-id",
        "old-version",
        "other-cipher",
        "odd-hex",
        "non-hex",
        "non-ascii",
        "two-parts",
        "four-parts",
        "hmac-not-hex",
        "short-hmac",
        "empty-salt",
        "partial-block",
        "ciphertext-not-hex",
    ],
)
def test_malformed_input_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(VaultError, match=message):
        decrypt(text, PASSWORD)


@pytest.mark.parametrize("password", [b"", "a str password"])
def test_decrypt_needs_a_non_empty_bytes_password(password: Any) -> None:
    with pytest.raises(VaultError, match="vault password"):
        decrypt(GOOD, password)


# --- whitespace as it appears in YAML and on Windows -------------------------------------


@pytest.mark.parametrize(
    "reshape",
    [
        lambda text: "".join("          " + line + "\n" for line in text.splitlines()),
        lambda text: "\r\n".join(text.splitlines()) + "\r\n",
        lambda text: "\n\n" + "".join("\t  " + line + "  \r\n" for line in text.splitlines()),
        lambda text: text.rstrip("\n"),
    ],
    ids=["indented", "crlf", "tabs-trailing-space-crlf-leading-blank-lines", "no-final-newline"],
)
def test_indentation_and_line_ends_are_tolerated(reshape: Any) -> None:
    for vaulttext, plaintext in [
        (ANSIBLE_11["non_ascii"], EXPECTED["ansible-1.1.yaml"]["non_ascii"]),
        (ANSIBLE_12["prod_multi_line"], EXPECTED["ansible-1.2-prod.yaml"]["prod_multi_line"]),
    ]:
        reshaped = reshape(vaulttext)
        assert is_vault(reshaped)
        assert decrypt(reshaped, PASSWORD) == plaintext.encode("utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$ANSIBLE_VAULT;1.1;AES256\n00\n", True),
        ("   \n  $ANSIBLE_VAULT;1.2;AES256;prod\r\n", True),
        ("$ANSIBLE_VAULT", False),
        ("plain secret", False),
        ("", False),
        ("x $ANSIBLE_VAULT;1.1;AES256", False),
    ],
)
def test_is_vault(text: str, expected: bool) -> None:
    assert is_vault(text) is expected


# --- vault password files and scripts ----------------------------------------------------


def test_password_file_is_read_and_stripped(tmp_path: Path) -> None:
    path = tmp_path / "vault-pass"
    path.write_bytes(b"  s3cret pass\r\n\n")
    assert read_vault_password(path) == b"s3cret pass"
    assert read_vault_password(str(path)) == b"s3cret pass"


def test_executable_password_file_is_run_and_its_output_used(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    # `$#` shows the script gets no arguments; the space in its name, that no shell parses it.
    script = write_script(
        tmp_path / "vault pass.sh", f'touch "{marker}"\nprintf "  from-script %s \\n" "$#"'
    )
    assert read_vault_password(script) == b"from-script 0"
    assert marker.exists()


def test_script_given_by_a_relative_path_is_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_script(tmp_path / "get-pass", "echo relative")
    monkeypatch.chdir(tmp_path)
    assert read_vault_password("get-pass") == b"relative"


def test_failing_script_is_an_error_naming_the_path(tmp_path: Path) -> None:
    script = write_script(tmp_path / "failing.sh", "echo almost-the-password\nexit 3")
    with pytest.raises(VaultError) as caught:
        read_vault_password(script)
    message = str(caught.value)
    assert str(script) in message
    assert "exited with status 3" in message
    assert "almost-the-password" not in message


def test_script_that_times_out_is_an_error_naming_the_path(tmp_path: Path) -> None:
    script = write_script(tmp_path / "slow.sh", "exec sleep 30")
    started = time.monotonic()
    with pytest.raises(VaultError, match="did not finish within 0.5 s") as caught:
        read_vault_password(script, timeout=0.5)
    assert time.monotonic() - started < 10
    assert str(script) in str(caught.value)


def test_executable_that_cannot_run_is_an_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "not-a-script"
    path.write_bytes(b"\x00\x01binary garbage")
    path.chmod(0o755)
    with pytest.raises(VaultError, match="remove its executable bit") as caught:
        read_vault_password(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t"])
def test_empty_password_file_is_an_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty"
    path.write_bytes(content)
    with pytest.raises(VaultError, match="is empty") as caught:
        read_vault_password(path)
    assert str(path) in str(caught.value)


def test_script_printing_an_empty_password_is_an_error(tmp_path: Path) -> None:
    script = write_script(tmp_path / "blank.sh", "echo '   '")
    with pytest.raises(VaultError, match="printed an empty password") as caught:
        read_vault_password(script)
    assert str(script) in str(caught.value)


def test_missing_password_file_is_an_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope"
    with pytest.raises(VaultError, match="was not found") as caught:
        read_vault_password(path)
    assert str(path) in str(caught.value)


def test_directory_is_not_a_password_file(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="is a directory"):
        read_vault_password(tmp_path)


def test_unreadable_password_file_is_an_error_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked"
    path.write_bytes(b"secret")

    real_open = os.open

    def refuse(name: object, *args: int) -> int:
        if name == path:
            raise PermissionError(13, "Permission denied")
        return real_open(name, *args)  # type: ignore[arg-type]

    # chmod 0 would not stop root, who runs CI, so the refusal is simulated.
    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(VaultError, match="cannot read vault password file .*Permission denied"):
        read_vault_password(path)


# --- no secret in any message ------------------------------------------------------------


def test_no_vault_error_message_contains_the_password_or_the_plaintext(tmp_path: Path) -> None:
    password = b"hunter2-very-secret-password"
    plaintext = b"the-plaintext-nobody-may-see"
    vaulttext = encrypt(plaintext, password, vault_id="prod")
    parts = payload_parts(vaulttext)
    failures: list[Any] = [
        lambda: decrypt(vaulttext, b"wrong-" + password),
        lambda: decrypt(vaulttext, password + b"x"),
        lambda: decrypt(
            with_payload_parts(vaulttext, [*parts[:2], parts[2][:-2] + b"00"]), password
        ),
        lambda: decrypt(vaulttext.replace("AES256", "AES1"), password),
        lambda: decrypt(plaintext.decode(), password),
        lambda: decrypt("$ANSIBLE_VAULT;1.1;AES256\n" + plaintext.hex()[:-1], password),
        lambda: read_vault_password(
            write_script(tmp_path / "fails.sh", f"echo {password.decode()}\nexit 1")
        ),
        lambda: read_vault_password(
            write_script(tmp_path / "slow.sh", f"echo {password.decode()}\nexec sleep 30"),
            timeout=0.5,
        ),
    ]
    for failure in failures:
        with pytest.raises(VaultError) as caught:
            failure()
        shown = f"{caught.value} {caught.value!r} {caught.value.args!r}"
        for secret in (password, plaintext):
            assert secret.decode() not in shown
            assert secret.hex() not in shown
        # No chained exception drags the input into a traceback either.
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None or caught.value.__suppress_context__
