"""Reading files: bounded, regular files only, and the one JSON-file reader."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from ..errors import Location

# What a secret, key, CA, template or password file may hold; a playbook file may be larger
MAX_FILE = 1 << 20
MAX_PLAYBOOK_FILE = 256 << 20


class UnreadableFile(Exception):
    """A file cannot be read: missing, not a regular file, too large; `reason` says which."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"cannot read {path}: {reason}")
        self.reason = reason


def read_file(path: str | os.PathLike[str], limit: int = MAX_FILE) -> bytes:
    """A regular file's content, at most `limit` bytes. A device, a FIFO or a directory is
    refused (opening one never blocks), as is a file larger than the limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) else "not a valid path"
        raise UnreadableFile(path, reason or "cannot open it") from None
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFile(path, "not a regular file (a device, a FIFO, a directory?)")
        data = b"" if status.st_size > limit else file.read(limit + 1)
    if status.st_size > limit or len(data) > limit:
        raise UnreadableFile(path, f"it holds more than {limit:,} bytes, the most read")
    return data


class JsonFileError(Exception):
    """A JSON file cannot be read or parsed: the message names the file, `location` the
    line and column of a syntax error."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.location = location


def read_json(path: Path, limit: int = MAX_FILE) -> Any:
    """The parsed content of a JSON file; JsonFileError when it cannot be read or parsed."""
    try:
        text = read_file(path, limit).decode("utf-8")
    except UnreadableFile as exc:
        raise JsonFileError(str(exc)) from None
    except ValueError:  # not UTF-8
        raise JsonFileError(f"{path} is not valid JSON: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        location = Location(str(path), exc.lineno, exc.colno)
        raise JsonFileError(f"{path} is not valid JSON: {exc}", location) from None
