"""Policy rules over a stack's synthesized Terraform (cdk-nag's idea): one rule per check, with an
id, a level and, for the AWS API rules, the documentation page it comes from.

- engine.py: Rule, Finding, View, the registry;
- security.py: LUNEO-ENC/S3/SG/KMS/TAG/PROD (encryption, public access, open ingress, rotation,
  tags, prod protection);
- aws_api.py: LUNEO-AWS-n, what the AWS APIs refuse or silently ignore.

`python -m constructs_luneo.rules <cdk.tf.json>...` runs them on synthesized files (no cdktf);
constructs_luneo/rules/policy.py runs them at synth and annotates the constructs.
"""

from . import security, aws_api  # noqa: F401, I001  (registers the rules, in this order)
from .engine import RULES, Finding, Rule, View, evaluate
from .security import PUBLIC_LB_TAG

__all__ = ["PUBLIC_LB_TAG", "RULES", "Finding", "Rule", "View", "evaluate"]
