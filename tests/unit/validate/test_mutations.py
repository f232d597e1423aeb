"""Property tests: broken playbooks only ever get clean messages.

Hypothesis takes the valid playbooks (the example, and tests/acceptance/valid),
breaks them the ways people and editors do (a key deleted or renamed, a value
replaced by one of another type or by random text, the text truncated, bytes
inserted, a line duplicated or re-indented), and runs `provision validate`
in-process with exceptions not caught: any exception fails the test. The run
must exit 0 or 2, and every line it prints must be a located problem
(`file:line:col: path: message`) or the error count, never a traceback.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provision.cli import cli
from provision.resolve import secrets as secret_module
from provision.secret import SecretError
from provision.validate.schema import schema

ROOT = Path(__file__).resolve().parents[3]
ACCEPTANCE = ROOT / "tests" / "acceptance"
LOCATED = re.compile(r"^.+:\d+:\d+: .+$")  # file:line:col: [path: ]message
COUNT_LINE = re.compile(r"^\d+ errors? found$")
ENV = {
    "ACCEPT_GENERIC_SECRET": "S3cr3t-ACCEPT-env-generic-1Qa",
    "PROVISION_DEBUG": None,
    "PROVISION_VAULT_PASSWORD_FILE": None,
}
# The big Entra boundary files add time, not new shapes.
SKIPPED = {"entra-256-uris.yaml", "entra-100-personal.yaml"}

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Source:
    """A valid playbook: what validate is given, and the file a mutation edits."""

    name: str
    playbook: Path  # relative to the work tree
    file: Path  # relative to the work tree


def _sources() -> list[Source]:
    found = [Source("example", Path("playbooks/example.yaml"), Path("playbooks/example.yaml"))]
    for path in sorted((ACCEPTANCE / "valid").iterdir()):
        rel = path.relative_to(ROOT)
        if path.is_file() and path.suffix == ".yaml" and path.name not in SKIPPED:
            found.append(Source(path.name, rel, rel))
        elif path.is_dir():
            for file in sorted(path.glob("*.y*ml")):
                found.append(Source(f"{path.name}/{file.name}", rel, file.relative_to(ROOT)))
    return found


SOURCES = _sources()
ORIGINAL: dict[Path, bytes] = {s.file: (ROOT / s.file).read_bytes() for s in SOURCES}


class _VaultAsText(yaml.SafeLoader):
    """Reads a playbook for mutating: `!vault` values as plain text."""


def _vault_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


_VaultAsText.add_constructor("!vault", _vault_as_text)
DATA: dict[Path, Any] = {
    s.file: yaml.load(ORIGINAL[s.file].decode("utf-8"), Loader=_VaultAsText) for s in SOURCES
}


def _schema_keys() -> list[str]:
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema())
    return sorted(keys)


KNOWN_KEYS = _schema_keys() + ["<<", "acme", "acme-mail", "acme-azure", "fax2"]
INTERESTING = [
    "",
    " ",
    "~",
    "..",
    ".",
    "-x",
    "Acme",
    "acme",
    "pbx",
    "fax",
    "manager",
    "acme-mail",
    "acme-azure",
    "exchange",
    "microsoft365",
    "gmail",
    "google_service_account",
    "client_secret_post",
    "private_key_jwt",
    "microsoft",
    "google",
    "generic",
    "app_platform",
    "pbx@acme.com",
    "fax@{{ site.domain }}",
    "{{ nope }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ site.domain ",
    "{% for x in range(3) %}{{ x }}{% endfor %}",
    "{{ range(10**9) | list }}",
    "https://idp.example.net/token",
    "http://idp.example.net/token",
    "http://127.0.0.1:1/x",
    "ftp://x",
    "2027-10-01",
    "2027-02-30",
    "pbx.acme.com:99999",
    "[::1]",
    "a" * 300,
    "../secrets/azure.secret",
    "../secrets",
    "no-such-file",
    "secrets/google-client.json",
    "{domain}/{path}/auth.htm",
    "{nope}/auth.htm",
    "{0}",
    "x(1);",
    "tls",
    "starttls",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(INTERESTING),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=10), children, max_size=4),
        st.builds(
            lambda kind, value: {kind: value}, st.sampled_from(["env", "file", "command"]), children
        ),
    ),
    max_leaves=8,
)


def _fake_command(self: object, argv: tuple[str, ...]) -> str:
    """No test ever runs a command a mutation made up: `cat` (used by a valid
    playbook) answers with a fake, anything else fails as a missing command would."""
    if argv and argv[0] == "cat":
        return "S3cr3t-ACCEPT-fake-command-output"
    raise SecretError(f"command not found: {argv[0] if argv else '?'}")


@pytest.fixture(scope="module")
def work_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the playbooks and their secrets, and no real command ever run."""
    root = tmp_path_factory.mktemp("mutations")
    shutil.copytree(ROOT / "playbooks", root / "playbooks")
    for part in ("valid", "secrets"):
        shutil.copytree(ACCEPTANCE / part, root / "tests" / "acceptance" / part)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(secret_module.SecretResolver, "_run", _fake_command)
        yield root


