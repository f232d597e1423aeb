"""The one way to write output files: atomic, durable, batched; and the lock."""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import OperationError

TMP_SUFFIX = ".provision-tmp"
LOCK = ".provision.lock"
DIR_MODE = 0o700


@dataclass(frozen=True)
class Write:
    path: Path
    content: bytes
    mode: int


@dataclass(frozen=True)
class WriteFailure:
    path: Path
    message: str


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


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")


def write_atomically(writes: Sequence[Write]) -> list[WriteFailure]:
    """Write every file through a temporary in its directory, renamed into place
    only once all data is on disk: a crash leaves each file old or new, never
    partial. One flush for all temporaries, one for all renames."""
    failures: list[WriteFailure] = []
    staged: list[tuple[Path, Path]] = []
    made_dirs: set[Path] = set()
    for write in writes:
        directory = write.path.parent
        temporary = _temporary(write.path)
        try:
            if directory not in made_dirs:
                make_dirs(directory)
                made_dirs.add(directory)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, write.mode)
            try:
                os.fchmod(fd, write.mode)  # the umask must not widen or narrow it
                view = memoryview(write.content)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        except OSError as exc:
            failures.append(WriteFailure(write.path, f"cannot write: {exc.strerror}"))
            _remove(temporary)
            continue
        staged.append((temporary, write.path))
    if not staged:
        return failures
    os.sync()
    for temporary, path in staged:
        try:
            os.replace(temporary, path)
        except OSError as exc:
            failures.append(WriteFailure(path, f"cannot rename into place: {exc.strerror}"))
            _remove(temporary)
    os.sync()
    return failures


def write_file(path: Path, content: bytes, mode: int) -> None:
    """Write one file atomically and durably (fsync of the file and its directory),
    for the single files a command keeps: tokens, manifests, state. Raises OSError."""
    make_dirs(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        _remove(Path(name))
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_files(paths: Sequence[Path]) -> list[WriteFailure]:
    failures = []
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            failures.append(WriteFailure(path, f"cannot remove: {exc.strerror}"))
    if paths:
        os.sync()
    return failures


def remove_stale_temporaries(directories: Sequence[Path]) -> None:
    """Temporaries an interrupted apply left behind (never a real file)."""
    for directory in directories:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX):
                _remove(Path(entry.path))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
