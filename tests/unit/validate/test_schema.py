"""provision.schema: the JSON Schema of spec v1 and how its errors are explained."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from provision.errors import ERROR, Location, Problem, format_path, one_line
from provision.load import load_playbook
from provision.validate import compiled, formats
from provision.validate import schema as schema_module
from provision.validate.schema import check_schema, schema, schema_text

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "playbooks" / "example.yaml"

MICROSOFT = {
    "provider": "microsoft",
    "tenant": "contoso.onmicrosoft.com",
    "client_id": "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00",
    "client_secret": {"env": "SECRET"},
}


def base() -> dict[str, Any]:
    return {
        "version": 1,
        "clients": {"ms": dict(MICROSOFT)},
        "identities": {"mail": {"client": "ms", "mode": "exchange", "sender": "pbx@acme.com"}},
        "sites": {"acme": {"domain": "acme.com", "pbx": "pbx.acme.com", "apps": ["pbx"]}},
    }


def problems_for(tmp_path: Path, document: dict[str, Any] | str) -> list[Problem]:
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    file = tmp_path / "p.yaml"
    file.write_text(text, encoding="utf-8")
    return check_schema(load_playbook(file))


def messages(problems: list[Problem]) -> list[str]:
    return [f"{format_path(p.path)}: {p.message}" for p in problems]


# -- the schema itself -------------------------------------------------------


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_text_is_the_packaged_file() -> None:
    packaged = ROOT / "provision" / "schemas" / "playbook.schema.json"
    assert schema_text() == packaged.read_text(encoding="utf-8")
    assert json.loads(schema_text()) == schema()


def test_example_playbook_passes_and_carries_the_modeline() -> None:
    assert check_schema(load_playbook(EXAMPLE)) == []
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/playbook.schema.json"
    # the modeline's schema (for editors) is the one the tool checks with
    target = EXAMPLE.parent / first.partition("$schema=")[2]
    assert target.read_text(encoding="utf-8") == schema_text()


def test_additional_properties_are_closed_everywhere() -> None:
    """Every object schema with properties rejects unknown keys (a typo is an error)."""
    open_objects = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties") is not False:
                # `client` is closed by its provider's schema; `if` clauses only test
                if where != "$defs.client" and not where.endswith(".if"):
                    open_objects.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(schema(), "")
    assert open_objects == []


def test_a_client_with_an_unknown_provider_field_is_rejected(tmp_path: Path) -> None:
    document = base()
    document["clients"]["ms"]["client_email"] = "sa@x.iam.gserviceaccount.com"
    assert messages(problems_for(tmp_path, document)) == [
        "clients.ms.client_email: unknown key 'client_email'; did you mean 'client_id'? "
        "(expected one of: authority, "
        "client_id, client_secret, client_secret_expires, cloud, graph_client, graph_endpoint, "
        "manage_redirect_uris, manifest_file, personal_accounts, provider, scope, tenant)"
    ]


# -- formats -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("pbx.acme.com", True),
        ("pbx", True),
        ("192.0.2.1", True),
        ("pbx.acme.com:8443", True),
        ("pbx.acme.com:65535", True),
        ("pbx.acme.com:65536", False),
        ("pbx.acme.com:99999", False),
        ("[2001:db8::1]", True),
        ("[2001:db8::1]:443", True),
        ("{{ site.name }}.example.net", True),
        ("a" * 63 + ".com", True),
        ("a" * 64 + ".com", False),
        ("pbx acme.com", False),
        ("-pbx.acme.com", False),
        ("pbx-.acme.com", False),
        ("pbx_1.acme.com", False),
        ("https://pbx.acme.com", False),
        ("pbx.acme.com/path", False),
        ("", False),
    ],
)
def test_host_format(value: str, ok: bool) -> None:
    assert formats._host_port(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("pbx@acme.com", True),
        ("first.last+tag@sub.acme.co.uk", True),
        ("fax@{{ site.domain }}", True),
        ("pbx@acme", False),
        ("pbx@@acme.com", False),
        ("pbx acme@acme.com", False),
        ("@acme.com", False),
        ("pbx@", False),
        ("<pbx@acme.com>", False),
    ],
)
def test_email_format(value: str, ok: bool) -> None:
    assert formats._email(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://idp.example.net/oauth2/token", True),
        ("https://idp.example.net:8443/token?x=1", True),
        ("http://127.0.0.1:8080/token", True),  # http is the resolver's business
        ("ftp://idp.example.net/token", False),
        ("idp.example.net/token", False),
        ("https://", False),
        ("https://idp example.net/", False),
        ("https://idp.example.net:99999/", False),
        ("https://idp.example.net:port/", False),
    ],
)
def test_url_format(value: str, ok: bool) -> None:
    assert formats._web_url(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2027-10-01", True),
        ("2028-02-29", True),
        ("2027-02-29", False),
        ("2027-13-01", False),
        ("2027-1-1", False),
        ("20271001", False),
        ("next year", False),
    ],
)
def test_date_format(value: str, ok: bool) -> None:
    assert formats._date(value) is ok


def test_formats_ignore_non_strings() -> None:
    """A value of the wrong type gets one message (the type's), not two."""
    for check in formats.FORMATS.values():
        assert check(42) is True


# -- how errors are explained -------------------------------------------------


def test_unknown_key_suggests_and_points_at_the_key(tmp_path: Path) -> None:
    text = "version: 1\nsites:\n  acme:\n    domain: acme.com\n    idnetity: mail\n"
    (problem,) = problems_for(tmp_path, text)
    assert problem.message == (
        "unknown key 'idnetity'; did you mean 'identity'? (expected one of: app_platform, "
        "apps, domain, identity, pbx, sender, sender_name)"
    )
    assert problem.path == ("sites", "acme", "idnetity")
    assert problem.location == Location(str(tmp_path / "p.yaml"), 5, 5)


def test_unknown_key_without_a_close_match(tmp_path: Path) -> None:
    document = base()
    document["sites"]["acme"]["colour"] = "blue"
    (problem,) = problems_for(tmp_path, document)
    assert "did you mean" not in problem.message
    assert problem.message.startswith("unknown key 'colour' (expected one of: ")


def test_missing_required_keys_are_each_reported_once(tmp_path: Path) -> None:
    document = base()
    del document["version"]
    document["clients"]["ms"] = {"provider": "microsoft"}
    document["identities"]["mail"] = {"mode": "exchange"}
    assert messages(problems_for(tmp_path, document)) == [
        "(document): missing required key 'version'",
        "clients.ms: missing required key 'tenant'",
        "clients.ms: missing required key 'client_id'",
        "identities.mail: missing required key 'client'",
        "identities.mail: missing required key 'sender'",
    ]


def test_microsoft365_needs_a_password(tmp_path: Path) -> None:
    document = base()
    document["identities"]["mail"]["mode"] = "microsoft365"
    assert messages(problems_for(tmp_path, document)) == [
        "identities.mail: missing required key 'password'"
    ]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("version",), 2, "expected 1; got 2"),
        (("version",), "1", 'expected 1; got "1"'),
        (
            ("clients", "ms", "provider"),
            "azure",
            'expected one of: microsoft, google, generic; got "azure"',
        ),
        (
            ("clients", "ms", "manage_redirect_uris"),
            "sometimes",
            'expected one of: off, merge, exact, false; got "sometimes"',
        ),
        (
            ("clients", "ms", "personal_accounts"),
            "yes please",
            "expected true or false, got a string",
        ),
        (
            ("clients", "ms", "client_secret_expires"),
            "soon",
            '"soon" is not a valid date (YYYY-MM-DD)',
        ),
        (
            ("clients", "ms", "authority"),
            "login.example",
            '"login.example" is not a valid http(s) URL',
        ),
        (("identities", "mail", "sender"), "pbx", '"pbx" is not a valid e-mail address'),
        (("identities", "mail", "sender"), 42, "expected a string, got a number"),
        (
            ("identities", "mail", "smtp"),
            {"host": "smtp.x.com", "port": 0},
            "0 is out of range (minimum 1)",
        ),
        (("sites", "acme", "pbx"), "pbx acme", '"pbx acme" is not a valid host name'),
        (("sites", "acme", "pbx"), None, "expected a string, got null"),
        (
            ("sites", "acme", "identity"),
            "Mail",
            "\"Mail\" is not valid: expected a name: lower-case letters, digits, '_', '.', '-'; "
            "it becomes a file name",
        ),
        (("settings",), {"expiry_warning_days": -1}, "-1 is out of range (minimum 0)"),
    ],
)
def test_value_errors_say_what_is_expected(
    tmp_path: Path, path: tuple[str, ...], value: Any, message: str
) -> None:
    document = base()
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    problems = problems_for(tmp_path, document)
    assert [p.message for p in problems] == [message]
    expected_path = path if path[-1] != "smtp" else (*path, "port")
    if path == ("settings",):
        expected_path = ("settings", "expiry_warning_days")
    assert problems[0].path == expected_path
    assert problems[0].severity == ERROR


