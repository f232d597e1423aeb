"""The one atomic writer: durable, batched, and contained (see tree.py); removal, and the
temporaries a killed writer leaves."""

from __future__ import annotations

import errno
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .tree import Tree

TMP_SUFFIX = ".provision-tmp"
# Up to this many files are flushed one by one (fsync); more share one os.sync(), which
# costs about what 3 fsyncs do and flushes everything at once.
FSYNC_BATCH = 8
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class Write:
    path: str  # text, not a Path: a fresh apply writes 100,000 files, a Path costs 400 bytes
    content: bytes | Callable[[], bytes]  # or what makes it, called as it is written
    mode: int


@dataclass(frozen=True)
class WriteFailure:
    path: str
    message: str


class _Trees:
    """Where each path is written: below `root` when one is given (the path relative to
    it), else in the path's own directory."""

    def __init__(self, root: str | os.PathLike[str] | None, *, create: bool) -> None:
        self._root = None if root is None else Tree(root, create=create)
        self._create = create
        self._by_directory: dict[str, Tree] = {}

    def locate(self, path: str) -> tuple[Tree, str]:
        if self._root is not None:
            return self._root, path
        directory, name = os.path.split(path)
        tree = self._by_directory.get(directory)
        if tree is None:
            tree = self._by_directory[directory] = Tree(directory or ".", create=self._create)
        return tree, name

    def close(self) -> None:
        for tree in (self._root, *self._by_directory.values()):
            if tree is not None:
                tree.close()


def _temporary(name: str) -> str:
    # pid and thread: token files are written from verify's worker threads
    return f".{name}.{os.getpid()}.{threading.get_ident()}{TMP_SUFFIX}"


def _create(directory: int, name: str, mode: int) -> int:
    try:
        return os.open(name, _CREATE, mode, dir_fd=directory)
    except FileExistsError:  # a temporary of a process with our pid that is gone
        os.unlink(name, dir_fd=directory)
        return os.open(name, _CREATE, mode, dir_fd=directory)


def write_files(
    writes: Sequence[Write], root: str | os.PathLike[str] | None = None
) -> list[WriteFailure]:
    """Write every file through a temporary in its directory, renamed into place only
    once all data is on disk: a crash leaves each file old or new, never partial. A few
    files are fsynced one by one; many share one flush for the data and one for the
    renames. With `root`, paths are relative to it and no link below it is followed;
    missing directories are made 0700."""
    failures: list[WriteFailure] = []
    staged: list[tuple[str, Tree, str, str]] = []
    one_by_one = len(writes) <= FSYNC_BATCH
    trees = _Trees(root, create=True)
    try:
        for write in writes:
            tree, path = trees.locate(write.path)
            try:
                directory, name = tree.parent(path)
                temporary = _temporary(name)
                fd = _create(directory, temporary, write.mode)
            except OSError as exc:
                failures.append(WriteFailure(write.path, f"cannot write: {exc.strerror}"))
                continue
            try:
                os.fchmod(fd, write.mode)  # the umask must not widen or narrow it
                content = write.content
                view = memoryview(content if isinstance(content, bytes) else content())
                while view:
                    view = view[os.write(fd, view) :]
                if one_by_one:
                    os.fsync(fd)
            except OSError as exc:
                failures.append(WriteFailure(write.path, f"cannot write: {_reason(exc)}"))
                _unlink(directory, temporary)
                continue
            finally:
                os.close(fd)
            staged.append((write.path, tree, path, temporary))
        if not staged:
            return failures
        if not one_by_one:
            os.sync()
        directories: set[tuple[Tree, str]] = set()
        for given, tree, path, temporary in staged:
            try:
                directory, name = tree.parent(path)
            except OSError as exc:  # a link swapped in since: the next run removes it
                failures.append(WriteFailure(given, f"cannot rename into place: {exc.strerror}"))
                continue
            try:
                os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
            except OSError as exc:
                failures.append(WriteFailure(given, f"cannot rename into place: {exc.strerror}"))
                _unlink(directory, temporary)
                continue
            directories.add((tree, os.path.dirname(path)))
        if one_by_one:
            for tree, directory_path in directories:
                os.fsync(tree.directory(directory_path))
        else:
            os.sync()
    finally:
        trees.close()
    return failures


def write_file(path: Path, content: bytes, mode: int) -> None:
    """`write_files` for the single files a command keeps (tokens, manifests, state);
    raises OSError with the reason."""
    for failure in write_files([Write(str(path), content, mode)]):
        raise OSError(f"{failure.path}: {failure.message}")


def remove_files(
    paths: Sequence[str], root: str | os.PathLike[str] | None = None
) -> list[WriteFailure]:
    """Remove files (one already gone is fine); with `root`, paths are relative to it and
    no link below it is followed."""
    failures = []
    trees = _Trees(root, create=False)
    try:
        for given in paths:
            tree, path = trees.locate(given)
            try:
                tree.remove(path)
            except OSError as exc:
                failures.append(WriteFailure(given, f"cannot remove: {exc.strerror}"))
    finally:
        trees.close()
    if paths:
        os.sync()
    return failures


# .<name>.<pid>.<thread>.provision-tmp (older versions: without the thread)
_TEMPORARY = re.compile(r"^\..+?\.(\d+)(?:\.\d+)?" + re.escape(TMP_SUFFIX) + "$")


def remove_stale_temporaries(directory: str | Path, *, below: bool = False) -> int:
    """Remove the temporaries an interrupted writer left in `directory` (and `below` it):
    they may hold secrets. Only those of a process that is gone: a running one may be
    about to rename its own. Returns how many were removed."""
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        if below and entry.is_dir(follow_symlinks=False):
            removed += remove_stale_temporaries(entry.path, below=True)
            continue
        match = _TEMPORARY.match(entry.name)
        if match is not None and not _alive(int(match.group(1))):
            _remove(entry.path)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: alive
        return True
    return True


def _remove(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _reason(error: OSError) -> str:
    if error.errno == errno.EFBIG:
        return f"{error.strerror} (beyond this process's file size limit: ulimit -f)"
    return str(error.strerror)


def _unlink(directory: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=directory)
    except OSError:
        pass
