"""provision.load: YAML with locations, duplicate keys, alias bombs, directory merge."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from provision.errors import ERROR, Location, PlaybookError, Problem
from provision.load import Playbook, load_playbook
from provision.load import build as load
from provision.secret import VaultText


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    assert all(p.severity == ERROR for p in caught.value.problems)
    return list(caught.value.problems)


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


SITES = """\
version: 1
sites:
  acme:
    domain: acme.com
    apps:
      - pbx
      - fax
"""


# -- locations ---------------------------------------------------------------


def test_locations_are_one_based_file_line_column(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", SITES)
    playbook = load_playbook(file)
    assert playbook.locate(("version",)) == Location(str(file), 1, 10)
    assert playbook.locate(("sites", "acme", "domain")) == Location(str(file), 4, 13)
    assert playbook.locate(("sites", "acme", "apps", 1)) == Location(str(file), 7, 9)


def test_locate_falls_back_to_the_nearest_parent(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", SITES)
    playbook = load_playbook(file)
    # no pbx key: the site's mapping (its first key) is the nearest place
    assert playbook.locate(("sites", "acme", "pbx")) == Location(str(file), 4, 5)
    assert playbook.locate(("sites", "acme", "apps", 9)) == Location(str(file), 6, 7)
    assert playbook.locate(()) == Location(str(file), 1, 1)


def test_key_location_points_at_the_key_not_the_value(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "version: 1\nsites:\n  acme:\n    domian:   acme.com\n")
    playbook = load_playbook(file)
    assert playbook.key_location(("sites", "acme", "domian")) == Location(str(file), 4, 5)
    assert playbook.locate(("sites", "acme", "domian")) == Location(str(file), 4, 15)


def test_location_str_is_file_line_column() -> None:
    assert str(Location("p.yaml", 7, 5)) == "p.yaml:7:5"


# -- scalars and keys --------------------------------------------------------


def test_bare_dates_are_kept_as_text(tmp_path: Path) -> None:
    file = write(
        tmp_path / "p.yaml",
        "version: 1\nclients:\n  c:\n    client_secret_expires: 2027-10-01\n"
        "    stamp: 2001-12-14t21:59:43.10-05:00\n",
    )
    client = load_playbook(file).data["clients"]["c"]
    assert client["client_secret_expires"] == "2027-10-01"
    assert type(client["client_secret_expires"]) is str
    assert client["stamp"] == "2001-12-14t21:59:43.10-05:00"


@pytest.mark.parametrize("key", ["2024", "yes", "no", "on", "null", "~", "1.5", "0x1f", "true"])
def test_keys_stay_the_text_written(tmp_path: Path, key: str) -> None:
    file = write(tmp_path / "p.yaml", f"version: 1\nsites:\n  {key}:\n    domain: a.com\n")
    sites = load_playbook(file).data["sites"]
    assert list(sites) == [key]


def test_values_keep_their_yaml_types(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "version: 1\na: yes\nb: 587\nc: ~\nd: '587'\ne: 1.5\n")
    data = load_playbook(file).data
    assert data == {"version": 1, "a": True, "b": 587, "c": None, "d": "587", "e": 1.5}


def test_vault_values_load_as_vault_text(tmp_path: Path) -> None:
    vaulted = (
        "$ANSIBLE_VAULT;1.1;AES256\n"
        "6162636465666768696a6b6c6d6e6f70\n"
        "3132333435363738393031323334353637\n"
    )
    body = "".join(f"      {line}\n" for line in vaulted.splitlines())
    text = f"version: 1\nclients:\n  c:\n    client_secret: !vault |\n{body}"
    file = write(tmp_path / "p.yaml", text)
    value = load_playbook(file).data["clients"]["c"]["client_secret"]
    assert isinstance(value, VaultText)
    assert isinstance(value, str)
    assert value == vaulted


def test_vault_on_a_mapping_is_rejected(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "version: 1\nx: !vault {a: 1}\n")
    problem = only_problem(file)
    assert problem.message == "invalid YAML: !vault expects a block of text (!vault |)"
    assert problem.location == Location(str(file), 2, 4)


def test_python_tags_are_not_constructed(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "version: 1\nx: !!python/object/apply:os.system [echo]\n")
    problem = only_problem(file)
    assert problem.message.startswith("invalid YAML: could not determine a constructor")


def test_utf8_bom_and_non_ascii_text_load(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "\ufeffversion: 1\nname: Müller — Köln\n".encode())
    assert load_playbook(file).data == {"version": 1, "name": "Müller — Köln"}


# -- duplicate keys and merge keys -------------------------------------------


def test_duplicate_keys_are_rejected_with_path_and_first_line(tmp_path: Path) -> None:
    file = write(
        tmp_path / "p.yaml",
        "version: 1\nsites:\n  acme:\n    domain: a.com\n    domain: b.com\n",
    )
    problem = only_problem(file)
    assert problem.message == "duplicate key 'domain' (first defined at line 4)"
    assert problem.location == Location(str(file), 5, 5)
    assert problem.path == ("sites", "acme", "domain")
    assert str(problem) == (
        f"{file}:5:5: sites.acme.domain: duplicate key 'domain' (first defined at line 4)"
    )


def test_every_duplicate_is_reported_in_file_order(tmp_path: Path) -> None:
    file = write(
        tmp_path / "p.yaml",
        "version: 1\nsites:\n  a: {domain: x.com, domain: y.com}\n  a: {}\nversion: 1\n",
    )
    problems = problems_of(file)
    assert [(p.location.line if p.location else 0, p.path) for p in problems] == [
        (3, ("sites", "a", "domain")),
        (4, ("sites", "a")),
        (5, ("version",)),
    ]


def test_duplicates_in_lists_get_their_index_in_the_path(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "version: 1\nx:\n  - {a: 1}\n  - {a: 1, a: 2}\n")
    assert only_problem(file).path == ("x", 1, "a")


def test_merge_keys_may_be_overridden(tmp_path: Path) -> None:
    file = write(
        tmp_path / "p.yaml",
        "version: 1\n"
        "sites:\n"
        "  a: &base {domain: a.com, pbx: pbx.a.com}\n"
        "  b:\n"
        "    <<: *base\n"
        "    domain: b.com\n"
        "  c:\n"
        "    <<: [*base, {app_platform: ap.c.com}]\n"
        "    pbx: pbx.c.com\n",
    )
    sites = load_playbook(file).data["sites"]
    assert sites["b"] == {"domain": "b.com", "pbx": "pbx.a.com"}
    assert sites["c"] == {"domain": "a.com", "pbx": "pbx.c.com", "app_platform": "ap.c.com"}


def test_merge_key_override_is_located_at_the_explicit_value(tmp_path: Path) -> None:
    file = write(
        tmp_path / "p.yaml",
        "version: 1\nsites:\n  a: &base {domain: a.com}\n  b:\n    <<: *base\n    domain: b.com\n",
    )
    playbook = load_playbook(file)
    assert playbook.locate(("sites", "b", "domain")) == Location(str(file), 6, 13)


def test_explicit_duplicates_beside_a_merge_key_are_rejected(tmp_path: Path) -> None:
    file = write(
        tmp_path / "p.yaml",
        "version: 1\nsites:\n  a: &base {domain: a.com}\n  b:\n    <<: *base\n"
        "    domain: b.com\n    domain: c.com\n",
    )
    problem = only_problem(file)
    assert problem.path == ("sites", "b", "domain")
    assert problem.location == Location(str(file), 7, 5)


def test_complex_keys_are_rejected(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "version: 1\nsites:\n  ? [a, b]\n  : x\n")
    problem = only_problem(file)
    assert problem.message == "a mapping key must be a plain name or string"
    assert problem.path == ("sites",)
    assert problem.location == Location(str(file), 3, 5)


# -- alias bombs -------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\nversion: 1\n"


def test_alias_bomb_is_rejected_fast(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", billion_laughs())
    start = time.perf_counter()
    problem = only_problem(file)
    elapsed = time.perf_counter() - start
    assert "aliases expand to more than" in problem.message
    assert problem.location is not None and problem.location.file == str(file)
    assert elapsed < 1.0


def test_alias_bomb_in_keys_of_a_mapping_is_rejected(tmp_path: Path) -> None:
    text = "a0: &a0 {" + ", ".join(f"k{i}: v" for i in range(10)) + "}\n"
    for i in range(1, 8):
        text += f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(10)) + "}\n"
    file = write(tmp_path / "p.yaml", text)
    assert "refusing to load" in only_problem(file).message


def test_moderate_sharing_through_aliases_loads(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", billion_laughs(levels=3))  # 10^4 nodes
    assert len(load_playbook(file).data["a3"]) == 10


def test_the_alias_limit_counts_expanded_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "a: &a [1, 2, 3, 4]\nb: [*a, *a]\n"  # each alias expands to 5 nodes
    file = write(tmp_path / "p.yaml", text)
    monkeypatch.setattr(load, "ALIAS_EXPANSION_LIMIT", 10)
    assert load_playbook(file).data["b"] == [[1, 2, 3, 4], [1, 2, 3, 4]]
    monkeypatch.setattr(load, "ALIAS_EXPANSION_LIMIT", 9)
    assert "more than 9 nodes" in only_problem(file).message


# -- documents that are not playbooks ----------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "--- ~\n"])
def test_empty_files_are_reported(tmp_path: Path, text: str) -> None:
    file = write(tmp_path / "p.yaml", text)
    problem = only_problem(file)
    assert problem.message == "the file is empty: expected a playbook mapping"
    assert problem.location == Location(str(file), 1, 1)


@pytest.mark.parametrize("text", ["- version: 1\n", "just text\n", "42\n", "[1, 2]\n"])
def test_non_mapping_documents_are_reported(tmp_path: Path, text: str) -> None:
    problem = only_problem(write(tmp_path / "p.yaml", text))
    assert problem.message == "expected a mapping of top-level keys (version, sites, ...)"


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", b"version: 1\nsites:\n  a:\n    name: caf\xe9\n")
    problem = only_problem(file)
    assert problem.message == "not UTF-8 text (byte 0xe9); save the file as UTF-8"
    assert problem.location == Location(str(file), 4, 14)


def test_utf16_is_not_utf8(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "version: 1\n".encode("utf-16"))
    assert only_problem(file).message.startswith("not UTF-8 text")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("version: 1\nsites: [a, b\n", 3, "invalid YAML: while parsing a flow sequence at line 2"),
        ("version: 1\n\tsites: {}\n", 2, "invalid YAML: "),
        (
            "version: 1\n---\nversion: 1\n",
            2,
            "invalid YAML: a playbook file holds one YAML document, but found another",
        ),
        ("version: 1\nx: *nope\n", 2, "invalid YAML: found undefined alias"),
        ("version: 1\nx: 'unterminated\n", 3, "invalid YAML: "),
        ("a: b: c\n", 1, "invalid YAML: mapping values are not allowed"),
    ],
)
def test_invalid_yaml_is_located(tmp_path: Path, text: str, line: int, message: str) -> None:
    file = write(tmp_path / "p.yaml", text)
    problem = only_problem(file)
    assert problem.message.startswith(message), problem.message
    assert problem.location is not None and problem.location.line == line


def test_missing_path_is_reported(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "nope.yaml")
    assert problem.message == f"no such file or directory: {tmp_path / 'nope.yaml'}"


def test_empty_directory_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pb").mkdir()
    write(tmp_path / "pb" / "notes.txt", "not yaml")
    problem = only_problem(tmp_path / "pb")
    assert problem.message == f"{tmp_path / 'pb'} holds no *.yaml or *.yml files"


# -- directory playbooks ------------------------------------------------------


def test_directory_files_merge_in_name_order(tmp_path: Path) -> None:
    pb = tmp_path / "pb"
    write(pb / "b.yml", "sites:\n  beta: {domain: b.com}\nsettings:\n  expiry_warning_days: 5\n")
    write(pb / "a.yaml", "version: 1\nsites:\n  acme: {domain: a.com}\nsettings: {output_dir: o}\n")
    write(pb / "c.yaml", "version: 1\nclients:\n  c: {provider: google}\n")
    write(pb / "ignored.json", "{}")
    (pb / "sub.yaml").mkdir()  # a directory named like a file is not read
    playbook = load_playbook(pb)
    assert playbook.base_dir == pb
    assert [Path(s.file).name for s in playbook.sources] == ["a.yaml", "b.yml", "c.yaml"]
    assert playbook.data == {
        "version": 1,
        "sites": {"acme": {"domain": "a.com"}, "beta": {"domain": "b.com"}},
        "settings": {"output_dir": "o", "expiry_warning_days": 5},
        "clients": {"c": {"provider": "google"}},
    }
    # each entry is located in its own file
    beta = playbook.locate(("sites", "beta", "domain"))
    assert beta == Location(str(pb / "b.yml"), 2, 18)
    client = playbook.locate(("clients", "c", "provider"))
    assert client == Location(str(pb / "c.yaml"), 3, 17)
    assert playbook.key_location(("sites", "beta")) == Location(str(pb / "b.yml"), 2, 3)


def test_a_name_defined_in_two_files_names_both(tmp_path: Path) -> None:
    pb = tmp_path / "pb"
    a = write(pb / "a.yaml", "version: 1\nsites:\n  acme: {domain: a.com}\n")
    b = write(pb / "b.yaml", "sites:\n  other: {domain: o.com}\n  acme: {domain: b.com}\n")
    problem = only_problem(pb)
    assert problem.message == (f"sites 'acme' is defined twice: in {a}:3:3 and in {b}:3:3")
    assert problem.location == Location(str(b), 3, 3)
    assert problem.path == ("sites", "acme")


def test_a_settings_key_in_two_files_is_an_error(tmp_path: Path) -> None:
    pb = tmp_path / "pb"
    write(pb / "a.yaml", "version: 1\nsettings: {output_dir: x}\n")
    write(pb / "b.yaml", "settings: {output_dir: x}\n")
    assert "settings key 'output_dir' is defined twice" in only_problem(pb).message


def test_a_plain_section_may_repeat_when_equal(tmp_path: Path) -> None:
    pb = tmp_path / "pb"
    write(pb / "a.yaml", "version: 1\n")
    write(pb / "b.yaml", "version: 1\n")
    assert load_playbook(pb).data == {"version": 1}
    write(pb / "c.yaml", "version: 2\n")
    problem = only_problem(pb)
    assert problem.message.startswith("'version' is defined twice, differently: in ")
    assert problem.location == Location(str(pb / "c.yaml"), 1, 1)


def test_every_broken_file_of_a_directory_is_reported(tmp_path: Path) -> None:
    pb = tmp_path / "pb"
    write(pb / "a.yaml", "version: [1\n")
    write(pb / "b.yaml", "")
    write(pb / "c.yaml", b"x: \xff\n")
    write(pb / "d.yaml", "sites: {a: {domain: a.com}}\n")
    files = [Path(p.location.file).name for p in problems_of(pb) if p.location]
    assert files == ["a.yaml", "b.yaml", "c.yaml"]


def test_a_section_of_another_type_in_a_second_file_is_not_merged(tmp_path: Path) -> None:
    pb = tmp_path / "pb"
    write(pb / "a.yaml", "version: 1\nsites: {a: {domain: a.com}}\n")
    write(pb / "b.yaml", "sites: [oops]\n")
    problem = only_problem(pb)
    assert problem.message.startswith("'sites' is defined twice, differently")


def test_single_file_base_dir_is_its_folder(tmp_path: Path) -> None:
    file = write(tmp_path / "sub" / "p.yaml", "version: 1\n")
    playbook = load_playbook(file)
    assert isinstance(playbook, Playbook)
    assert playbook.base_dir == tmp_path / "sub"
    assert playbook.path == file
