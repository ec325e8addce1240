"""constructs_luneo.rules.policy: each rule fires on a bad construct, stays quiet on ours, and a
suppression needs a written reason."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cdktf import Testing
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.elasticache_replication_group import ElasticacheReplicationGroup
from cdktf_cdktf_provider_aws.kms_key import KmsKey as RawKmsKey
from cdktf_cdktf_provider_aws.launch_template import LaunchTemplate, LaunchTemplateBlockDeviceMappings
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from constructs_luneo.ecr import EcrRepository
from constructs_luneo.rules import View, evaluate
from constructs_luneo.rules.policy import PUBLIC_LB_TAG, RULES, add_policy, suppress
from constructs_luneo.stacks import LuneoStack
from constructs_luneo.support.errors import ConstructArgumentError
from tests import aws_rule_examples
from tests.conftest import ROOT

TAGS = {"Environment": "staging", "Project": "luneo", "ManagedBy": "cdktf"}
#: The day the dated rules (LUNEO-AWS-18) are evaluated on here: the examples do not age.
PINNED_DAY = "2026-12-05"


@pytest.fixture(autouse=True)
def _pinned_day(monkeypatch):
    monkeypatch.setenv("LUNEO_TODAY", PINNED_DAY)


def policy_errors(build, tags=TAGS) -> list[str]:
    app = Testing.app()
    stack = LuneoStack(app, "policy-test")
    AwsProvider(stack, "aws", region="eu-west-1", default_tags=[AwsProviderDefaultTags(tags=tags)])
    build(stack)
    add_policy(stack)
    Testing.synth(stack, run_validations=True)  # the policy is a validation
    return sorted(
        entry.data for c in stack.node.find_all() for entry in c.node.metadata if entry.type == "@cdktf/error"
    )


def rule_ids(errors):
    return {e.split(":")[0] for e in errors}


def bad_security_group(scope, public=False):
    group = SecurityGroup(scope, "sg", name="open", tags={PUBLIC_LB_TAG: "true"} if public else None)
    VpcSecurityGroupIngressRule(
        scope, "world", security_group_id=group.id, ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0"
    )


BAD = {
    "LUNEO-ENC-1": lambda s: S3Bucket(s, "bucket", bucket="luneo-bad"),
    "LUNEO-ENC-2": lambda s: DbInstance(
        s, "db", instance_class="db.t3.micro", engine="postgres", storage_encrypted=False, deletion_protection=True
    ),
    "LUNEO-ENC-3": lambda s: ElasticacheReplicationGroup(
        s, "redis", replication_group_id="r", description="r", at_rest_encryption_enabled="false"
    ),
    "LUNEO-ENC-4": lambda s: SnsTopic(s, "topic", name="plain"),
    "LUNEO-ENC-5": lambda s: CloudwatchLogGroup(s, "logs", name="plain"),
    "LUNEO-ENC-6": lambda s: LaunchTemplate(
        s,
        "lt",
        block_device_mappings=[
            LaunchTemplateBlockDeviceMappings(device_name="/dev/xvda", ebs={"volume_size": 20, "encrypted": "false"})
        ],
    ),
    "LUNEO-S3-1": lambda s: S3Bucket(s, "bucket", bucket="luneo-bad"),
    "LUNEO-SG-1": bad_security_group,
    "LUNEO-KMS-1": lambda s: RawKmsKey(s, "key", enable_key_rotation=False),
    **aws_rule_examples.VIOLATIONS,
}


@pytest.mark.parametrize("rule_id", sorted(BAD))
def test_each_rule_fires_on_a_bad_construct(rule_id):
    errors = policy_errors(BAD[rule_id])
    assert rule_id in rule_ids(errors), errors
    message = next(e for e in errors if e.startswith(rule_id))
    assert "Fix:" in message


def test_required_tags_rule():
    errors = policy_errors(lambda s: None, tags={"Environment": "staging"})
    assert any(e.startswith("LUNEO-TAG-1") and "['Project', 'ManagedBy']" in e for e in errors), errors


def test_prod_protection_rule_only_in_prod():
    build = lambda s: EcrRepository(s, "ecr", repository_name="luneo-x")  # noqa: E731 (no prevent_destroy)
    assert "LUNEO-PROD-1" in rule_ids(policy_errors(build, tags={**TAGS, "Environment": "prod"}))
    assert "LUNEO-PROD-1" not in rule_ids(policy_errors(build))


def test_public_load_balancer_may_take_the_internet():
    assert "LUNEO-SG-1" not in rule_ids(policy_errors(lambda s: bad_security_group(s, public=True)))


def test_every_rule_has_a_test():
    assert set(RULES) == set(BAD) | {"LUNEO-TAG-1", "LUNEO-PROD-1"}


def test_every_aws_rule_names_its_source_and_states_itself():
    aws = [r for r in RULES.values() if r.id.startswith("LUNEO-AWS-")]
    assert len(aws) >= 10
    for checked in aws:
        assert checked.source.startswith("https://docs.aws.amazon.com/"), checked.id
        assert checked.check.__doc__ and len(checked.check.__doc__) > 80, f"{checked.id}: state the rule and why"


@pytest.mark.parametrize("rule_id", sorted(aws_rule_examples.COMPLIANT))
def test_each_aws_rule_accepts_the_compliant_shape(rule_id):
    assert rule_id not in rule_ids(policy_errors(aws_rule_examples.COMPLIANT[rule_id]))


def test_the_rules_catch_the_defects_of_the_json_before_them():
    """tests/fixtures/before-aws-rules.json is luneo-prod's JSON before the fixes (trimmed): a read replica
    of an RDS-managed password, TLS 1.2 asked of the default CloudFront certificate, fixed security group
    names with create_before_destroy, clusters nobody can administer, unguarded clusters in prod."""
    tf = json.loads((ROOT / "tests" / "fixtures" / "before-aws-rules.json").read_text())
    found = sorted({(checked.id, finding.path) for checked, finding in evaluate(View(tf, "luneo-prod"))})
    assert found == [
        ("LUNEO-AWS-1", "luneo-prod/postgres-replica/instance"),
        ("LUNEO-AWS-15", "luneo-prod/eks-primary/cluster"),
        ("LUNEO-AWS-15", "luneo-prod/eks-secondary/cluster"),
        ("LUNEO-AWS-18", "luneo-prod/eks-primary/cluster"),
        ("LUNEO-AWS-18", "luneo-prod/eks-secondary/cluster"),
        ("LUNEO-AWS-3", "luneo-prod/assets/distribution"),
        ("LUNEO-AWS-4", "luneo-prod/postgres-replica/security-group"),
        ("LUNEO-AWS-4", "luneo-prod/postgres/security-group"),
        ("LUNEO-AWS-4", "luneo-prod/redis/security-group"),
        ("LUNEO-IAM-2", "luneo-prod/postgres-replica/instance"),
        ("LUNEO-IAM-2", "luneo-prod/postgres/instance"),
        ("LUNEO-PROD-1", "luneo-prod/eks-primary/cluster"),
        ("LUNEO-PROD-1", "luneo-prod/eks-secondary/cluster"),
    ]


def test_the_rules_catch_round_3_in_the_json_before_it():
    """tests/fixtures/before-round-3.json: luneo-prod's and luneo-staging's JSON before the third review
    (the resources it concerns): Kubernetes 1.33 on STANDARD after its standard support ended, Global
    Datastore members with their own minor upgrades, subnets placed by index into a zone lookup, the logs
    keys without the encryption context, staging's alarm topics with no subscriber."""
    tf = json.loads((ROOT / "tests" / "fixtures" / "before-round-3.json").read_text())
    found: dict[str, set[str]] = {}
    for name, document in tf.items():
        for checked, finding in evaluate(View(document, name)):
            if checked.id.startswith("LUNEO-AWS-") or checked.id == "LUNEO-OBS-1":  # the fixture is trimmed
                found.setdefault(checked.id, set()).add(finding.path)
    assert sorted(found) == [
        "LUNEO-AWS-18",
        "LUNEO-AWS-21",
        "LUNEO-AWS-22",
        "LUNEO-AWS-23",
        "LUNEO-OBS-1",
    ]
    assert found["LUNEO-AWS-21"] == {
        "luneo-prod/redis/replication-group",
        "luneo-prod/redis-secondary/replication-group",
    }
    assert len(found["LUNEO-AWS-22"]) == 36, "every subnet of both environments, both regions, three tiers"
    assert found["LUNEO-OBS-1"] == {"luneo-staging/alarms-primary/topic", "luneo-staging/alarms-secondary/topic"}
    assert {p.split("/")[1] for p in found["LUNEO-AWS-23"]} == {"kms-logs", "kms-logs-secondary"}


