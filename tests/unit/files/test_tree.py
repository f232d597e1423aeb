"""files.tree and the writer below a root: no link below the root is followed, paths
that climb out are refused, missing directories are made 0700."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from provision.errors import OperationError
from provision.files import Refused, Tree, Write, inside, output_lock, remove_files, write_files


@pytest.mark.parametrize(
    "path", ["a", "a/b.json", "xml/.hidden", "with space/x", "a..b", "...", "Café/x"]
)
def test_paths_that_stay_inside(path: str) -> None:
    assert inside(path)


@pytest.mark.parametrize(
    "path", ["", "/etc/passwd", "../x", "a/../../x", "a/..", "./a", "a//b", "a/", "a\0b", "."]
)
def test_paths_that_climb_out_or_are_not_normal(path: str) -> None:
    assert not inside(path)


def test_writes_make_directories_0700_and_files_with_their_mode(tmp_path: Path) -> None:
    root = tmp_path / "out"
    assert write_files([Write("apps/acme/pbx.json", b"{}", 0o600)], root=root) == []
    assert (root / "apps/acme/pbx.json").read_bytes() == b"{}"
    assert (root / "apps/acme/pbx.json").stat().st_mode & 0o777 == 0o600
    for directory in (root, root / "apps", root / "apps/acme"):
        assert directory.stat().st_mode & 0o777 == 0o700


def test_a_linked_directory_below_the_root_is_never_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "other-customer"
    elsewhere.mkdir()
    root = tmp_path / "out"
    (root / "apps").mkdir(parents=True)
    (root / "apps/acme").symlink_to(elsewhere)
    failures = write_files(
        [Write("apps/acme/pbx.json", b"SECRET", 0o600), Write("apps/ok.json", b"{}", 0o600)]
        + [Write(f"many/{n}.json", b"{}", 0o600) for n in range(10)],  # the batched path
        root=root,
    )
    assert [f.path for f in failures] == ["apps/acme/pbx.json"]
    assert "apps/acme is a symbolic link" in failures[0].message
    assert "remove it" in failures[0].message
    assert list(elsewhere.iterdir()) == []
    assert (root / "apps/ok.json").exists()


def test_a_file_in_the_way_of_a_directory_is_named(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    (root / "apps").write_text("not a directory")
    [failure] = write_files([Write("apps/acme.json", b"{}", 0o600)], root=root)
    assert "apps is not a directory" in failure.message


def test_the_root_itself_may_be_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real-out"
    target.mkdir()
    (tmp_path / "out").symlink_to(target)
    assert write_files([Write("a/b.txt", b"x", 0o644)], root=tmp_path / "out") == []
    assert (target / "a/b.txt").read_bytes() == b"x"


def test_a_file_that_is_a_link_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    root = tmp_path / "out"
    root.mkdir()
    (root / "x.json").symlink_to(victim)
    with Tree(root) as tree:
        assert tree.read("x.json", 100) == (b"", None)  # differs from anything: rewritten
    assert write_files([Write("x.json", b"new", 0o600)], root=root) == []
    assert victim.read_text() == "keep"
    assert not (root / "x.json").is_symlink()
    assert (root / "x.json").read_bytes() == b"new"


def test_a_planted_temporary_link_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    root = tmp_path / "out"
    root.mkdir()
    planted = root / f".x.json.{os.getpid()}.{threading.get_ident()}.provision-tmp"
    planted.symlink_to(victim)
    assert write_files([Write("x.json", b"new", 0o600)], root=root) == []
    assert victim.read_text() == "keep"
    assert (root / "x.json").read_bytes() == b"new"


def test_reads_refuse_a_linked_directory_and_bound_the_size(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pbx.json").write_text("theirs")
    root = tmp_path / "out"
    root.mkdir()
    (root / "apps").symlink_to(elsewhere)
    (root / "big").write_bytes(b"x" * 1000)
    with Tree(root) as tree:
        with pytest.raises(Refused, match="apps is a symbolic link"):
            tree.read("apps/pbx.json", 100)
        assert tree.read("missing/dir/file", 100) is None
        assert tree.read("big", 10) == (b"x" * 10, (root / "big").stat().st_mode & 0o777)
        with pytest.raises(OSError, match="not a path below"):
            tree.read("../elsewhere/pbx.json", 100)


def test_removal_never_follows_a_link_or_climbs_out(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.json").write_text("theirs")
    root = tmp_path / "out"
    root.mkdir()
    (root / "apps").symlink_to(elsewhere)
    (root / "mine.json").write_text("mine")
    failures = remove_files(["apps/keep.json", "../elsewhere/keep.json", "mine.json"], root=root)
    assert sorted(f.path for f in failures) == ["../elsewhere/keep.json", "apps/keep.json"]
    assert (elsewhere / "keep.json").read_text() == "theirs"
    assert not (root / "mine.json").exists()


def test_many_directories_use_a_bounded_number_of_descriptors(tmp_path: Path) -> None:
    root = tmp_path / "out"
    writes = [Write(f"sites/s{n}/app.json", b"{}", 0o600) for n in range(300)]
    before = len(os.listdir("/proc/self/fd"))
    assert write_files(writes, root=root) == []
    assert len(os.listdir("/proc/self/fd")) == before
    assert len(list((root / "sites").iterdir())) == 300


def test_a_read_only_output_directory_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chmod would not stop root, who runs CI: the file system's refusal is simulated
    root = tmp_path / "out"
    root.mkdir()
    real_open = os.open

    def read_only(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    [failure] = write_files([Write("a.json", b"{}", 0o600)], root=root)
    assert failure.message == "cannot write: Read-only file system"
    with pytest.raises(OperationError, match="cannot use the output directory .*: Read-only"):
        with output_lock(root):
            pass
