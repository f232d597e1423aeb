"""The output directory's own files: the lock (one apply at a time) and the manifest's name."""

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
        fd = os.open(
            output_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
    except OSError as exc:
        reason = (
            "it is not a directory" if exc.errno in (errno.ENOTDIR, errno.EEXIST) else exc.strerror
        )
        raise OperationError(
            f"cannot use the output directory {output_dir}: {reason} (settings.output_dir "
            "names it; it must be a directory this user can write)"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OperationError(
                    f"another apply is running on {output_dir} (lock {output_dir / LOCK} is "
                    "held); try again when it has finished"
                ) from None
            raise
        yield
    finally:
        os.close(fd)
