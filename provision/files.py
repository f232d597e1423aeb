"""Files: the one atomic writer (durable, batched), the one JSON-file reader, the lock."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Location, OperationError

TMP_SUFFIX = ".provision-tmp"
LOCK = ".provision.lock"
DIR_MODE = 0o700
# Up to this many files are flushed one by one (fsync); more share one os.sync(), which
# costs about what 3 fsyncs do and flushes everything at once.
FSYNC_BATCH = 8


@dataclass(frozen=True, slots=True)
class Write:
    path: str  # text, not a Path: a fresh apply writes 100,000 files, a Path costs 400 bytes
    content: bytes
    mode: int


@dataclass(frozen=True)
class WriteFailure:
    path: str
    message: str


class JsonFileError(Exception):
    """A JSON file cannot be read or parsed: the message names the file, `location` the
    line and column of a syntax error."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.location = location


def read_json(path: Path) -> Any:
    """The parsed content of a JSON file; JsonFileError when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JsonFileError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError:  # not UTF-8
        raise JsonFileError(f"{path} is not valid JSON: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        location = Location(str(path), exc.lineno, exc.colno)
        raise JsonFileError(f"{path} is not valid JSON: {exc}", location) from None


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


@contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Hold the output directory's lock; a second holder fails at once."""
    make_dirs(output_dir)
    fd = os.open(output_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
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


def _temporary(path: str) -> str:
    # pid and thread: token files are written from verify's worker threads
    directory, name = os.path.split(path)
    return os.path.join(directory, f".{name}.{os.getpid()}.{threading.get_ident()}{TMP_SUFFIX}")


def write_files(writes: Sequence[Write]) -> list[WriteFailure]:
    """Write every file through a temporary in its directory, renamed into place only
    once all data is on disk: a crash leaves each file old or new, never partial. A few
    files are fsynced one by one; many share one flush for the data and one for the
    renames."""
    failures: list[WriteFailure] = []
    staged: list[tuple[str, str]] = []
    made_dirs: set[str] = set()
    one_by_one = len(writes) <= FSYNC_BATCH
    for write in writes:
        directory = os.path.dirname(write.path)
        temporary = _temporary(write.path)
        try:
            if directory not in made_dirs:
                make_dirs(Path(directory))
                made_dirs.add(directory)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, write.mode)
            try:
                os.fchmod(fd, write.mode)  # the umask must not widen or narrow it
                view = memoryview(write.content)
                while view:
                    view = view[os.write(fd, view) :]
                if one_by_one:
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            failures.append(WriteFailure(write.path, f"cannot write: {exc.strerror}"))
            _remove(temporary)
            continue
        staged.append((temporary, write.path))
    if not staged:
        return failures
    if not one_by_one:
        os.sync()
    for temporary, path in staged:
        try:
            os.replace(temporary, path)
        except OSError as exc:
            failures.append(WriteFailure(path, f"cannot rename into place: {exc.strerror}"))
            _remove(temporary)
    if one_by_one:
        for directory in made_dirs:
            _fsync_directory(directory)
    else:
        os.sync()
    return failures


def write_file(path: Path, content: bytes, mode: int) -> None:
    """`write_files` for the single files a command keeps (tokens, manifests, state);
    raises OSError with the reason."""
    for failure in write_files([Write(str(path), content, mode)]):
        raise OSError(f"{failure.path}: {failure.message}")


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_files(paths: Sequence[str]) -> list[WriteFailure]:
    failures = []
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            failures.append(WriteFailure(path, f"cannot remove: {exc.strerror}"))
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
