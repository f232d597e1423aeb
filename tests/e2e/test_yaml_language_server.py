"""Issue 18, item 4: the playbook schema in the real yaml-language-server, over stdio LSP.

What an editor user sees: a playbook that names the schema in its modeline gets its
mistakes underlined on the right line, completion offers the keys of a client (for
its provider) and the values of an enum with their descriptions, and `!vault` values
are no error once the documented `yaml.customTags` setting is given.

The server is the npm package pinned in tests/e2e/lsp/package-lock.json; .ci/run
installs it (`npm ci`), and so does this module when it is missing and npm is there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.lsp.client import SERVER_JS, LspClient, node, with_settings

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
LSP = ROOT / "tests" / "e2e" / "lsp"
PLAYBOOKS = LSP / "playbooks"
SCHEMA_FILE = ROOT / "provision" / "schemas" / "playbook.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
# yaml-language-server's documented setting for custom tags (yaml.customTags), as a
# user gives it for `!vault |` values: the tag and the kind of node it marks.
CUSTOM_TAGS = ["!vault scalar"]
# Valid acceptance playbooks, associated through yaml.schemas (they carry no modeline).
# Left out: dir-merge/ (fragments of a directory playbook, each without `version`) and
# yaml-features.yaml, whose `<<:` merge key inside `apps` the server checks against
# the name pattern of propertyNames (a server limitation; provision merges it).
VALID = sorted(
    p
    for p in (ROOT / "tests" / "acceptance" / "valid").glob("*.yaml")
    if p.name != "yaml-features.yaml"
)
PROPERTY = 10  # CompletionItemKind.Property
INSTALL_TIMEOUT = 300


def _installed_version() -> str | None:
    package = SERVER_JS.parents[3] / "package.json"
    if not SERVER_JS.is_file() or not package.is_file():
        return None
    return str(json.loads(package.read_text(encoding="utf-8"))["version"])


def _pinned_version() -> str:
    lock = json.loads((LSP / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"]["node_modules/yaml-language-server"]["version"])


@pytest.fixture(scope="module")
def server_ready() -> None:
    """node, and the pinned server installed (npm ci when it is missing or another version)."""
    if node() is None:
        pytest.skip("node is not installed (the YAML language server runs on node)")
    if _installed_version() != _pinned_version():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(
                "yaml-language-server is not installed and npm is missing: "
                "run `npm ci` in tests/e2e/lsp"
            )
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=LSP,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if done.returncode != 0 or _installed_version() != _pinned_version():
            pytest.skip(
                "yaml-language-server could not be installed (`npm ci` in "
                f"tests/e2e/lsp): {done.stderr.strip()[-500:]}"
            )


@pytest.fixture(scope="module")
def server(server_ready: None) -> Iterator[LspClient]:
    """One server for the module, set up as a user would: customTags for !vault,
    validation and completion on, and the schema associated with the acceptance
    playbooks through yaml.schemas (the playbooks here name it in their modeline)."""
    settings = with_settings(
        customTags=CUSTOM_TAGS,
        schemas={SCHEMA_FILE.as_uri(): ["tests/acceptance/valid/*.yaml"]},
    )
    with LspClient(settings, ROOT) as client:
        client.initialize()
        yield client


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _documentation(item: dict[str, Any]) -> str:
    doc = item.get("documentation", "")
    return str(doc.get("value", "") if isinstance(doc, dict) else doc)


def _where(diagnostic: dict[str, Any]) -> tuple[int, int]:
    start = diagnostic["range"]["start"]
    return start["line"], start["character"]


def _shown(diagnostics: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{d['range']['start']['line'] + 1}:{d['range']['start']['character'] + 1}: {d['message']}"
        for d in diagnostics
    )


# -- diagnostics ------------------------------------------------------------------------


def test_unknown_keys_and_a_wrong_mode_are_underlined_where_they_are(server: LspClient) -> None:
    path = PLAYBOOKS / "mistakes.yaml"
    lines = _lines(path.read_text(encoding="utf-8"))
    expected = {}
    for number, line in enumerate(lines):
        found = re.search(r"#\s*expect (\S+): (.+)$", line)
        if found and not line.lstrip().startswith("#"):
            token, message = found.groups()
            expected[(number, line.index(token))] = message
    assert len(expected) == 3  # a key in a client (a then-branch), a mode, a key in a site

    diagnostics = server.wait_diagnostics(server.open(path))

    got = {_where(d): d["message"] for d in diagnostics}
    assert set(got) == set(expected), _shown(diagnostics)
    for where, message in expected.items():
        assert got[where].startswith(message), _shown(diagnostics)
    assert all(d.get("severity") == 1 for d in diagnostics), _shown(diagnostics)


def test_the_editor_and_provision_validate_point_at_the_same_places(server: LspClient) -> None:
    path = PLAYBOOKS / "mistakes.yaml"
    editor = {_where(d) for d in server.wait_diagnostics(server.open(path))}

    done = subprocess.run(
        [sys.executable, "-m", "provision", "validate", "--no-secrets", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    output = done.stdout + done.stderr
    located = re.findall(rf"^{re.escape(str(path))}:(\d+):(\d+): ", output, re.MULTILINE)
    assert {(int(line) - 1, int(column) - 1) for line, column in located} == editor, output


@pytest.mark.parametrize(
    "playbook",
    [ROOT / "playbooks" / "example.yaml", *VALID],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_valid_playbooks_get_no_diagnostic(server: LspClient, playbook: Path) -> None:
    """example.yaml names the schema in its modeline (../schemas/...), the acceptance
    playbooks get it from yaml.schemas; vault.yaml among them holds `!vault |` values."""
    diagnostics = server.wait_diagnostics(server.open(playbook), settle=0.1)
    assert diagnostics == [], _shown(diagnostics)


def test_vault_values_need_the_documented_custom_tag(server_ready: None) -> None:
    path = PLAYBOOKS / "vault.yaml"
    vault_lines = [
        n
        for n, line in enumerate(_lines(path.read_text(encoding="utf-8")))
        if line.rstrip().endswith(": !vault |")
    ]
    assert len(vault_lines) == 2

    with LspClient(with_settings(customTags=[]), ROOT) as bare:
        bare.initialize()
        without = bare.wait_diagnostics(bare.open(path))
    assert [(_where(d)[0], d["message"]) for d in without] == [
        (n, "Unresolved tag: !vault") for n in vault_lines
    ], _shown(without)

    with LspClient(with_settings(customTags=CUSTOM_TAGS), ROOT) as configured:
        configured.initialize()
        given = configured.wait_diagnostics(configured.open(path))
    assert given == [], _shown(given)


# -- completion -------------------------------------------------------------------------


def _cursors(path: Path) -> tuple[str, dict[str, tuple[int, int]]]:
    """The fixture's text without its `# cursor NAME` comments, and where they were."""
    lines = _lines(path.read_text(encoding="utf-8"))
    cursors = {}
    for number, line in enumerate(lines):
        found = re.search(r"#\s*cursor (\S+)\s*$", line)
        if found is None:
            continue
        before = line[: found.start()]
        lines[number] = before if not before.strip() else before.rstrip() + " "
        cursors[found.group(1)] = (number, len(lines[number]))
    return "\n".join(lines), cursors