def validate(root: Path, source: Source, content: bytes, fmt: str = "text") -> None:
    """Validate `source` with its file replaced by `content`; assert a clean outcome."""
    target = root / source.file
    target.write_bytes(content)
    try:
        result = CliRunner().invoke(
            cli,
            [
                "validate",
                str(root / source.playbook),
                "--format",
                fmt,
                "--vault-password-file",
                str(root / "tests" / "acceptance" / "secrets" / "vault-password.txt"),
            ],
            env=ENV,
            catch_exceptions=False,
        )
    finally:
        target.write_bytes(ORIGINAL[source.file])
    shown = (
        f"--- input:\n{content.decode('utf-8', 'replace')}\n--- stdout:\n{result.stdout}"
        f"\n--- stderr:\n{result.stderr}"
    )
    assert result.exit_code in (0, 2), shown
    assert "Traceback" not in result.output and "internal error" not in result.output, shown
    if fmt == "json":
        document = json.loads(result.stdout)
        assert document["valid"] is (result.exit_code == 0), shown
        for problem in document["problems"]:
            assert isinstance(problem["file"], str), shown
            assert isinstance(problem["line"], int) and problem["line"] >= 1, shown
            assert isinstance(problem["column"], int) and problem["column"] >= 1, shown
            assert problem["message"], shown
        return
    lines = result.stderr.splitlines()
    for line in lines:
        assert LOCATED.match(line) or COUNT_LINE.match(line), f"unclean line {line!r}\n{shown}"
    if result.exit_code == 0:
        assert "valid (" in result.stdout, shown
    else:
        assert lines and COUNT_LINE.match(lines[-1]), shown


# -- helpers over the loaded data -----------------------------------------------------


