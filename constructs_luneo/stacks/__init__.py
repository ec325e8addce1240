"""The stacks: one per environment on the existing S3 + DynamoDB state backend, and luneo-bootstrap
for that backend itself.

- base.py: LuneoStack, the address policy (Terraform addresses are the construct path);
- environment.py: LuneoEnvironmentStack, a regional foundation per region, then the cross-region
  pieces; alarms.py and outputs.py: its alarms (thresholds and topics) and `terraform output`s;
- regional.py: RegionalFoundation, what each region of an environment runs on;
- bootstrap.py: BootstrapStack (luneo-bootstrap);
- app.py: build_app (the App of main.py) and apply_migration (reviewed moved/removed blocks).
"""

from .app import apply_migration, build_app
from .base import REQUIRED_TERRAFORM, LuneoStack
from .bootstrap import BootstrapStack
from .environment import ECR_REPOSITORIES, LuneoEnvironmentStack

__all__ = [
    "ECR_REPOSITORIES",
    "REQUIRED_TERRAFORM",
    "BootstrapStack",
    "LuneoEnvironmentStack",
    "LuneoStack",
    "apply_migration",
    "build_app",
]
