"""What apply did, item by item, and the Ansible-style recap of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..model import Item

Status = Literal["ok", "changed", "failed", "skipped"]
CLIENTS_HOST = "(clients)"
SHEETS_HOST = "(sheets)"
SEVERITY: dict[Status, int] = {"ok": 0, "skipped": 1, "changed": 2, "failed": 3}


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What apply did to one file or registration of an item; never holds a secret."""

    item: Item
    status: Status
    path: str | None = None
    action: str | None = None
    message: str | None = None
    hint: str | None = None  # what to do about a failure

    @property
    def host(self) -> str:
        """The recap line this result counts on."""
        if self.item.kind == "client":
            return CLIENTS_HOST
        if self.item.kind == "sheet":
            return SHEETS_HOST
        return self.item.name

    def as_json(self) -> dict[str, object]:
        return {
            "item": str(self.item),
            "site": self.item.site,
            "status": self.status,
            "path": self.path,
            "action": self.action,
            "message": self.message,
            **({"hint": self.hint} if self.hint else {}),
        }


def recap(results: Sequence[ItemResult]) -> dict[str, dict[str, int]]:
    """Per site (clients and sheets last): ok, changed, failed, skipped, as Ansible
    counts tasks (a changed one is also ok). A task is an item with all its files."""
    tasks: dict[tuple[str, Item], Status] = {}
    for result in results:
        key = (result.host, result.item.task)
        before = tasks.get(key, "ok")
        tasks[key] = max(before, result.status, key=SEVERITY.__getitem__)
    counts: dict[str, Counter[str]] = {}
    for (host, _), status in tasks.items():
        counter = counts.setdefault(host, Counter())
        if status in ("ok", "changed"):
            counter["ok"] += 1
        if status != "ok":
            counter[status] += 1
    hosts = sorted(counts, key=lambda h: (h in (CLIENTS_HOST, SHEETS_HOST), h))
    keys = ("ok", "changed", "failed", "skipped")
    return {h: {k: counts[h][k] for k in keys} for h in hosts}
