"""Verbose logs: the verbosity asked for (-v counted, PROVISION_LOG), what each level lets
through, and the one formatter every record passes, which scrubs what libraries log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from provision import log
from provision.cli import cli
from provision.logformat import ScrubbingFormatter
from provision.secret import PLACEHOLDER, Secret


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    yield
    log.configure(0)


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("msal.token_cache", logging.DEBUG, __file__, 1, message, args, info)


def test_verbosity_counts_v_and_reads_provision_log() -> None:
    assert log.verbosity(0, None) == 0
    assert log.verbosity(1, "") == 1
    assert log.verbosity(5, None) == 2
    assert log.verbosity(0, "debug") == 2
    assert log.verbosity(0, " INFO ") == 1
    assert log.verbosity(2, "info") == 2  # whichever says more
    assert log.verbosity(0, "off") == log.verbosity(0, "0") == 0
    with pytest.raises(ValueError, match="PROVISION_LOG='loud': use off, info"):
        log.verbosity(0, "loud")


def test_the_formatter_scrubs_held_secrets_in_arguments_and_tracebacks() -> None:
    secret = Secret("S3cr3t-LOG-held-xyzzy")
    formatter = ScrubbingFormatter("%(name)s: %(message)s")
    try:
        raise RuntimeError(f"token endpoint said {secret.reveal()}")
    except RuntimeError as exc:
        text = formatter.format(record("posting %s", {"client_secret": secret.reveal()}, exc=exc))
    assert "S3cr3t-LOG-held" not in text
    assert text.startswith("msal.token_cache: posting {'client_secret': '<secret>'}")
    assert "RuntimeError: token endpoint said <secret>" in text


def test_the_formatter_scrubs_credentials_no_secret_holds() -> None:
    """What MSAL logs at DEBUG: its token request (code, assertion) as a cache event, and
    form bodies; none of these values was ever a Secret of this process."""
    code = "0.AXEA-Fr3shC0de-unheld-1234567890abcdefghijklmnop"
    assertion = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    event = {
        "data": {"code": code, "client_assertion": assertion, "password": "Unheld-Pass-77"},
        "response": {"access_token": "AT-unheld-0123456789", "refresh_token": "********"},
    }
    body = f"grant_type=authorization_code&code={code}&client_assertion={assertion}"
    formatter = ScrubbingFormatter("%(message)s")

    text = formatter.format(record("event=%s | %s", json.dumps(event, indent=4), body))

    for value in (code, assertion, "Unheld-Pass-77", "AT-unheld-0123456789"):
        assert value not in text
    assert '"refresh_token": "********"' in text  # MSAL's own mask is left as it is
    assert "grant_type=authorization_code&code=<secret>&client_assertion=<secret>" in text


def test_what_is_no_credential_stays() -> None:
    formatter = ScrubbingFormatter("%(message)s")
    text = (
        "see https://login.microsoftonline.com/error?code=7000215, response_type=code&x=1, "
        '{"error": {"code": "Authorization_RequestDenied"}} "token_type": "Bearer"'
    )
    assert formatter.format(record("%s", text)) == text


def test_nothing_is_set_up_without_a_level() -> None:
    before = list(logging.getLogger().handlers)
    log.configure(0)
    assert logging.getLogger().handlers == before
    assert not log.enabled()
    log.info("load", "not logged")  # no handler, no error


def test_minus_v_logs_provisions_steps_and_minus_vv_the_libraries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log.configure(1)
    log.info("load", "loaded %s", "x.yaml", since=log.clock())
    logging.getLogger("msal.application").debug("not at -v")
    logging.getLogger("urllib3.connectionpool").warning("a library warning at -v")
    log.configure(2)
    logging.getLogger("msal.application").debug("Cache attempts an RT")
    logging.getLogger("google.auth").debug("google at -vv")
    log.configure(0)
    logging.getLogger("provision.load").info("not after configure(0)")

    err = capsys.readouterr().err
    assert " INFO provision.load: loaded x.yaml (" in err and " ms)" in err
    assert "not at -v" not in err and "not after" not in err
    assert " WARNING urllib3.connectionpool: a library warning at -v" in err
    assert " DEBUG msal.application: Cache attempts an RT" in err
    assert " DEBUG google.auth: google at -vv" in err
    assert err.count("loaded x.yaml") == 1  # configuring again replaced the handler


def test_the_counts_before_and_after_the_command_add_up() -> None:
    runner = CliRunner()
    once = runner.invoke(cli, ["-v", "validate", "playbooks/example.yaml"])
    twice = runner.invoke(cli, ["-v", "validate", "-v", "playbooks/example.yaml"])
    msal_level = logging.getLogger("msal").level  # -v twice is -vv
    none = runner.invoke(cli, ["validate", "playbooks/example.yaml"])

    assert once.exit_code == twice.exit_code == none.exit_code == 0
    assert "INFO provision.load: loaded playbooks/example.yaml: 1 file(s)" in once.stderr
    assert "INFO provision.resolve: resolved 2 site(s), 10 app(s)" in once.stderr
    assert "provision." not in none.stderr
    assert msal_level == logging.DEBUG
    assert logging.getLogger("msal").level == logging.NOTSET  # and none is none again
    assert PLACEHOLDER not in once.stderr


def test_shell_completion_sets_up_no_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVISION_LOG", "nonsense")  # would be a usage error if read
    context = cli.make_context("provision", ["-vv", "validate"], resilient_parsing=True)
    assert context.meta.get("provision.verbose") is None
    assert not log.enabled()
