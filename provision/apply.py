"""Apply a plan: write files atomically, prune, deliver; one result per item."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .desired import DesiredState
from .files import (
    Write,
    output_lock,
    remove_files,
    remove_stale_temporaries,
    write_atomically,
    write_file,
)
from .plan import (
    CREATE,
    DELETE,
    MANIFEST,
    UNCHANGED,
    UPDATE,
    Change,
    ManifestEntry,
    manifest_bytes,
    read_manifest,
)

OK, CHANGED, FAILED, SKIPPED = "ok", "changed", "failed", "skipped"
CLIENTS_HOST = "(clients)"
SHEETS_HOST = "(sheets)"
DELIVER_TIMEOUT = 300.0


@dataclass(frozen=True)
class ItemResult:
    item: str
    site: str | None
    status: str
    path: str | None = None
    action: str | None = None
    message: str | None = None
    hint: str | None = None  # what to do about a failure

    @property
    def task(self) -> str:
        """The unit the recap counts: an app with all its files, a client, a sheet."""
        return self.item.split(" output ", 1)[0]

    @property
    def host(self) -> str:
        """The recap line this result counts on."""
        if self.item.startswith("client:"):
            return CLIENTS_HOST
        if self.item.startswith("sheet:"):
            return SHEETS_HOST
        return self.site if self.site is not None else CLIENTS_HOST

    def as_json(self) -> dict[str, object]:
        return {
            "item": self.item,
            "site": self.site,
            "status": self.status,
            "path": self.path,
            "action": self.action,
            "message": self.message,
            **({"hint": self.hint} if self.hint else {}),
        }


SEVERITY = {OK: 0, SKIPPED: 1, CHANGED: 2, FAILED: 3}


def recap(results: Sequence[ItemResult]) -> dict[str, dict[str, int]]:
    """Per site (clients and sheets last): ok, changed, failed, skipped, as Ansible
    counts tasks (a changed one is also ok). A task is an app with all its files."""
    tasks: dict[tuple[str, str], str] = {}
    for result in results:
        key = (result.host, result.task)
        before = tasks.get(key, OK)
        tasks[key] = max(before, result.status, key=SEVERITY.__getitem__)
    counts: dict[str, Counter[str]] = {}
    for (host, _), status in tasks.items():
        counter = counts.setdefault(host, Counter())
        if status in (OK, CHANGED):
            counter[OK] += 1
        if status != OK:
            counter[status] += 1
    hosts = sorted(counts, key=lambda h: (h in (CLIENTS_HOST, SHEETS_HOST), h))
    return {h: {k: counts[h][k] for k in (OK, CHANGED, FAILED, SKIPPED)} for h in hosts}


def apply_changes(
    changes: Sequence[Change],
    state: DesiredState,
    output_dir: Path,
    *,
    check: bool = False,
    base_dir: Path | None = None,
) -> list[ItemResult]:
    """Write, prune and deliver; deliver commands run in `base_dir` (the playbook's
    directory), so a relative command path means the same wherever apply starts."""
    results = [ItemResult(f.item, f.site, FAILED, message=f.message) for f in state.failures]
    if check:
        return results + [
            ItemResult(c.item, c.site, CHANGED if c.pending else OK, c.path, c.action)
            for c in changes
        ]
    pending = [c for c in changes if c.pending]
    with output_lock(output_dir):
        writes = [c for c in pending if c.action in (CREATE, UPDATE)]
        remove_stale_temporaries(sorted({(output_dir / c.path).parent for c in writes}))
        failed = {
            failure.path: failure.message
            for failure in write_atomically(
                [
                    Write(output_dir / c.path, c.desired.content, c.desired.mode)
                    for c in writes
                    if c.desired is not None
                ]
            )
        }
        deletes = [c for c in pending if c.action == DELETE]
        failed.update(
            (f.path, f.message) for f in remove_files([output_dir / c.path for c in deletes])
        )
        undelivered: set[str] = set()
        for change in changes:
            message = failed.get(output_dir / change.path)
            if message is not None:
                results.append(ItemResult(change.item, change.site, FAILED, change.path,
                                          change.action, message))
            elif change.action == UNCHANGED:
                results.append(ItemResult(change.item, change.site, OK, change.path, UNCHANGED))
            else:
                message = _deliver(change, output_dir, base_dir)
                if message is not None:
                    undelivered.add(change.path)
                results.append(
                    ItemResult(change.item, change.site, FAILED if message else CHANGED,
                               change.path, change.action, message)
                )
        _update_manifest(output_dir, changes, failed, undelivered)
    return results


def _update_manifest(
    output_dir: Path, changes: Sequence[Change], failed: dict[Path, str], undelivered: set[str]
) -> None:
    before = read_manifest(output_dir)
    if not failed and not undelivered and all(
        change.action == UNCHANGED and change.path in before for change in changes
    ):
        return  # the usual no-change run: nothing to record
    after = dict(before)
    for change in changes:
        if output_dir / change.path in failed:
            continue
        if change.action == DELETE:
            after.pop(change.path, None)
        else:
            after[change.path] = ManifestEntry(
                change.item, change.site, change.path in undelivered
            )
    if after != before:
        write_file(output_dir / MANIFEST, manifest_bytes(after), 0o600)


def _deliver(change: Change, output_dir: Path, cwd: Path | None) -> str | None:
    """Run the output's deliver command for a changed file; a message when it failed."""
    desired = change.desired
    if desired is None or not desired.deliver:
        return None
    task = desired.item.split(" output ", 1)[0]  # `acme/pbx output xml` is acme/pbx's
    app = task.split("/", 1)[1] if "/" in task else ""
    client = task.split(":", 1)[1] if task.startswith("client:") else ""
    values = {
        "path": str((output_dir / change.path).resolve()),
        "site": desired.site or "",
        "app": app,
        "client": client,
        "item": desired.item,
    }
    argv = [_fill(arg, values) for arg in desired.deliver]
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=DELIVER_TIMEOUT,
            check=False, cwd=cwd,
        )
    except FileNotFoundError:
        return f"deliver command not found: {argv[0]}"
    except subprocess.TimeoutExpired:
        return f"deliver command {argv[0]} did not finish within {DELIVER_TIMEOUT:.0f} s"
    except OSError as exc:
        return f"cannot run deliver command {argv[0]}: {exc.strerror}"
    if done.returncode != 0:
        return f"deliver command {argv[0]} exited with status {done.returncode}"
    return None


def _fill(arg: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", value)
    return arg
