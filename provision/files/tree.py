"""A directory and what lies below it, reached through open directory descriptors.

Below the root no symbolic link is followed: a directory inside the output directory that
links elsewhere is refused, and one swapped in midway changes nothing (each step opens the
next name relative to the descriptor of the last, O_NOFOLLOW). The root itself is the
user's choice and may be a link. Paths are relative, POSIX, and may not climb out.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from types import TracebackType

DIR_MODE = 0o700
# Directories kept open at once; apply's writes come site by site, so few are needed.
MAX_OPEN = 64
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def make_dirs(directory: Path) -> None:
    """Create `directory` and any missing parents, each mode 0700 (os.makedirs
    applies the mode to the last one only)."""
    missing = []
    while not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass


def inside(path: str) -> bool:
    """Whether a relative path stays below the directory it is relative to: not absolute,
    no `..`, `.` or empty step, no NUL."""
    framed = f"/{path}/"  # string tests, not a split: plan asks this of every file
    return bool(path) and not (
        path[0] == "/" or "\0" in path or "//" in framed or "/./" in framed or "/../" in framed
    )


class Refused(OSError):
    """A directory on the way is a link or a file: its strerror says which, and what to do."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            errno.ELOOP,
            f"{path} {reason}; provision reads and writes only real directories below the "
            "output directory (remove it, or make it a directory)",
        )


class Tree:
    """Descriptors of the root and the directories below it that were used, opened once
    and closed on exit; `create` makes missing directories (0700) on the way."""

    def __init__(self, root: str | os.PathLike[str], *, create: bool = False) -> None:
        self.root = os.fspath(root)
        self._create = create
        self._open: dict[str, int] = {}

    def __enter__(self) -> Tree:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for fd in self._open.values():
            os.close(fd)
        self._open.clear()

    def parent(self, path: str) -> tuple[int, str]:
        """The descriptor of `path`'s directory and its last name. FileNotFoundError when a
        directory is missing (and not made), OSError naming a link or a file in the way."""
        if not inside(path):
            raise OSError(errno.EINVAL, f"{path!r} is not a path below the directory")
        directory, _, name = path.rpartition("/")
        return self.directory(directory), name

    def directory(self, path: str) -> int:
        fd = self._open.get(path)
        if fd is not None:
            return fd
        if not path:
            if self._create:
                make_dirs(Path(self.root))
            fd = os.open(self.root, _DIRECTORY & ~os.O_NOFOLLOW)
        else:
            up, _, name = path.rpartition("/")
            fd = self._child(self.directory(up), name, path)
        if len(self._open) >= MAX_OPEN:
            self.close()
        self._open[path] = fd
        return fd

    def _child(self, parent: int, name: str, path: str) -> int:
        try:
            return os.open(name, _DIRECTORY, dir_fd=parent)
        except FileNotFoundError:
            if not self._create:
                raise
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
            raise Refused(
                path, "is a symbolic link" if stat.S_ISLNK(mode) else "is not a directory"
            ) from None
        try:
            os.mkdir(name, DIR_MODE, dir_fd=parent)
        except FileExistsError:
            pass
        return self._child(parent, name, path)

    def read(self, path: str, limit: int) -> tuple[bytes, int | None] | None:
        """A file's content (at most `limit` bytes) and mode; None when it is not there.
        Something else in its place (a link, a directory, a device) reads as b"" with no
        mode: it differs from any file, and writing replaces it."""
        try:
            parent, name = self.parent(path)
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=parent)
        except FileNotFoundError:
            return None
        except Refused:
            raise
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            return b"", None  # the file itself is a link: rename replaces the link
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                return b"", None
            # its size and one byte more (one grown since differs): a read of the whole
            # limit would allocate it for every file
            wanted = min(limit, status.st_size + 1)
            chunks, size = [], 0
            while size < wanted:
                chunk = os.read(fd, wanted - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks), stat.S_IMODE(status.st_mode)
        finally:
            os.close(fd)

    def exists(self, path: str) -> bool:
        try:
            parent, name = self.parent(path)
            os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return True

    def remove(self, path: str) -> None:
        """Unlink a file (a link is removed, not followed); gone already is fine."""
        try:
            parent, name = self.parent(path)
            os.unlink(name, dir_fd=parent)
        except FileNotFoundError:
            pass
