"""Unified diffs of planned file changes, every secret value masked."""

from __future__ import annotations

import difflib

from ..desired.app_config import mask_app_json
from .files import FileChange


def diff(change: FileChange) -> str:
    """A unified diff with every secret value masked."""
    desired = change.desired
    if change.action == "delete":
        return f"--- {change.path}\n+++ /dev/null\n(file removed)\n"
    assert desired is not None
    if "*" in desired.secret_keys:
        return f"--- {change.path}\n+++ {change.path}\n(holds secrets: diff not shown)\n"
    old = change.old or b""
    new = desired.content
    if desired.secret_keys:
        masked_new = mask_app_json(new, desired.secret_keys)
        masked_old = mask_app_json(old, desired.secret_keys) if old else b""
        if masked_new is None or masked_old is None:
            return f"--- {change.path}\n+++ {change.path}\n(holds secrets: diff not shown)\n"
        old, new = masked_old, masked_new
    if old == new:
        return f"--- {change.path}\n+++ {change.path}\n(a secret value or the file mode changed)\n"
    lines = difflib.unified_diff(
        old.decode("utf-8", "replace").splitlines(keepends=True),
        new.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile="/dev/null" if change.action == "create" else change.path,
        tofile=change.path,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
