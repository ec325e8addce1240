"""Policy rules over a stack's synthesized Terraform (cdk-nag's idea): one rule per check, with an
id, a level and, for the AWS API rules, the documentation page it comes from.

- engine.py: Rule, Finding, View, the registry;
- security.py: LUNEO-ENC/S3/SG/KMS/TAG/PROD (encryption, public access, open ingress, rotation,
  tags, prod protection);
- operations.py: LUNEO-OBS (alarms reach someone);
- aws/: LUNEO-AWS-n, what the AWS APIs refuse or silently ignore, one module per kind of service;
- policy.py: the rules at synth (a stack validation) and `suppress(construct, rule_id, reason)`.

`python -m constructs_luneo.rules <cdk.tf.json>...` runs them on synthesized files (no cdktf);
constructs_luneo/rules/policy.py runs them at synth and annotates the constructs.
"""

from . import aws, operations, security  # noqa: F401  (registers the rules)
from .engine import RULES, Finding, Rule, View, evaluate
from .security import PUBLIC_LB_TAG

# The security rules first, then the AWS API rules by number: the order they run and are documented in.
for _rule_id in sorted(
    RULES,
    key=lambda r: (
        r.startswith("LUNEO-AWS-"),
        int(r.rsplit("-", 1)[1]) if r.startswith("LUNEO-AWS-") else list(RULES).index(r),
    ),
):
    RULES[_rule_id] = RULES.pop(_rule_id)

__all__ = ["PUBLIC_LB_TAG", "RULES", "Finding", "Rule", "View", "evaluate"]
