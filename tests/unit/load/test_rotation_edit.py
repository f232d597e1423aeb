"""In-place playbook edits for rotate-secret: a `!vault |` block and a date replaced at
their YAML node's characters, every other byte (comments, quotes, CR LF, a BOM) kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.load.edit import EditError, PlaybookText, replace_scalar, replace_vault_block

NEW_VAULT = "$ANSIBLE_VAULT;1.2;AES256;acme\n616263\n646566\n"
PATH = ("clients", "acme", "client_secret")
EXPIRES = ("clients", "acme", "client_secret_expires")


def _doc(tmp_path: Path, text: str, *, bom: bool = False) -> PlaybookText:
    path = tmp_path / "playbook.yaml"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    path.chmod(0o640)
    return PlaybookText.read(path)


def _both(doc: PlaybookText) -> bytes:
    vault = doc.node(PATH)
    expires = doc.node(EXPIRES)
    assert vault is not None and expires is not None
    return doc.edited(
        [
            replace_vault_block(doc, vault, NEW_VAULT, "w"),
            replace_scalar(doc, expires, "2028-11-30", "w"),
        ]
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_vault_block_and_date_replaced_other_bytes_kept(
    tmp_path: Path, newline: str, bom: bool
) -> None:
    lines = [
        "# a comment that stays",
        "clients:",
        "  acme:",
        "    client_secret: !vault |",
        "        $ANSIBLE_VAULT;1.1;AES256",
        "        313233",
        "",
        "    client_secret_expires: 2027-01-15   # kept",
        "    tenant: 'acme.com'",
        "",
    ]
    doc = _doc(tmp_path, newline.join(lines), bom=bom)
    expected = list(lines)
    expected[4:6] = ["        $ANSIBLE_VAULT;1.2;AES256;acme", "        616263", "        646566"]
    expected[8] = "    client_secret_expires: 2028-11-30   # kept"
    assert _both(doc) == ("\ufeff" if bom else "").encode() + newline.join(expected).encode()


def test_quoted_date_stays_quoted_and_flow_mappings_work(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "clients:\n  acme: {client_secret_expires: '2027-01-15', x: 1}\n")
    node = doc.node(EXPIRES)
    assert node is not None
    edited = doc.edited([replace_scalar(doc, node, "2028-11-30", "w")])
    assert edited == b"clients:\n  acme: {client_secret_expires: '2028-11-30', x: 1}\n"


def test_write_keeps_the_mode_and_follows_a_link(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "clients:\n  acme:\n    client_secret_expires: 2027-01-15\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(doc.path)
    via_link = PlaybookText.read(link)
    node = via_link.node(EXPIRES)
    assert node is not None
    via_link.write([replace_scalar(via_link, node, "2028-11-30", "w")])
    assert link.is_symlink()
    assert b"2028-11-30" in doc.path.read_bytes()
    assert doc.path.stat().st_mode & 0o777 == 0o640


def test_missing_value_is_none(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "clients:\n  acme:\n    tenant: x\n")
    assert doc.node(EXPIRES) is None


def test_shared_and_merged_values_are_refused(tmp_path: Path) -> None:
    shared = _doc(
        tmp_path,
        "x: &d 2027-01-15\nclients:\n  acme:\n    client_secret_expires: *d\n",
    )
    with pytest.raises(EditError, match="anchor"):
        shared.node(EXPIRES)
    merged = _doc(
        tmp_path,
        "base: &b {client_secret_expires: 2027-01-15}\nclients:\n  acme:\n    <<: *b\n",
    )
    with pytest.raises(EditError, match="merge key"):
        merged.node(EXPIRES)


def test_not_a_vault_block_or_a_plain_value_is_refused(tmp_path: Path) -> None:
    doc = _doc(
        tmp_path,
        "clients:\n  acme:\n    client_secret: {file: s}\n    client_secret_expires: |\n      x\n",
    )
    secret, expires = doc.node(PATH), doc.node(EXPIRES)
    assert secret is not None and expires is not None
    with pytest.raises(EditError, match="not an inline `!vault |` value"):
        replace_vault_block(doc, secret, NEW_VAULT, "here")
    with pytest.raises(EditError, match="not a plain or quoted value"):
        replace_scalar(doc, expires, "2028-11-30", "here")
