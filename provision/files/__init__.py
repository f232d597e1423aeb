"""Files: bounded reads (read.py), the one atomic writer (write.py), contained below a
root without following links (tree.py), and the output directory's lock (lock.py)."""

from .lock import LOCK, MANIFEST, exclusive, output_lock
from .read import MAX_FILE, MAX_PLAYBOOK_FILE, JsonFileError, UnreadableFile, read_file, read_json
from .tree import Refused, Tree, inside, make_dirs
from .write import (
    TMP_SUFFIX,
    Write,
    WriteFailure,
    remove_files,
    remove_stale_temporaries,
    write_file,
    write_files,
)

__all__ = [
    "LOCK",
    "MANIFEST",
    "MAX_FILE",
    "MAX_PLAYBOOK_FILE",
    "TMP_SUFFIX",
    "JsonFileError",
    "Refused",
    "Tree",
    "UnreadableFile",
    "Write",
    "WriteFailure",
    "exclusive",
    "inside",
    "make_dirs",
    "output_lock",
    "read_file",
    "read_json",
    "remove_files",
    "remove_stale_temporaries",
    "write_file",
    "write_files",
]