def test_the_grant_rules_catch_the_users_and_databases_nobody_could_use():
    """Issue 21: on the JSON before it, the cache's IAM user and the IAM-authenticated databases were granted
    to nobody (no policy allowed elasticache:Connect or rds-db:connect on them)."""
    tf = json.loads((ROOT / "tests" / "fixtures" / "before-round-3.json").read_text())
    found = {
        (checked.id, finding.path)
        for name, document in tf.items()
        for checked, finding in evaluate(View(document, name))
        if checked.id.startswith("LUNEO-IAM-")
    }
    assert found == {
        ("LUNEO-IAM-1", "luneo-prod/redis/app-user"),
        ("LUNEO-IAM-1", "luneo-prod/redis-secondary/app-user"),
        ("LUNEO-IAM-1", "luneo-staging/redis/app-user"),
        ("LUNEO-IAM-2", "luneo-prod/postgres/instance"),
        ("LUNEO-IAM-2", "luneo-prod/postgres-replica/instance"),
        ("LUNEO-IAM-2", "luneo-staging/postgres/instance"),
        ("LUNEO-IAM-2", "luneo-staging/postgres-replica/instance"),
    }


def test_the_kubernetes_rule_warns_before_the_date_and_refuses_after(monkeypatch):
    """Synth warns 60 days before a version leaves standard support, and refuses after (STANDARD)."""
    from constructs_luneo.dated import kubernetes_calendar

    release = kubernetes_calendar()["1.35"]
    cluster = {
        "resource": {"aws_eks_cluster": {"c": {"version": "1.35", "upgrade_policy": {"support_type": "STANDARD"}}}}
    }
    levels = {}
    for day in ("2026-12-05", "2027-01-27", str(release.end_of_standard)):
        monkeypatch.setenv("LUNEO_TODAY", day)
        levels[day] = [f.level for c, f in evaluate(View(cluster, "x")) if c.id == "LUNEO-AWS-18"]
    assert levels == {"2026-12-05": [], "2027-01-27": ["warning"], "2027-03-27": ["error"]}


