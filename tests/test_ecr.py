"""constructs_luneo.ecr.EcrRepository: immutable tags, scanning, KMS, lifecycle."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from constructs_luneo.ecr import EcrRepository
from constructs_luneo.support.errors import ConstructArgumentError
from tests.helpers import only_resource, synth_scope

KEY = "arn:aws:kms:eu-west-1:111122223333:key/ecr"


def worker(scope, **overrides):
    args = dict(repository_name="luneo-worker-ia", scan_on_push=True, tags={"Environment": "prod"})
    args.update(overrides)
    return EcrRepository(scope, "ecr-worker-ia", **args)


def test_module_example_translates_line_for_line():
    synthesized = synth_scope(lambda s: worker(s, kms_key_arn=KEY))
    assert Testing.to_have_resource_with_properties(
        synthesized,
        "aws_ecr_repository",
        {
            "name": "luneo-worker-ia",
            "image_tag_mutability": "IMMUTABLE",
            "image_scanning_configuration": {"scan_on_push": True},
            "encryption_configuration": [{"encryption_type": "KMS", "kms_key": KEY}],
            "force_delete": False,
            "tags": {"Environment": "prod"},
        },
    )


def test_without_a_key_it_is_still_kms_encrypted():
    repository = only_resource(synth_scope(worker), "aws_ecr_repository")
    assert repository["encryption_configuration"] == [{"encryption_type": "KMS"}]


def test_lifecycle_expires_untagged_and_keeps_the_last_tagged():
    policy = json.loads(
        only_resource(
            synth_scope(lambda s: worker(s, untagged_image_expiry_days=3, tagged_images_to_keep=10)),
            "aws_ecr_lifecycle_policy",
        )["policy"]
    )
    untagged, tagged = policy["rules"]
    assert untagged["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 3,
    }
    assert tagged["selection"]["countType"] == "imageCountMoreThan" and tagged["selection"]["countNumber"] == 10
    assert {r["action"]["type"] for r in policy["rules"]} == {"expire"}


def test_scan_on_push_off_and_mutable_when_asked():
    repository = only_resource(
        synth_scope(lambda s: worker(s, scan_on_push=False, image_tag_mutability="MUTABLE")), "aws_ecr_repository"
    )
    assert repository["image_scanning_configuration"] == {"scan_on_push": False}
    assert repository["image_tag_mutability"] == "MUTABLE"


def test_outputs_and_prevent_destroy():
    seen = {}

    def build(scope):
        repository = worker(scope, prevent_destroy=True)
        seen.update(url=repository.repository_url, arn=repository.arn, name=repository.name)

    synthesized = synth_scope(build)
    assert only_resource(synthesized, "aws_ecr_repository")["lifecycle"] == {"prevent_destroy": True}
    assert all("${TfToken" in v for v in seen.values())


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"repository_name": "Luneo_Worker"}, "repository_name: expected 2-256 lowercase letters"),
        ({"repository_name": "a"}, "repository_name: expected"),
        ({"scan_on_push": "yes"}, "scan_on_push: expected true or false"),
        ({"image_tag_mutability": "immutable"}, 'image_tag_mutability: expected "IMMUTABLE" or "MUTABLE"'),
        ({"untagged_image_expiry_days": 0}, "untagged_image_expiry_days: expected a whole number >= 1"),
        ({"tagged_images_to_keep": 0}, "tagged_images_to_keep: expected a whole number >= 1"),
    ],
)
def test_bad_arguments(overrides, message):
    with pytest.raises(ConstructArgumentError, match="^EcrRepository 'test/ecr-worker-ia': ") as caught:
        synth_scope(lambda s: worker(s, **overrides))
    assert message in str(caught.value)
