"""provision.api from Python, without the CLI: validate, plan, apply and verify on real
playbooks on disk (tests/playbooks/), typed results, exceptions for bad input, nothing
printed, no secret in any result, and a typed client that mypy --strict accepts."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import provision.api as api
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP
from tests.playbook_helpers import ROOT, copy_playbook, files_under, subprocess_run
from tests.playbooks.e2e.harness import E2E, IDENTITIES, SECRET_VALUES, leaked

AZURE = "AZ-api-s3cr3t-41c7e0d2-azure"
IDP = "IDP-api-s3cr3t-9a1b7c33-idp"
FAX = "FAX-api-passw0rd-5d2e8f10-ropc"
GOOGLE = "GOOGLE-SECRET-f1le-9b3e61d2"  # tests/playbooks/reconcile/secrets/beta-google.secret
SECRETS = (AZURE, IDP, FAX, GOOGLE)


@pytest.fixture
def reconcile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tests/playbooks/reconcile in tmp_path, its environment secrets set."""
    monkeypatch.setenv("RECONCILE_AZURE_SECRET", AZURE)
    monkeypatch.setenv("RECONCILE_IDP_SECRET", IDP)
    monkeypatch.setenv("RECONCILE_FAX_PASSWORD", FAX)
    return copy_playbook("reconcile", tmp_path)


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the one line of `path` that holds `text`."""
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_validate_a_valid_playbook(reconcile: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = api.validate(reconcile)

    assert result.valid
    assert result.errors == ()
    assert result.counts == api.Counts(sites=4, apps=11, identities=5, clients=4)
    assert result.playbook == reconcile
    ropc = [w for w in result.warnings if "ROPC" in w.message]
    assert len(ropc) == 1 and ropc[0].location is not None
    assert ropc[0].location.file == str(reconcile)
    assert ropc[0].location.line == line_of(reconcile, "mode: microsoft365")
    assert ropc[0].path == ("identities", "acme-fax", "mode")
    assert capfd.readouterr() == ("", "")


def test_validate_an_invalid_playbook_returns_located_problems(
    reconcile: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    text = reconcile.read_text()
    reconcile.write_text(text.replace("mode: exchange", "mode: exchnage", 1))

    result = api.validate(reconcile)

    assert not result.valid
    assert result.counts is None
    (error,) = result.errors
    assert error.location is not None
    assert (error.location.file, error.location.line) == (
        str(reconcile),
        line_of(reconcile, "mode: exchnage"),
    )
    assert error.path == ("identities", "acme-mail", "mode")
    assert "exchnage" in error.message
    assert capfd.readouterr() == ("", "")


def test_validate_resolves_secrets_unless_told_not_to(
    reconcile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECONCILE_IDP_SECRET")

    assert api.validate(reconcile, secrets=False).valid
    result = api.validate(reconcile)
    (error,) = result.errors
    assert "RECONCILE_IDP_SECRET" in error.message
    assert error.location is not None
    assert error.location.line == line_of(reconcile, "{env: RECONCILE_IDP_SECRET}")


def test_a_playbook_that_does_not_exist_is_invalid(tmp_path: Path) -> None:
    result = api.validate(tmp_path / "missing.yaml")

    assert not result.valid
    assert "no such file" in result.errors[0].message


def test_plan_then_apply_writes_files_and_a_second_apply_changes_nothing(
    reconcile: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = reconcile.parent / "out"
    warned: list[tuple[api.Problem, ...]] = []

    planned = api.plan(reconcile, on_warnings=lambda found: warned.append(tuple(found)))

    assert not out.exists()  # planning writes nothing
    assert planned.failures == ()
    paths = {change.path for change in planned.pending}
    assert "apps/acme/pbx.json" in paths and len(paths) == len(planned.files)
    assert {change.action for change in planned.pending} == {"create"}
    assert len(warned) == 1 and any("ROPC" in w.message for w in warned[0])

    applied = api.apply(planned)

    assert not applied.failed
    assert {r.status for r in applied.files} == {"changed"}
    assert paths <= set(files_under(out))
    assert applied.recap["acme"] == {"ok": 6, "changed": 6, "failed": 0, "skipped": 0}
    assert AZURE in (out / "apps/acme/pbx.json").read_text()

    again = api.apply(reconcile)

    assert not again.failed
    assert {r.status for r in again.files} == {"ok"}
    assert all(counts["changed"] == 0 for counts in again.recap.values())
    assert api.plan(reconcile).pending == []
    printed = capfd.readouterr()
    assert printed == ("", "")
    assert not leaked(SECRETS, repr(planned), repr(applied), repr(again))


def test_apply_check_and_limit(reconcile: Path) -> None:
    checked = api.apply(reconcile, check=True, limit="acme/pbx")

    assert checked.check
    assert {r.status for r in checked.files} == {"changed"}
    apps = [r.path for r in checked.files if r.item.kind == "app"]
    assert apps == ["apps/acme/pbx.json"]  # the clients' URI lists and acme's sheet beside
    assert not (reconcile.parent / "out").exists()
    assert {c.item.app for c in api.plan(reconcile, limit="beta").pending} >= {"fax2"}


def test_a_failing_item_is_in_the_result_not_raised(reconcile: Path) -> None:
    (reconcile.parent / "secrets" / "beta-google.secret").unlink()

    planned = api.plan(reconcile, limit="acme")  # acme's apps do not need that secret
    assert planned.failures == ()
    with pytest.raises(api.PlaybookError) as raised:
        api.plan(reconcile)  # beta's do: the secret is the playbook's problem, located
    (problem,) = raised.value.errors
    assert problem.location is not None and problem.location.file == str(reconcile)
    assert problem.path == ("clients", "beta-google", "client_secret")


def test_bad_input_raises(reconcile: Path, tmp_path: Path) -> None:
    with pytest.raises(api.InputError, match="nosuch"):
        api.plan(reconcile, limit="nosuch")
    with pytest.raises(api.InputError):
        api.verify(reconcile, limit="nosuch")
    with pytest.raises(TypeError, match="plan"):
        api.apply(api.plan(reconcile), limit="acme")

    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nsites: [\n")
    for call in (api.plan, api.apply, api.verify):
        with pytest.raises(api.PlaybookError) as raised:
            call(broken)
        assert raised.value.problems[0].location is not None
        assert raised.value.problems[0].location.file == str(broken)


def test_a_run_that_cannot_start_raises_operation_error(reconcile: Path) -> None:
    (reconcile.parent / "out").write_text("a file where the output directory should be")

    planned = api.plan(reconcile)
    assert planned.failures  # each app's file cannot be read

    with pytest.raises(api.OperationError) as raised:
        api.apply(planned)
    assert "output directory" in raised.value.message


def test_verify_against_the_local_identity_provider(
    tmp_path: Path,
    idp: LocalIdP,
    smtp_server: LocalSMTP,
    pki: PKI,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    e2e = E2E.build(tmp_path, idp, smtp_server, pki)
    vault_password_file = e2e.env.pop("PROVISION_VAULT_PASSWORD_FILE")
    for name, value in e2e.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PROVISION_VAULT_PASSWORD_FILE", raising=False)
    finished: list[str] = []

    result = api.verify(
        e2e.playbook,
        smtp=True,
        timeout=5,
        vault_password_file=vault_password_file,
        on_result=lambda one: finished.append(one.name),
    )

    assert not result.failed
    statuses = {r.name: r.status for r in result.identities}
    assert sorted(statuses) == sorted(IDENTITIES)
    for name in ("exchange", "gmail"):  # never authorized
        assert statuses[name] == "needs-authorization"
    for name in ("ropc", "service-account", "generic", "jwt"):
        assert statuses[name] == "ok", result
    assert sorted(finished) == sorted(IDENTITIES)
    logged_in = {mailbox for mailbox, ok in e2e.smtp.auth_attempts if ok}
    assert logged_in == {
        IDENTITIES[name][1] for name in ("ropc", "service-account", "generic", "jwt")
    }

    e2e.idp.add_client("e2e-generic", secret="S3cr3t-api-rotated-elsewhere")
    again = api.verify(
        e2e.playbook, limit="gamma", timeout=5, vault_password_file=vault_password_file
    )
    assert again.failed
    failed = {r.name: r for r in again.identities if r.status == "failed"}
    assert list(failed) == ["generic"] and failed["generic"].error

    printed = capfd.readouterr()
    assert printed == ("", "")
    assert not leaked([*SECRET_VALUES, *e2e.issued_tokens()], repr(result), repr(again))


def test_all_names_only_existing_documented_callables_and_types() -> None:
    assert len(api.__all__) == len(set(api.__all__))
    for name in api.__all__:
        value = getattr(api, name)
        if inspect.isfunction(value):
            doc = inspect.getdoc(value) or ""
            assert "Returns:" in doc and "Args:" in doc, name
            for parameter in inspect.signature(value).parameters:
                assert parameter in doc, (name, parameter)
        elif inspect.isclass(value):
            doc = value.__doc__ or ""
            # a dataclass without a docstring gets its signature as one
            assert doc and not doc.startswith(f"{name}("), name
        else:  # a type alias: described in the module's docstring
            assert name in (api.__doc__ or ""), name
    public = {
        name
        for name, value in vars(api).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and getattr(value, "__module__", "").startswith("provision")
    }
    assert public <= set(api.__all__)


def test_importing_the_api_loads_no_network_library() -> None:
    script = (
        "import sys, provision.api\n"
        "heavy = ('requests', 'msal', 'google', 'urllib3', 'authlib', 'jinja2')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"


GOOD_CLIENT = """\
from pathlib import Path