def value_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in `data` (mapping keys and list indexes)."""
    paths = []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        paths.append(prefix + (key,))
        paths.extend(value_paths(value, prefix + (key,)))
    return paths


def key_paths(data: Any) -> list[tuple[Any, ...]]:
    return [p for p in value_paths(data) if isinstance(_parent(data, p), dict)]


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    return _parent(data, path)[path[-1]]


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


sources = st.sampled_from(SOURCES)


# -- sanity: the unmutated playbooks pass ------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=[s.name for s in SOURCES])
def test_every_source_is_valid_as_it_is(work_tree: Path, source: Source) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(work_tree / source.playbook),
            "--vault-password-file",
            str(work_tree / "tests" / "acceptance" / "secrets" / "vault-password.txt"),
        ],
        env=ENV,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr


def test_round_tripped_sources_stay_valid(work_tree: Path) -> None:
    """Re-dumping the data keeps the playbooks valid: the data mutations start clean."""
    for source in SOURCES:
        validate(work_tree, source, dump(DATA[source.file]))


# -- mutations of the data ---------------------------------------------------------------


@PROPERTY
@given(source=sources, data=st.data())
def test_delete_a_key(work_tree: Path, source: Source, data: st.DataObject) -> None:
    document = copy.deepcopy(DATA[source.file])
    paths = key_paths(document)
    path = data.draw(st.sampled_from(paths))
    del _parent(document, path)[path[-1]]
    validate(work_tree, source, dump(document))


@settings(PROPERTY, max_examples=150)
@given(source=sources, data=st.data(), fmt=st.sampled_from(["text", "json"]))
def test_replace_a_value(work_tree: Path, source: Source, data: st.DataObject, fmt: str) -> None:
    document = copy.deepcopy(DATA[source.file])
    path = data.draw(st.sampled_from(value_paths(document)))
    _parent(document, path)[path[-1]] = data.draw(VALUES)
    validate(work_tree, source, dump(document), fmt)


@PROPERTY
@given(source=sources, data=st.data())
def test_move_a_value_elsewhere(work_tree: Path, source: Source, data: st.DataObject) -> None:
    """A value of the document put in another place: the usual copy-paste slip."""
    document = copy.deepcopy(DATA[source.file])
    paths = value_paths(document)
    target = data.draw(st.sampled_from(paths))
    donor = data.draw(st.sampled_from(paths))
    _parent(document, target)[target[-1]] = copy.deepcopy(_get(DATA[source.file], donor))
    validate(work_tree, source, dump(document))


@PROPERTY
@given(source=sources, data=st.data())
def test_rename_a_key(work_tree: Path, source: Source, data: st.DataObject) -> None:
    document = copy.deepcopy(DATA[source.file])
    path = data.draw(st.sampled_from(key_paths(document)))
    new = data.draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=12))
    parent = _parent(document, path)
    # keep the order of the keys, as an editor would
    renamed = {(new if key == path[-1] else key): value for key, value in parent.items()}
    parent.clear()
    parent.update(renamed)
    validate(work_tree, source, dump(document))


# -- mutations of the text ---------------------------------------------------------------


@PROPERTY
@given(source=sources, data=st.data())
def test_truncate_the_text(work_tree: Path, source: Source, data: st.DataObject) -> None:
    text = ORIGINAL[source.file]
    offset = data.draw(st.integers(min_value=0, max_value=len(text)))
    validate(work_tree, source, text[:offset])


@PROPERTY
@given(source=sources, data=st.data(), fmt=st.sampled_from(["text", "json"]))
def test_insert_random_bytes(
    work_tree: Path, source: Source, data: st.DataObject, fmt: str
) -> None:
    text = ORIGINAL[source.file]
    offset = data.draw(st.integers(min_value=0, max_value=len(text)))
    inserted = data.draw(
        st.binary(min_size=1, max_size=8)
        | st.sampled_from(
            [
                b":",
                b"- ",
                b"{",
                b"}",
                b"[",
                b"]",
                b"&a ",
                b"*a ",
                b"!",
                b"|",
                b">",
                b"'",
                b'"',
                b"%",
                b"@",
                b"`",
                b"#",
                b",",
                b"? ",
                b"\t",
                b"\xef\xbb\xbf",
                b"\r",
                b"\x00",
                b"<<: ",
                b"!vault ",
            ]
        )
    )
    validate(work_tree, source, text[:offset] + inserted + text[offset:], fmt)


@PROPERTY
@given(source=sources, data=st.data())
def test_duplicate_a_line(work_tree: Path, source: Source, data: st.DataObject) -> None:
    lines = ORIGINAL[source.file].splitlines(keepends=True)
    index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    validate(work_tree, source, b"".join(lines[: index + 1] + lines[index:]))


@PROPERTY
@given(source=sources, data=st.data())
def test_delete_or_reindent_a_line(work_tree: Path, source: Source, data: st.DataObject) -> None:
    lines = ORIGINAL[source.file].splitlines(keepends=True)
    index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    edit = data.draw(st.sampled_from(["delete", "indent", "dedent", "swap"]))
    if edit == "delete":
        del lines[index]
    elif edit == "indent":
        lines[index] = b"  " + lines[index]
    elif edit == "dedent":
        lines[index] = lines[index].removeprefix(b"  ")
    elif index + 1 < len(lines):
        lines[index], lines[index + 1] = lines[index + 1], lines[index]
    validate(work_tree, source, b"".join(lines))
