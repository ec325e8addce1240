"""ECR repositories (replaces `modules/ecr`).

HCL it replaces::

    module "ecr_worker_ia" {
      source          = "../../modules/ecr"
      repository_name = "luneo-worker-ia"
      scan_on_push    = true
      tags            = { Environment = "prod" }
    }

Python::

    EcrRepository(stack, "ecr-worker-ia", repository_name="luneo-worker-ia", scan_on_push=True,
                  kms_key_arn=ecr_key.key_arn, tags={"Environment": "prod"})
"""

from __future__ import annotations

import json
import re
from typing import Mapping

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import EcrRepository as _EcrRepository
from cdktf_cdktf_provider_aws.ecr_repository import EcrRepositoryEncryptionConfiguration
from constructs import Construct

from .support.common import construct_label, lifecycle, require

REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")


class EcrRepository(Construct):
    """A private ECR repository with immutable tags, scanning and KMS encryption.

    Arguments (the HCL module's names first):
      repository_name: e.g. "luneo-worker-ia" (required).
      scan_on_push: basic scan of every pushed image (default True).
      tags: extra tags.
      kms_key_arn: key encrypting the images (default None: the AWS-managed aws/ecr key, still KMS).
      encryption_type: "KMS" (default) or "AES256", only to keep an existing repository as it was
        created (ECR cannot change encryption in place).
      image_tag_mutability: "IMMUTABLE" (default) or "MUTABLE": a tag, once pushed, always means the
        same image; deploys pin what they tested.
      untagged_image_expiry_days: untagged images are deleted after this many days (default 14).
      tagged_images_to_keep: how many tagged images are kept; older ones expire (default 50).
      force_delete: delete even when images remain (default False).
      prevent_destroy: Terraform lifecycle guard. provider: the AWS provider (region).

    Attributes: repository_url, arn, name, repository (the resource).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository_name: str,
        scan_on_push: bool = True,
        tags: Mapping[str, str] | None = None,
        kms_key_arn: str | None = None,
        encryption_type: str = "KMS",
        image_tag_mutability: str = "IMMUTABLE",
        untagged_image_expiry_days: int = 14,
        tagged_images_to_keep: int = 50,
        force_delete: bool = False,
        prevent_destroy: bool = False,
        provider: TerraformProvider | None = None,
    ) -> None:
        _check(
            construct_label(EcrRepository, scope, id),
            repository_name,
            scan_on_push,
            encryption_type,
            kms_key_arn,
            image_tag_mutability,
            untagged_image_expiry_days,
            tagged_images_to_keep,
        )
        super().__init__(scope, id)

        self.repository = _EcrRepository(
            self,
            "repository",
            name=repository_name,
            image_tag_mutability=image_tag_mutability,
            image_scanning_configuration={"scan_on_push": scan_on_push},
            encryption_configuration=[
                EcrRepositoryEncryptionConfiguration(encryption_type=encryption_type, kms_key=kms_key_arn)
            ],
            force_delete=force_delete,
            tags=dict(tags or {}) or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        EcrLifecyclePolicy(
            self,
            "lifecycle-policy",
            repository=self.repository.name,
            provider=provider,
            policy=lifecycle_policy(untagged_image_expiry_days, tagged_images_to_keep),
        )
        self.repository_url: str = self.repository.repository_url
        self.arn: str = self.repository.arn
        self.name: str = self.repository.name


def lifecycle_policy(untagged_image_expiry_days: int, tagged_images_to_keep: int) -> str:
    """Untagged images expire after some days; only the last N tagged images are kept."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images after {untagged_image_expiry_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_image_expiry_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"Keep the last {tagged_images_to_keep} tagged images",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": ["*"],
                        "countType": "imageCountMoreThan",
                        "countNumber": tagged_images_to_keep,
                    },
                    "action": {"type": "expire"},
                },
            ]
        },
        indent=None,
    )


def _check(
    who: str,
    repository_name: str,
    scan_on_push: bool,
    encryption_type: str,
    kms_key_arn: str | None,
    image_tag_mutability: str,
    untagged_image_expiry_days: int,
    tagged_images_to_keep: int,
) -> None:
    require(
        isinstance(repository_name, str)
        and 2 <= len(repository_name) <= 256
        and bool(REPOSITORY.match(repository_name)),
        who,
        "repository_name",
        "2-256 lowercase letters, digits and single '.', '_', '-' or '/' separators",
        repository_name,
    )
    require(isinstance(scan_on_push, bool), who, "scan_on_push", "true or false", scan_on_push)
    require(
        encryption_type in ("KMS", "AES256") and (encryption_type == "KMS" or kms_key_arn is None),
        who,
        "encryption_type",
        '"KMS", or "AES256" without kms_key_arn',
        encryption_type,
    )
    require(
        image_tag_mutability in ("IMMUTABLE", "MUTABLE"),
        who,
        "image_tag_mutability",
        '"IMMUTABLE" or "MUTABLE"',
        image_tag_mutability,
    )
    require(
        isinstance(untagged_image_expiry_days, int) and untagged_image_expiry_days >= 1,
        who,
        "untagged_image_expiry_days",
        "a whole number >= 1",
        untagged_image_expiry_days,
    )
    require(
        isinstance(tagged_images_to_keep, int) and tagged_images_to_keep >= 1,
        who,
        "tagged_images_to_keep",
        "a whole number >= 1",
        tagged_images_to_keep,
    )
