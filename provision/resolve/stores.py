"""A client secret's store: where `provision rotate-secret` can keep a new value.
`{file: path}`, an inline `!vault |` value, and `{command: [...], store: [...]}` can be
written (apply/secret_store.py writes them); `{env: NAME}` and plain values cannot, and
are refused before anything is created."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import DocPath, InputError
from ..load import Playbook
from ..model import Client
from ..secret import SecretRef

StoreKind = Literal["file", "vault", "command"]
WRITABLE = (
    "{file: path} (rewritten, 0600), an inline !vault value (re-encrypted in place), or "
    "{command: [...], store: [argv...]} (the store command gets the new secret on stdin)"
)


@dataclass(frozen=True)
class Store:
    """A client's secret store: what kind, and where."""

    kind: StoreKind
    ref: SecretRef
    base_dir: Path
    playbook_file: Path  # the file that defines the client
    where: DocPath  # the client's path in that file
    store_argv: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        if self.kind == "file":
            return f"file {self.ref.source} (rewritten, mode 0600)"
        if self.kind == "vault":
            return (
                f"the !vault value of {'.'.join(map(str, self.ref.where))} in {self.playbook_file}"
            )
        return f"the store command `{' '.join(self.store_argv)}` (the secret on stdin)"


def store_of(client: Client, playbook: Playbook) -> Store:
    """The client secret's store; InputError (exit 2) when it cannot be written."""
    ref = client.client_secret
    where: DocPath = ("clients", client.name)
    index = playbook.origins.get(("clients", client.name), 0)
    source = Path(playbook.sources[index].file) if playbook.sources else playbook.path
    location = playbook.locate(where + ("client_secret",)) if ref is not None else None
    at = f"{location}: " if location is not None else ""
    if ref is None:
        raise InputError(f"client '{client.name}' has no client_secret to rotate")
    if ref.kind == "file":
        return Store("file", ref, playbook.base_dir, source, where)
    if ref.kind == "vault":
        return Store("vault", ref, playbook.base_dir, source, where)
    if ref.kind == "command" and ref.store:
        return Store("command", ref, playbook.base_dir, source, where, ref.store)
    what = {"env": f"environment variable {ref.source}", "plain": "a plain value"}.get(
        ref.kind, "a command without `store`" if ref.kind == "command" else ref.describe()
    )
    raise InputError(
        f"{at}client '{client.name}': its client_secret is {what}, which provision cannot "
        f"write a new secret to; nothing was created. Writable forms: {WRITABLE}"
    )
