"""Verifying with a new secret: retried, and said so, while Entra does not accept it yet;
not retried for any other failure; bounded."""

from __future__ import annotations

from provision.apply.rotation_verify import _with_retries
from provision.tokens.verify import IdentityResult

NOT_YET = IdentityResult("m", "microsoft365", "failed", "m: AADSTS7000215: Invalid client secret")
WRONG = IdentityResult("m", "microsoft365", "failed", "m: AADSTS50126: invalid password")
OK = IdentityResult("m", "microsoft365", "ok")


def _run(
    answers: list[IdentityResult], backoff: tuple[float, ...]
) -> tuple[IdentityResult, list[str], int]:
    said: list[str] = []
    calls = iter(answers)
    count = 0

    def check() -> IdentityResult:
        nonlocal count
        count += 1
        return next(calls)

    return _with_retries("m", check, said.append, backoff), said, count


def test_retried_until_accepted_and_said() -> None:
    result, said, calls = _run([NOT_YET, NOT_YET, OK], (0.0, 0.0, 0.0))
    assert result.status == "ok" and calls == 3
    assert len(said) == 2 and "does not accept the new client secret yet" in said[0]
    assert "attempt 2 of 4" in said[0]


def test_other_failures_are_not_retried() -> None:
    result, said, calls = _run([WRONG], (0.0, 0.0))
    assert result is WRONG and calls == 1 and said == []


def test_bounded() -> None:
    result, said, calls = _run([NOT_YET] * 5, (0.0, 0.0))
    assert result is NOT_YET and calls == 3 and len(said) == 2