Cursors = tuple[str, dict[str, tuple[int, int]]]


@pytest.fixture(scope="module")
def completion_document(server: LspClient) -> Cursors:
    path = PLAYBOOKS / "complete.yaml"
    text, cursors = _cursors(path)
    uri = server.open(path, text)
    server.wait_diagnostics(uri)
    return uri, cursors


@pytest.mark.parametrize("provider", ["microsoft", "google", "generic"])
def test_completion_offers_the_keys_of_a_client_with_their_descriptions(
    server: LspClient,
    completion_document: Cursors,
    provider: str,
) -> None:
    uri, cursors = completion_document
    items = server.completion(uri, *cursors[f"{provider}-keys"])

    properties = SCHEMA["$defs"][f"{provider}_client"]["properties"]
    keys = {i["label"]: i for i in items if i.get("kind") == PROPERTY}
    # every key of this provider's client but `provider` (already there), and no other
    assert set(keys) == set(properties) - {"provider"}, sorted(keys)
    for key, item in keys.items():
        assert _documentation(item) == properties[key]["description"], key


def _property(definition: str, key: str) -> dict[str, Any]:
    return dict(SCHEMA["$defs"][definition]["properties"][key])


@pytest.mark.parametrize(
    ("cursor", "definition", "key"),
    [("mode", "identity", "mode"), ("security", "smtp", "security")],
)
def test_completion_offers_enum_values_with_their_descriptions(
    server: LspClient,
    completion_document: Cursors,
    cursor: str,
    definition: str,
    key: str,
) -> None:
    uri, cursors = completion_document
    items = server.completion(uri, *cursors[cursor])

    schema = _property(definition, key)
    described = dict(zip(schema["enum"], schema["enumDescriptions"], strict=True))
    offered = {i["label"]: _documentation(i) for i in items if i["label"] in described}
    assert offered == described, [i["label"] for i in items]


@pytest.mark.parametrize(
    ("cursor", "definition", "key"),
    [
        ("authority", "microsoft_client", "authority"),
        ("token_endpoint", "generic_client", "token_endpoint"),
        ("smtp-host", "smtp", "host"),
        ("pbx", "site", "pbx"),
        ("app_platform", "site", "app_platform"),
    ],
)
def test_completion_offers_the_examples_of_the_key(
    server: LspClient,
    completion_document: Cursors,
    cursor: str,
    definition: str,
    key: str,
) -> None:
    """Each URL and host key has examples of its own (not one shared by every URL)."""
    uri, cursors = completion_document
    items = server.completion(uri, *cursors[cursor])

    examples = _property(definition, key)["examples"]
    # The server also proposes the custom tags (`!vault`) wherever a value goes; the
    # labels of long values end in "...", so compare what is inserted.
    offered = [i.get("insertText", i["label"]) for i in items if not i["label"].startswith("!")]
    assert offered == examples, offered


# -- the schema as the server reads it ----------------------------------------------------


def test_every_enum_value_has_a_description() -> None:
    """enumDescriptions (read by yaml-language-server and VS Code) beside every enum
    of values a user picks from; `not: {enum: [...]}` lists values nobody picks."""
    missing = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "enum" in node and not where.endswith(".not"):
                descriptions = node.get("enumDescriptions", [])
                if len(descriptions) != len(node["enum"]) or not all(descriptions):
                    missing.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(SCHEMA, "$")
    assert missing == []