def test_invalid_names_are_located_at_their_key(tmp_path: Path) -> None:
    text = (
        "version: 1\n"
        "sites:\n"
        "  ok: {domain: ok.com}\n"
        "  Bad Name: {domain: bad.com}\n"
        "  ..: {domain: dots.com}\n"
    )
    problems = problems_for(tmp_path, text)
    assert [(p.location.line if p.location else 0, p.message) for p in problems] == [
        (
            4,
            "invalid name \"Bad Name\": use lower-case letters, digits, '_', '.' and '-', "
            "starting with a letter or digit",
        ),
        (
            5,
            "invalid name \"..\": use lower-case letters, digits, '_', '.' and '-', "
            "starting with a letter or digit",
        ),
    ]
    assert all(p.path == ("sites",) for p in problems)


def test_apps_as_a_list_reports_every_bad_entry(tmp_path: Path) -> None:
    document = base()
    document["sites"]["acme"]["apps"] = ["pbx", "pbx", "Fax", 3]
    assert messages(problems_for(tmp_path, document)) == [
        'sites.acme.apps: has duplicate entries: "pbx"',
        'sites.acme.apps[2]: "Fax" is not valid: expected a name: lower-case letters, digits, '
        "'_', '.', '-'; it becomes a file name",
        "sites.acme.apps[3]: expected a string, got a number",
    ]