def test_rules_run_on_synthesized_files(synth_dir, tmp_path):
    """`python -m constructs_luneo.rules` (no cdktf): clean on ours, one line per finding on the old JSON."""
    files = sorted(str(p) for p in (synth_dir / "stacks").glob("*/cdk.tf.json"))
    clean = subprocess.run(
        [sys.executable, "-m", "constructs_luneo.rules", *files], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert clean.returncode == 0 and clean.stdout == "", clean.stdout + clean.stderr
    old = subprocess.run(
        [sys.executable, "-m", "constructs_luneo.rules", str(ROOT / "tests" / "fixtures" / "before-aws-rules.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert old.returncode == 1
    assert (
        "error: LUNEO-AWS-1: luneo-prod/postgres-replica/instance: aws_db_instance.postgres-replica_instance "
        "replicates aws_db_instance.postgres_instance, whose master password RDS manages" in old.stdout
    )


def test_our_stacks_are_clean(synth_dir):
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    for name, stack in manifest["stacks"].items():
        assert not [a for a in stack["annotations"] if a["level"] in ("ERROR", "@cdktf/error")], name


def test_a_suppression_silences_one_rule_for_one_construct():
    def build(scope):
        bucket = S3Bucket(scope, "bucket", bucket="luneo-bad")
        suppress(bucket, "LUNEO-S3-1", "a test bucket that never holds data")

    errors = policy_errors(build)
    assert "LUNEO-S3-1" not in rule_ids(errors) and "LUNEO-ENC-1" in rule_ids(errors)


@pytest.mark.parametrize(
    "rule_id, reason, message",
    [
        ("LUNEO-S3-1", "", "reason: expected a written justification"),
        ("LUNEO-NOPE", "a perfectly good reason", "rule_id: expected one of"),
    ],
)
def test_a_suppression_needs_a_known_rule_and_a_reason(rule_id, reason, message):
    with pytest.raises(ConstructArgumentError, match=message):
        policy_errors(lambda s: suppress(S3Bucket(s, "bucket", bucket="b"), rule_id, reason))


def test_main_reports_violations_in_one_line_each_and_keeps_the_previous_output(tmp_path):
    """A violation fails synth through main.py: rule id, construct path and fix on one line."""
    script = tmp_path / "violating_main.py"
    script.write_text(
        "import sys, runpy\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import constructs_luneo.stacks.environment as environment\n"
        "original = environment.add_alarms\n"
        "def alarms(stack):\n"
        "    original(stack)\n"
        "    from cdktf_cdktf_provider_aws.sns_topic import SnsTopic\n"
        "    SnsTopic(stack, 'plain-topic', name='unencrypted')\n"
        "environment.add_alarms = alarms\n"
        f"runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n"
    )
    outdir = tmp_path / "cdktf.out"
    outdir.mkdir()
    (outdir / "manifest.json").write_text("{}")
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "CDKTF_OUTDIR": str(outdir)},
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "error: LUNEO-ENC-4: luneo-prod/plain-topic: aws_sns_topic.plain-topic is not encrypted. Fix:" in lines[0]
    assert any("luneo-staging/plain-topic" in line for line in lines)
    assert "Traceback" not in proc.stderr
    assert (outdir / "manifest.json").read_text() == "{}"
    assert sorted(p.name for p in outdir.iterdir()) == ["manifest.json"]
