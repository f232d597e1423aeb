"""The desired state: the files apply should leave in the output directory, and the items
that could not be rendered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import Item

SECRET_MODE = 0o600
PUBLIC_MODE = 0o644


@dataclass(frozen=True, slots=True)  # one per file: 100,000 of them in large playbooks
class DesiredFile:
    path: str  # relative to the output directory, POSIX separators
    # the content, or where `make` is set, what make() needs (packed bytes, or nothing);
    # may hold secrets: never in a repr
    held: bytes = field(repr=False)
    mode: int
    item: Item
    # JSON keys holding secrets, masked in diffs; "*": the whole file is secret
    secret_keys: frozenset[str] = frozenset()
    deliver: tuple[str, ...] | None = None
    # set: the content is not held as it is; make() makes it (for a plan that needs it
    # only to compare with a file there: status, plan without a diff) or unpacks `held`
    # (a plan holds a large one compressed until apply writes it)
    make: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def content(self) -> bytes:
        """The content: made, or unpacked, where it is not held as it is."""
        return self.held if self.make is None else self.make()


@dataclass(frozen=True)
class Failure:
    """An item that could not be made (a secret that does not resolve, a template that
    fails), and why."""

    item: Item
    message: str