def test_apps_as_a_map_reports_every_bad_entry(tmp_path: Path) -> None:
    document = base()
    document["sites"]["acme"]["apps"] = {
        "pbx": None,
        "fax": {"identiy": "mail"},
        "users": [],
        "connect": {"sender": "nope"},
    }
    assert messages(problems_for(tmp_path, document)) == [
        "sites.acme.apps.fax.identiy: unknown key 'identiy'; did you mean 'identity'? "
        "(expected one of: helo, identity, kind, path, sender, sender_name)",
        "sites.acme.apps.users: expected nothing (null) or a mapping, got a list",
        'sites.acme.apps.connect.sender: "nope" is not a valid e-mail address',
    ]


def test_apps_of_another_type_get_the_description(tmp_path: Path) -> None:
    document = base()
    document["sites"]["acme"]["apps"] = "pbx"
    assert messages(problems_for(tmp_path, document)) == [
        "sites.acme.apps: expected the site's apps: a list of kinds, or a map app name -> overrides"
    ]


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ({"env": 5}, "clients.ms.client_secret.env: expected a string, got a number"),
        ({"command": []}, "clients.ms.client_secret.command: must not be empty"),
        (
            {"envv": "X"},
            "clients.ms.client_secret: expected a secret: a plain string (linted), "
            "{env: NAME}, {file: path}, {command: [argv...]} or an Ansible Vault value (!vault |)",
        ),
        ("", "clients.ms.client_secret: must not be empty"),
    ],
)
def test_secret_forms(tmp_path: Path, secret: Any, message: str) -> None:
    document = base()
    document["clients"]["ms"]["client_secret"] = secret
    assert messages(problems_for(tmp_path, document)) == [message]


@pytest.mark.parametrize(
    "secret",
    [
        {"env": "S3cr3t value pasted as a name"},
        ["S3cr3t-in-a-list"],
        {"file": "S3cr3t-as-file", "env": "X"},
        12345678,
    ],
)
def test_secret_values_never_appear_in_messages(tmp_path: Path, secret: Any) -> None:
    document = base()
    document["clients"]["ms"]["client_secret"] = secret
    document["identities"]["mail"]["password"] = secret
    problems = problems_for(tmp_path, document)
    assert problems
    for problem in problems:
        assert "S3cr3t" not in str(problem)
        assert "12345678" not in str(problem)


def test_problems_come_sorted_by_location(tmp_path: Path) -> None:
    text = (
        "version: 1\n"
        "sites:\n"
        "  b: {domain: 5}\n"
        "  a: {domain: x.com, pbx: 'a b'}\n"
        "clients:\n"
        "  c: {provider: nope}\n"
    )
    lines = [p.location.line for p in problems_for(tmp_path, text) if p.location]
    assert lines == sorted(lines) == [3, 4, 6]


# -- errors.py ---------------------------------------------------------------


def test_format_path() -> None:
    assert format_path(()) == "(document)"
    assert format_path(("sites", "acme", "apps", 0)) == "sites.acme.apps[0]"
    assert format_path(("x", 1, 2)) == "x[1][2]"