from provision import api


def run(playbook: Path) -> int:
    checked: api.Validation = api.validate(playbook, secrets=False)
    if not checked.valid:
        for problem in checked.errors:
            where: api.Location | None = problem.location
            print(where, problem.message)
        return 2
    try:
        planned: api.Plan = api.plan(playbook, limit="acme")
        result: api.ApplyResult = api.apply(planned)
        verified: api.VerifyResult = api.verify(playbook, smtp=True, jobs=4)
    except api.PlaybookError as exc:
        problems: tuple[api.Problem, ...] = tuple(exc.problems)
        return len(problems)
    except (api.InputError, api.OperationError):
        return 1
    changes: list[api.FileChange] = planned.pending
    items: tuple[api.ItemResult, ...] = result.files
    identities: tuple[api.IdentityResult, ...] = verified.identities
    return len(changes) + len(items) + len(identities) + int(result.failed)
"""

BAD_CLIENT = """\
from provision import api

valid: str = api.validate("playbook.yaml").valid
api.apply("playbook.yaml", prune="yes")
"""


def test_a_typed_client_passes_mypy_strict_and_a_wrong_one_does_not(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD_CLIENT)
    (tmp_path / "bad.py").write_text(BAD_CLIENT)
    mypy = Path(sys.executable).parent / "mypy"
    if not mypy.exists():
        pytest.skip("mypy is not installed beside this Python")
    # provision found on PYTHONPATH is an installed package to mypy: py.typed decides
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(mypy), "--strict", "--cache-dir", str(tmp_path / "cache"), "good.py", "bad.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[:2] for line in errors] == [["bad.py", "3"], ["bad.py", "4"]], (
        done.stdout
    )


def test_the_readme_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    for secret in (tmp_path / "playbooks" / "secrets").iterdir():
        secret.chmod(0o600)
    script = tmp_path / "example.py"
    script.write_text(example)
    # the identity provider it asks is behind a proxy that refuses at once: no network
    env = {"HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    run = subprocess_run([], cwd=tmp_path, env=env, script=script)

    assert run.exit_code == 0, run.output
    assert "Counts(sites=2, apps=10, identities=3, clients=2)" in run.stdout
    assert "create apps/acme/pbx.json" in run.stdout
    assert "{'ok': 6, 'changed': 6, 'failed': 0, 'skipped': 0} False" in run.stdout
    assert "{'ok': 6, 'changed': 0, 'failed': 0, 'skipped': 0}" in run.stdout
    assert "acme-mail needs-authorization" in run.stdout
    assert (tmp_path / "playbooks" / "out" / "apps" / "acme" / "pbx.json").is_file()
