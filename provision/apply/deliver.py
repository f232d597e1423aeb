"""Deliver commands: after a file changed, the command its output names runs (no shell),
with `{path}`, `{site}`, `{app}`, `{client}` and `{item}` filled in."""

from __future__ import annotations

from pathlib import Path

from ..desired.state import DesiredFile
from ..process import ProcessError, run

DELIVER_TIMEOUT = 300.0


def deliver(desired: DesiredFile, output_dir: Path, cwd: Path) -> str | None:
    """Run the file's deliver command, in `cwd` (the playbook's directory, so a relative
    command means the same wherever apply starts); a message when it failed."""
    if not desired.deliver:
        return None
    item = desired.item
    values = {
        "path": str((output_dir / desired.path).resolve()),
        "site": item.site or "",
        "app": item.app or "",
        "client": item.name if item.kind == "client" else "",
        "item": str(item),
    }
    argv = [_fill(arg, values) for arg in desired.deliver]
    try:
        run(argv, what="deliver command", timeout=DELIVER_TIMEOUT, cwd=cwd)
    except ProcessError as exc:
        return str(exc)
    return None


def _fill(arg: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", value)
    return arg
