"""AWS API rules: what the AWS APIs refuse, or silently ignore, written down where it is enforced.

Each rule's docstring states it in one sentence and names the AWS documentation page it comes
from; the local AWS (moto) does not apply these resources, so an emulator run would not catch them
and the provider's plan does not either (except where said). Each rule has a violating example in
tests/test_policy.py; docs/POLICY_RULES.md lists them (make docs).

One module per kind of service; the rules are numbered in the order they were written.
"""

from . import caches, compute, databases, encryption, limits, storage  # noqa: F401  (registers the rules)
