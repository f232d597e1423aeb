"""`--limit`: Ansible host patterns over `site` and `site/app`, as a unit and
through plan and apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provision.limit import Limit
from tests.playbook_helpers import (
    cli_run,
    copy_playbook,
    files_under,
    recap_lines,
)

SITES = {
    "acme": ["pbx", "fax", "users"],
    "acme-test": ["pbx", "fax"],
    "beta": ["pbx", "fax", "fax2"],
}


def _selected(pattern: str | None) -> set[str]:
    limit = Limit.parse(pattern)
    return {f"{s}/{a}" for s, apps in SITES.items() for a in apps if limit.selects(s, a)}


ALL = {f"{s}/{a}" for s, apps in SITES.items() for a in apps}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (None, ALL),
        ("", ALL),
        ("acme", {"acme/pbx", "acme/fax", "acme/users"}),
        ("acme*", {"acme/pbx", "acme/fax", "acme/users", "acme-test/pbx", "acme-test/fax"}),
        ("acme*,!acme-test", {"acme/pbx", "acme/fax", "acme/users"}),
        ("!acme-test", ALL - {"acme-test/pbx", "acme-test/fax"}),
        ("beta/fax", {"beta/fax"}),
        ("beta/fax*", {"beta/fax", "beta/fax2"}),
        ("*/fax", {"acme/fax", "acme-test/fax", "beta/fax"}),
        ("acme,beta/pbx", {"acme/pbx", "acme/fax", "acme/users", "beta/pbx"}),
        ("*,!*/fax*", {"acme/pbx", "acme/users", "acme-test/pbx", "beta/pbx"}),
        ("beta, acme-test/pbx", {"beta/pbx", "beta/fax", "beta/fax2", "acme-test/pbx"}),
        ("b?ta/fax[0-9]", {"beta/fax2"}),
        ("nothing", set()),
        ("ACME", set()),  # names are lower-case; matching is case-sensitive
        ("acme,!acme", set()),  # an exclusion wins
        (",,acme,,", {"acme/pbx", "acme/fax", "acme/users"}),
    ],
)
def test_patterns(pattern: str | None, expected: set[str]) -> None:
    assert _selected(pattern) == expected


def test_parse() -> None:
    assert Limit.parse("a*, !b ,c/d,! e") == Limit(("a*", "c/d"), ("b", "e"))
    assert Limit.parse(None).everything
    assert not Limit.parse("!x").everything


def test_site_alone() -> None:
    """A site is selected by its own name; an app pattern does not select the site."""
    limit = Limit.parse("acme/fax")
    assert not limit.selects("acme")
    assert limit.selects("acme", "fax")
    assert Limit.parse("acme").selects("acme")
    assert not Limit.parse("!acme").selects("acme")


# -- through the CLI ------------------------------------------------------------------


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECONCILE_AZURE_SECRET", "limit-azure")
    monkeypatch.setenv("RECONCILE_IDP_SECRET", "limit-idp")
    monkeypatch.setenv("RECONCILE_FAX_PASSWORD", "limit-fax")
    return copy_playbook("reconcile", tmp_path)


def _apps_written(playbook: Path) -> set[str]:
    out = playbook.parent / "out"
    return (
        {
            path.removeprefix("apps/").removesuffix(".json")
            for path in files_under(out)
            if path.startswith("apps/")
        }
        if out.exists()
        else set()
    )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (
            "acme",
            {
                "acme/pbx",
                "acme/reporting",
                "acme/fax",
                "acme/users",
                "acme/connect",
                "acme/manager",
            },
        ),
        ("beta/fax*", {"beta/fax", "beta/fax2"}),
        ("beta,gamma", {"beta/pbx", "beta/fax", "beta/fax2", "gamma/pbx"}),
        ("*,!acme", {"beta/pbx", "beta/fax", "beta/fax2", "gamma/pbx", "delta/pbx"}),
        ("*/pbx,!delta", {"acme/pbx", "beta/pbx", "gamma/pbx"}),
        ("!*/fax*,!acme/*,!delta", {"beta/pbx", "gamma/pbx"}),
    ],
)
def test_apply_limit(playbook: Path, pattern: str, expected: set[str]) -> None:
    run = cli_run(["apply", playbook, "--limit", pattern])
    assert run.exit_code == 0, run.output
    assert _apps_written(playbook) == expected
    sites = {address.split("/")[0] for address in expected}
    assert {h for h in recap_lines(run.stdout) if not h.startswith("(")} == sites


def test_uri_lists_hold_every_app_whatever_the_limit(playbook: Path) -> None:
    """A console holds every app's URI: --limit must not shrink a client's list."""
    cli_run(["apply", playbook, "--limit", "beta/pbx"])
    listed = cli_run(["redirect-uris", playbook, "--client", "beta-google"]).stdout
    written = (playbook.parent / "out/redirect-uris/beta-google.txt").read_text("utf-8")
    assert listed.splitlines() == [line for line in written.splitlines() if line[:1] != "#"]
    assert "fax2" in written


def test_plan_limit(playbook: Path) -> None:
    run = cli_run(["plan", playbook, "--limit", "gamma,delta/pbx", "--format", "json"])
    items = {c["item"] for c in json.loads(run.stdout)["changes"]}
    assert {i for i in items if "/" in i} == {"gamma/pbx", "delta/pbx"}


def test_limit_then_the_rest(playbook: Path) -> None:
    cli_run(["apply", playbook, "--limit", "acme"])
    run = cli_run(["apply", playbook, "--limit", "!acme"])
    assert "acme" not in recap_lines(run.stdout)
    assert "changed: [beta/pbx]" in run.stdout
    run = cli_run(["apply", playbook])
    assert all("changed=0" in line for line in recap_lines(run.stdout).values())


def test_prune_with_an_excluded_app_keeps_its_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app left out by --limit keeps every file, its own outputs included."""
    monkeypatch.setenv("OUTPUTS_AZURE_SECRET", "limit-outputs")
    playbook = copy_playbook("outputs", tmp_path)
    assert cli_run(["apply", playbook]).exit_code == 0
    before = set(files_under(playbook.parent / "out"))
    run = cli_run(["apply", playbook, "--prune", "--limit", "!acme/pbx"])
    assert run.exit_code == 0, run.output
    assert set(files_under(playbook.parent / "out")) == before
    run = cli_run(["apply", playbook, "--prune", "--limit", "beta"])
    assert set(files_under(playbook.parent / "out")) == before