def test_problem_text_and_json() -> None:
    located = Problem(ERROR, "bad", Location("p.yaml", 3, 7), ("sites", "a"))
    assert str(located) == "p.yaml:3:7: sites.a: bad"
    assert located.as_json() == {
        "severity": "error",
        "file": "p.yaml",
        "line": 3,
        "column": 7,
        "path": "sites.a",
        "message": "bad",
    }
    warning = Problem("warning", "hmm", None, ())
    assert str(warning) == "warning: hmm"
    assert warning.as_json()["file"] is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text", "plain text"),
        ("Müller — Köln", "Müller — Köln"),
        ("a\nb", "a\\nb"),
        ("a\rb\tc", "a\\rb\\tc"),
        ("next\x85line", "next\\x85line"),
        ("sep\u2028x", "sep\\u2028x"),
        ("esc\x1b[31mred", "esc\\x1b[31mred"),
        ("nul\x00", "nul\\x00"),
    ],
)
def test_one_line(text: str, shown: str) -> None:
    assert one_line(text) == shown
    assert len(one_line(text).splitlines()) == 1


def test_a_problem_is_printed_on_one_line() -> None:
    problem = Problem(ERROR, "unknown key 'a\nb'", Location("p.yaml", 1, 1), ("x\u2028y",))
    assert str(problem) == "p.yaml:1:1: x\\u2028y: unknown key 'a\\nb'"
    assert problem.as_json()["message"] == "unknown key 'a\nb'"  # JSON escapes by itself


# -- the compiled fast path agrees with jsonschema ----------------------------------------

PARITY_SOURCES = [
    ROOT / "tests" / "acceptance" / "valid" / name
    for name in (
        "all-modes.yaml",
        "app-kinds.yaml",
        "warnings.yaml",
        "precedence.yaml",
        "yaml-features.yaml",
        "loopback.yaml",
    )
] + [EXAMPLE]
PARITY_DATA = [load_playbook(path).data for path in PARITY_SOURCES]
PARITY_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=20),
        st.sampled_from(
            [
                "",
                "..",
                "Acme",
                "acme",
                "pbx",
                "fax",
                "exchange",
                "gmail",
                "microsoft",
                "generic",
                "pbx@acme.com",
                "pbx@acme",
                "{{ x }}",
                "https://x.example",
                "http://x",
                "ftp://x",
                "2027-10-01",
                "2027-02-30",
                "pbx.acme.com:443",
                "a b",
                "tls",
                "starttls",
                "off",
                1,
                1.0,
                0,
                65536,
                -1,
                "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00",
            ]
        ),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "env",
                    "file",
                    "command",
                    "host",
                    "port",
                    "provider",
                    "identity",
                    "kind",
                    "path",
                    "x",
                ]
            ),
            children,
            max_size=3,
        ),
    ),
    max_leaves=6,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        found.append(prefix + (key,))
        found.extend(_paths(value, prefix + (key,)))
    return found


@settings(max_examples=200, deadline=None, database=None)
@given(st.data())
def test_compiled_schema_agrees_with_jsonschema(data: st.DataObject) -> None:
    """Playbooks are checked by the compiled validator first: it must accept exactly
    what jsonschema accepts, or an invalid playbook would pass."""
    document = copy.deepcopy(data.draw(st.sampled_from(PARITY_DATA)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(document)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "rename"]))
        if action == "replace" or isinstance(parent, list):
            parent[path[-1]] = data.draw(PARITY_VALUES)
        elif action == "delete":
            del parent[path[-1]]
        else:
            parent[data.draw(st.text(max_size=8) | st.sampled_from(["Bad", "..", "x"]))] = (
                parent.pop(path[-1])
            )
    reference = not any(True for _ in schema_module._validator().iter_errors(document))
    assert compiled.passes(document) is reference


def test_the_shipped_validator_is_generated_from_the_schema() -> None:
    """After a schema change: python -m provision.validate.compiled > its _schema_code.py
    (the agreement test above checks that the generated code is right)."""
    shipped = (ROOT / "provision" / "validate" / "_schema_code.py").read_text(encoding="utf-8")
    assert f"# schema sha256: {compiled.schema_digest()}\n" in shipped


def test_large_playbooks_take_the_compiled_path_and_still_explain(tmp_path: Path) -> None:
    sites = {f"s{i:03d}": {"domain": f"s{i}.example"} for i in range(60)}
    sites["s007"]["pbx"] = "not a host"
    document = {**base(), "sites": sites}
    problems = problems_for(tmp_path, document)
    assert messages(problems) == ['sites.s007.pbx: "not a host" is not a valid host name']
    del sites["s007"]["pbx"]
    assert problems_for(tmp_path, {**base(), "sites": sites}) == []


def test_generating_leaves_the_cached_schema_alone() -> None:
    """fastjsonschema rewrites the $refs of the schema it compiles, in place."""
    compiled.generate()
    assert schema() == json.loads(schema_text())
