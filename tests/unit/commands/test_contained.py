"""plan and apply never reach outside the output directory and never do nothing
silently: linked directories inside it, a tampered manifest, outputs that collide or take
provision's own names, a --limit that matches nothing, files the playbook dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.playbook_helpers import copy_playbook, edit_playbook, files_under
from tests.unit.commands.test_plan_apply import AZURE, ENV, Reconcile


@pytest.fixture
def reconcile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reconcile:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return Reconcile(copy_playbook("reconcile", tmp_path))


@pytest.fixture
def outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reconcile:
    monkeypatch.setenv("OUTPUTS_AZURE_SECRET", AZURE)
    monkeypatch.chdir(tmp_path)
    return Reconcile(copy_playbook("outputs", tmp_path))


# -- links and the manifest ---------------------------------------------------------------


def test_a_linked_directory_inside_the_output_dir_is_refused_not_written_through(
    reconcile: Reconcile, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other-customer"
    elsewhere.mkdir()
    (reconcile.out / "apps").mkdir(parents=True)
    (reconcile.out / "apps/acme").symlink_to(elsewhere)
    plan = reconcile.run("plan")
    assert plan.exit_code == 1
    assert "! failed [acme/pbx]: cannot read apps/acme/pbx.json: apps/acme is a symbolic link" in (
        plan.stdout
    )
    run = reconcile.run("apply")
    assert run.exit_code == 1
    assert "failed: [acme/fax]" in run.stdout and "remove it" in run.stdout
    assert list(elsewhere.iterdir()) == []  # no secret-bearing config went there
    assert (reconcile.out / "apps/beta/pbx.json").exists()  # the rest is applied


def test_prune_deletes_only_paths_inside_the_output_dir(
    reconcile: Reconcile, tmp_path: Path
) -> None:
    reconcile.apply()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    manifest_path = reconcile.out / ".provision-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = {"item": {"kind": "sheet", "name": "acme"}}
    for path in ("../../victim.txt", str(victim), "apps/../../victim.txt", "./x"):
        manifest["files"][path] = entry
    manifest_path.write_text(json.dumps(manifest))
    run = reconcile.run("apply", "--prune")
    assert run.exit_code == 0, run.output
    assert victim.read_text() == "keep me"


def test_prune_does_not_follow_a_linked_directory(reconcile: Reconcile, tmp_path: Path) -> None:
    reconcile.apply()
    elsewhere = tmp_path / "elsewhere"
    (reconcile.out / "apps/delta").rename(elsewhere)
    (reconcile.out / "apps/delta").symlink_to(elsewhere)
    edit_playbook(reconcile.playbook, lambda d: d["sites"].pop("delta"))
    run = reconcile.run("apply", "--prune")
    assert run.exit_code == 1
    assert "cannot prune apps/delta/pbx.json: apps/delta is a symbolic link" in run.stdout
    assert (elsewhere / "pbx.json").exists()


# -- the playbook's own output paths ------------------------------------------------------


def _output_path(playbook: Path, name: str, path: str) -> None:
    def change(data: dict[str, Any]) -> None:
        data["outputs"][name]["path"] = path

    edit_playbook(playbook, change)


def test_two_sites_rendering_one_output_path_fail_both_and_name_each_other(
    outputs: Reconcile,
) -> None:
    _output_path(outputs.playbook, "app-xml", "xml/{{ app.name }}.xml")
    run = outputs.run("plan")
    assert run.exit_code == 1
    assert (
        "! failed [beta/pbx output app-xml]: xml/pbx.xml is rendered for acme/pbx output "
        "app-xml too; give each its own path" in run.stdout
    )
    assert "! failed [acme/pbx output app-xml]: xml/pbx.xml is rendered for beta/pbx" in (
        run.stdout
    )
    assert outputs.run("apply").exit_code == 1
    assert not (outputs.out / "xml/pbx.xml").exists()
    assert (outputs.out / "xml/fax.xml").exists()  # no clash: written


def test_an_output_clashing_with_a_built_in_file_fails(outputs: Reconcile) -> None:
    _output_path(outputs.playbook, "site-list", "sites/{{ site.name }}.md")
    run = outputs.run("apply")
    assert run.exit_code == 1
    assert "sites/acme.md is rendered for site:acme output site-list too" in run.stdout


@pytest.mark.parametrize(
    ("path", "why"),
    [
        (".provision-manifest.json", "provision keeps its own state under that name"),
        (".provision.lock", "provision keeps its own state under that name"),
        ("x/.a.1.provision-tmp", "provision keeps its own state under that name"),
        ("a{{ '\\0' }}b/{{ site.name }}", "it holds a control character"),
        ("a{{ '\\n' }}b/{{ site.name }}", "it holds a control character"),
        ("/etc/{{ site.name }}", "it must stay inside the output directory"),
        ("{{ '' }}", "it must stay inside the output directory"),
    ],
)
def test_unusable_output_paths_are_located_failures(
    outputs: Reconcile, path: str, why: str
) -> None:
    _output_path(outputs.playbook, "site-list", path)
    run = outputs.run("apply")
    assert run.exit_code == 1, run.output
    line = next(line for line in run.stdout.splitlines() if "output site-list]" in line)
    assert "playbook.yaml:" in line and ": outputs.site-list.path renders " in line
    assert why in line
    assert "\0" not in run.stdout
    assert not (outputs.out / ".provision-manifest.json").is_dir()


# -- doing nothing is not success ---------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply", "verify"])
def test_a_limit_matching_nothing_is_an_input_error_listing_the_sites(
    reconcile: Reconcile, command: str
) -> None:
    run = reconcile.run(command, "--limit", "acme-tset")
    assert run.exit_code == 2
    assert (
        "provision: --limit 'acme-tset' matches no site and no app; did you mean 'acme'? "
        "(sites: acme, beta, gamma, delta;" in run.stderr
    )
    assert not reconcile.out.exists()


def test_a_limit_differing_in_case_gets_a_did_you_mean(reconcile: Reconcile) -> None:
    run = reconcile.run("plan", "--limit", "ACME/Fax")
    assert run.exit_code == 2
    assert "did you mean 'acme/fax'?" in run.stderr


def test_a_limit_matching_nothing_in_json(reconcile: Reconcile) -> None:
    run = reconcile.run("plan", "--limit", "nope", "--format", "json")
    assert run.exit_code == 2
    [problem] = json.loads(run.stdout)["problems"]
    assert problem["message"].startswith("--limit 'nope' matches no site and no app")


def test_a_limit_selecting_only_a_removed_site_may_still_prune_it(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(reconcile.playbook, lambda d: d["sites"].pop("delta"))
    assert reconcile.run("plan", "--limit", "delta").exit_code == 2  # nothing to plan
    reconcile.apply("--prune", "--limit", "delta")
    assert not (reconcile.out / "apps/delta/pbx.json").exists()


def test_files_the_playbook_dropped_are_reported_until_pruned(reconcile: Reconcile) -> None:
    reconcile.apply()
    edit_playbook(reconcile.playbook, lambda d: d["sites"].pop("delta"))
    plan = reconcile.run("plan")
    assert (
        "2 files are no longer in the playbook (apps/delta/pbx.json, sites/delta.md); "
        "--prune deletes them" in plan.stdout
    )
    applied = reconcile.run("apply")
    assert "2 files are no longer in the playbook" in applied.stdout
    document = json.loads(reconcile.run("plan", "--format", "json").stdout)
    assert document["stale"] == ["apps/delta/pbx.json", "sites/delta.md"]
    reconcile.apply("--prune")
    assert "no longer in the playbook" not in reconcile.run("plan").stdout
    assert "apps/delta/pbx.json" not in files_under(reconcile.out)
