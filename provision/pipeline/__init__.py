"""The whole flow, in order:

    load -> validate (schema) -> resolve -> validate (limits, lint)   check.py: check
         -> desired -> plan -> apply                      steps.py: plan, apply
         -> drift | status | rotate                       steps.py: the consoles, fleet
                                                          health, secret rotation
         -> verify | authorize | test-mail                identities.py

Each step hands frozen data to the next; the commands call these and give the results
to a reporter. What only a later step needs is imported there, so `validate` starts fast.
"""

from .check import Checked, check
from .identities import authorize, test_mail, verify
from .steps import apply, drift, plan, rotate, status

__all__ = [
    "Checked",
    "apply",
    "authorize",
    "check",
    "drift",
    "plan",
    "rotate",
    "status",
    "test_mail",
    "verify",
]
