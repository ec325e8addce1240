"""moto's server, with the calls our plans make that moto 5.2.5 does not implement answered here
(`python -m luneo_ops.local_aws.moto_launch <moto_server arguments>`; server.py starts it).

- EKS DescribeAddonVersions (data aws_eks_addon_version: each add-on's default version for the
  cluster's Kubernetes version): moto answers 404 "Not yet implemented", so no plan of a stack with
  EKS add-ons could run. Answered with one version, `v0.0.0-eksbuild.0`, marked the default for the
  Kubernetes version asked: the plan reads a version, as it would on AWS. What it cannot prove: that
  the version exists (the add-ons themselves are never applied on moto, their cluster is not), nor
  IAM enforcement of this call (it never reaches moto's IAM check; the plan role's policy carries
  eks:DescribeAddonVersions, tested as a document).
- RDS DbiResourceId: moto 5.2.5 gives every DB instance the same one (`db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U`),
  and provider 5.100 finds an instance by it: with a second instance in a region (a restored
  database beside the previous one) every wait after a change looks at two and never ends. Each
  instance gets its own here, derived from its region and identifier, as AWS gives each its own.
Said in the drill's report (what was emulated) and in docs/OPERATIONS.md.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

EMULATED_ADDON_VERSION = "v0.0.0-eksbuild.0"


def _addon_versions(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    query = parse_qs(urlparse(full_url).query)
    name = query.get("addonName", [""])[0]
    kubernetes = query.get("kubernetesVersion", [""])[0]
    version = {
        "addonVersion": EMULATED_ADDON_VERSION,
        "architecture": ["amd64", "arm64"],
        "compatibilities": [{"clusterVersion": kubernetes, "platformVersions": ["*"], "defaultVersion": True}],
        "requiresConfiguration": False,
    }
    body = {"addons": [{"addonName": name, "type": "emulated", "addonVersions": [version], "owner": "aws"}]}
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def patch() -> None:
    """Add the answered calls to moto's EKS routes (before the server builds its app), and a
    DbiResourceId of its own to each RDS instance."""
    from moto.eks import urls
    from moto.rds import models

    urls.url_paths["{0}/addons/supported-versions$"] = _addon_versions
    create = models.DBInstance.__init__

    def unique_resource_id(self: Any, *args: Any, **kwargs: Any) -> None:
        create(self, *args, **kwargs)
        digest = hashlib.sha256(f"{self.region}/{self.db_instance_identifier}".encode()).hexdigest()
        self.dbi_resource_id = "db-" + digest[:26].upper()

    models.DBInstance.__init__ = unique_resource_id  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    patch()
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
