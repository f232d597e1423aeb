"""Locks held while provision works (one apply on an output directory, one rotation of a
client), and the output directory's own file names."""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import OperationError
from .tree import make_dirs

LOCK = ".provision.lock"
MANIFEST = ".provision-manifest.json"  # what plan/manifest.py reads and apply writes


@contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Hold the output directory's lock; a second holder fails at once. An output directory
    that cannot be made or used is an OperationError saying why."""
    try:
        make_dirs(output_dir)
        fd = _open(output_dir / LOCK)
    except OSError as exc:
        reason = (
            "it is not a directory" if exc.errno in (errno.ENOTDIR, errno.EEXIST) else exc.strerror
        )
        raise OperationError(
            f"cannot use the output directory {output_dir}: {reason} (settings.output_dir "
            "names it; it must be a directory this user can write)"
        ) from None
    with _held(fd, f"another apply is running on {output_dir} (lock {output_dir / LOCK} is held)"):
        yield


@contextmanager
def exclusive(path: Path, busy: str) -> Iterator[None]:
    """Hold the lock file `path` (made with its folder, 0600); while another process holds
    it an OperationError says `busy` and to try again."""
    make_dirs(path.parent)
    with _held(_open(path), f"{busy} (lock {path})"):
        yield


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


@contextmanager
def _held(fd: int, busy: str) -> Iterator[None]:
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OperationError(f"{busy}; try again when it has finished") from None
            raise
        yield
    finally:
        os.close(fd)
