"""What an environment file (`environments/<env>.tfvars`) may contain: the single source of every
variable's type, default, description and check. docs/CONFIGURATION.md and terraform.tfvars.example
are generated from this table (`make docs`), and the constructs take their defaults from it
(`default("eks_kubernetes_version")`), so each default is written once, here."""

from __future__ import annotations

import re
from typing import Any

from ..support.patterns import AZ_ID, BUCKET, CACHE_TYPE, DB_CLASS, HOSTNAME, INSTANCE_TYPE, ROLE_ARN, ROLE_NAME
from . import checks
from .checks import each, int_range, optional, pattern
from .checks import region as _region
from .tfvars import REQUIRED, Variable

STATE_KEY = re.compile(r"^[A-Za-z0-9!_.*'()/-]+\.tfstate$")
TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
K8S_VERSION = re.compile(r"^1\.\d{2}$")
HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/\S*)?$")
ACM_US_EAST_1 = re.compile(r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[\w-]+$")

#: The Terraform state that exists today belongs to prod; other environments get their own key.
LEGACY_PROD_STATE_KEY = "global/multi-region/terraform.tfstate"

_REGION_EXPECTED = 'an AWS region such as "eu-west-1"'
_DB_CLASS_EXPECTED = 'an RDS instance class such as "db.r6g.large"'


def _v(section: str, *variables: Variable) -> tuple[Variable, ...]:
    return tuple(Variable(v.name, v.kind, v.default, v.description, v.check, section, v.example) for v in variables)


STATE = _v(
    "State backend (the existing S3 bucket and DynamoDB lock table)",
    Variable(
        "state_bucket",
        "string",
        "luneo-terraform-state",
        "S3 bucket holding Terraform state",
        pattern(BUCKET, "an S3 bucket name"),
    ),
    Variable(
        "state_key",
        "string",
        None,
        f'state object key; default "{LEGACY_PROD_STATE_KEY}" for prod (the state that exists today), '
        '"<env>/multi-region/terraform.tfstate" otherwise',
        pattern(STATE_KEY, 'an S3 key ending in ".tfstate"'),
        example="staging/multi-region/terraform.tfstate",
    ),
    Variable(
        "state_region", "string", "eu-west-1", "region of the state bucket and lock table", _region(_REGION_EXPECTED)
    ),
    Variable(
        "state_lock_table",
        "string",
        "luneo-terraform-locks",
        "DynamoDB table used for state locking",
        pattern(TABLE, "a DynamoDB table name"),
    ),
)

NETWORK = _v(
    "Regions and network (one VPC per region; three AZs, public/private/database subnets)",
    Variable("primary_region", "string", "eu-west-1", "primary region (writes)", _region(_REGION_EXPECTED)),
    Variable(
        "secondary_region",
        "string",
        "us-east-1",
        "secondary region (replicas, failover); differs from primary_region; one of the two is us-east-1",
        _region('an AWS region such as "us-east-1"'),
    ),
    Variable(
        "vpc_primary_cidr",
        "string",
        "10.0.0.0/16",
        "private IPv4 range of the primary VPC, /16 to /20",
        checks.vpc_cidr,
    ),
    Variable(
        "vpc_secondary_cidr",
        "string",
        "10.1.0.0/16",
        "private IPv4 range of the secondary VPC, /16 to /20; must not overlap the primary",
        checks.vpc_cidr,
    ),
    Variable(
        "primary_zone_ids",
        "list(string)",
        None,
        "the primary region's 2-4 availability zones by zone ID, in subnet order (default for eu-west-1: "
        "euw1-az1, euw1-az2, euw1-az3); a running network keeps the IDs its subnets are in: `make zone-ids`",
        optional(each(pattern(AZ_ID, 'zone IDs such as "euw1-az1"'))),
        example=["euw1-az1", "euw1-az2", "euw1-az3"],
    ),
    Variable(
        "secondary_zone_ids",
        "list(string)",
        None,
        "the secondary region's zones by zone ID, in subnet order (default for us-east-1: use1-az1, "
        "use1-az2, use1-az4; use1-az3 is refused)",
        optional(each(pattern(AZ_ID, 'zone IDs such as "use1-az1"'))),
        example=["use1-az1", "use1-az2", "use1-az4"],
    ),
    Variable(
        "single_nat_gateway",
        "bool",
        False,
        "one NAT gateway per VPC instead of one per AZ (cheaper, not zone-redundant)",
    ),
)

EKS = _v(
    "EKS (a cluster per region; min <= desired <= max for each region's SPOT node group)",
    Variable("eks_primary_desired_size", "int", 3, "SPOT nodes wanted in the primary region", int_range(0, 100)),
    Variable("eks_primary_min_size", "int", 2, "SPOT node group minimum, primary region", int_range(0, 100)),
    Variable("eks_primary_max_size", "int", 10, "SPOT node group maximum, primary region", int_range(1, 100)),
    Variable("eks_secondary_desired_size", "int", 2, "SPOT nodes wanted in the secondary region", int_range(0, 100)),
    Variable("eks_secondary_min_size", "int", 1, "SPOT node group minimum, secondary region", int_range(0, 100)),
    Variable("eks_secondary_max_size", "int", 5, "SPOT node group maximum, secondary region", int_range(1, 100)),
    Variable(
        "eks_kubernetes_version",
        "string",
        "1.35",
        "Kubernetes minor version of both clusters, pinned; on the EKS calendar "
        "(constructs_luneo/dated/kubernetes.csv); "
        "upgrade one minor version per apply",
        pattern(K8S_VERSION, 'a Kubernetes minor version such as "1.35"'),
    ),
    Variable(
        "eks_support_type",
        "string",
        "STANDARD",
        '"STANDARD": refused once the version leaves standard support (AWS would upgrade the cluster '
        'itself); "EXTENDED": 12 more months at $0.60 instead of $0.10 per cluster-hour',
        checks.one_of("STANDARD", "EXTENDED"),
    ),
    Variable(
        "eks_spot_instance_types",
        "list(string)",
        ["m6i.large", "m6a.large", "m5.large", "m5a.large"],
        "instance types of the SPOT node groups (two or more of one size)",
        checks.instance_types,
    ),
    Variable(
        "eks_system_instance_type",
        "string",
        "m6i.large",
        "instance type of the on-demand system node groups",
        pattern(INSTANCE_TYPE, 'an EC2 instance type such as "m6i.large"'),
    ),
    Variable("eks_system_node_count", "int", 2, "on-demand system nodes per cluster", int_range(1, 10)),
    Variable(
        "eks_public_access_cidrs",
        "list(string)",
        [],
        "CIDRs allowed to reach the EKS API publicly; empty: private endpoint only",
        checks.public_cidrs,
        example=["203.0.113.0/24"],
    ),
    Variable(
        "eks_api_ingress_cidrs",
        "list(string)",
        [],
        "CIDRs (a VPN, a bastion's subnet, a peered network) allowed to reach the private EKS API on 443",
        checks.public_cidrs,
        example=["10.200.0.0/16"],
    ),
    Variable(
        "eks_admin_roles",
        "list(string)",
        ["luneo-break-glass"],
        "IAM roles of the stack's account, by name (path/name allowed), given cluster-admin through "
        "EKS access entries: always these, whoever runs the plan",
        each(pattern(ROLE_NAME, "IAM role names such as luneo-break-glass or platform/admins")),
    ),
    Variable(
        "eks_admin_role_arns",
        "list(string)",
        [],
        "IAM roles (by ARN: another account's too) also given cluster-admin through EKS access entries",
        each(pattern(ROLE_ARN, "IAM role ARNs such as arn:aws:iam::123456789012:role/platform-admins")),
        example=["arn:aws:iam::123456789012:role/platform-admins"],
    ),
    Variable(
        "workloads",
        "map(string)",
        {"luneo-worker-ia": "luneo/luneo-worker-ia", "luneo-usdz-converter": "luneo/luneo-usdz-converter"},
        "the workloads that get an AWS identity in both regions' clusters (EKS Pod Identity): name -> "
        '"<namespace>/<service account>"; each gets the assets bucket, its own cache user and its own '
        "database user (docs/WORKLOADS.md)",
        checks.workloads,
    ),
    Variable(
        "vpc_interface_endpoints",
        "bool",
        False,
        "interface endpoints in each VPC for ECR (api, dkr), STS and CloudWatch Logs: image pulls and "
        "AWS calls off the NAT gateways (priced by make cost)",
    ),
)

DATABASE = _v(
    "Database (RDS PostgreSQL, or Aurora PostgreSQL Global Database)",
    Variable(
        "db_primary_instance_class",
        "string",
        REQUIRED,
        'RDS instance class, e.g. "db.r6g.large"; changing it may cause a brief outage',
        pattern(DB_CLASS, _DB_CLASS_EXPECTED),
        example="db.r6g.large",
    ),
    Variable("db_allocated_storage", "int", 100, "RDS storage in GiB (gp3)", int_range(20, 65536)),
    Variable("db_multi_az", "bool", True, "RDS standby in a second AZ (automatic failover)"),
    Variable(
        "db_master_password_source",
        "string",
        "generated",
        '"generated": a random password, kept in a KMS-encrypted secret replicated to the secondary region; '
        '"variable": the same, from TF_VAR_db_master_password at plan and apply time; "rds-managed": RDS '
        "keeps it (refused with a replica or a global database: AWS does not support it)",
        checks.one_of("generated", "variable", "rds-managed"),
    ),
    Variable(
        "db_master_password_version",
        "int",
        1,
        "bump to rotate the master password (a new generated value, or the new TF_VAR value)",
        int_range(1, 10**6),
    ),
    Variable(
        "db_dr_mode",
        "string",
        "replica",
        '"replica": RDS with a cross-region read replica; "aurora-global": Aurora PostgreSQL Global Database',
        checks.one_of("replica", "aurora-global"),
    ),
    Variable(
        "db_replica_instance_class",
        "string",
        None,
        "instance class of the secondary-region replica or Aurora secondary (default: db_primary_instance_class)",
        optional(pattern(DB_CLASS, _DB_CLASS_EXPECTED)),
        example="db.r6g.large",
    ),
    Variable(
        "db_replica_promoted",
        "bool",
        False,
        "the secondary-region replica was promoted after a failover (docs/DISASTER_RECOVERY.md)",
    ),
    Variable("backup_retention_period", "int", 7, "days of automated RDS backups", int_range(1, 35)),
    Variable(
        "backup_window", "string", "04:00-05:00", "daily RDS backup window, UTC, at least 30 minutes", checks.window
    ),
    Variable(
        "db_restore_from",
        "string",
        None,
        'restore the primary database into a new instance, <name>-db-restored: "snapshot:<snapshot id or ARN>" or '
        '"time:<UTC time, 2026-12-05T03:00:00Z>" or "time:latest"; the previous database keeps running, its '
        "replica follows the restored one, and the setting stays once applied (docs/OPERATIONS.md, Restores)",
        checks.restore_source,
        example="snapshot:luneo-prod-db-before-2026-12-05",
    ),
    Variable(
        "db_restore_retire_previous",
        "bool",
        False,
        "after a restore: Terraform forgets the previous database and its replica (removed, destroy = false), "
        "which the operator deletes by hand with a final snapshot (docs/OPERATIONS.md, Restores)",
    ),
)

REDIS = _v(
    "Redis (ElastiCache)",
    Variable(
        "redis_node_type",
        "string",
        REQUIRED,
        'ElastiCache node type, e.g. "cache.r6g.large"',
        pattern(CACHE_TYPE, 'an ElastiCache node type such as "cache.r6g.large"'),
        example="cache.r6g.large",
    ),
    Variable("redis_num_cache_clusters", "int", 2, "Redis nodes (1 primary + replicas)", int_range(1, 6)),
    Variable(
        "redis_global_datastore",
        "bool",
        False,
        "an ElastiCache Global Datastore: a read-only copy of the cache in the secondary region, promoted in a "
        "failover (node types M5, M6g, M7g, R5, R6g, R6gd, R7g, C7gn, large or above)",
    ),
)

DNS = _v(
    "Ingress and DNS failover (Route53)",
    Variable(
        "primary_ingress_hostname",
        "string",
        None,
        "EKS load balancer hostname in the primary region",
        optional(pattern(HOSTNAME, "a DNS hostname such as lb.eu-west-1.example.com")),
        example="ingress-eu-west-1.example.com",
    ),
    Variable(
        "secondary_ingress_hostname",
        "string",
        None,
        "EKS load balancer hostname in the secondary region",
        optional(pattern(HOSTNAME, "a DNS hostname such as lb.us-east-1.example.com")),
        example="ingress-us-east-1.example.com",
    ),
    Variable(
        "dns_zone_name",
        "string",
        None,
        "public hosted zone of the failover record, looked up by name (e.g. luneo.app); with it, dns_record_name "
        "and both ingress hostnames are required",
        optional(pattern(HOSTNAME, "a DNS zone name such as luneo.app")),
        example="example.com",
    ),
    Variable(
        "route53_zone_id",
        "string",
        None,
        "the same zone given by id instead of dns_zone_name",
        optional(pattern(ZONE_ID, 'a Route53 hosted zone id such as "Z0123456789ABC"')),
        example="Z0123456789ABCDEFGHIJ",
    ),
    Variable(
        "dns_record_name",
        "string",
        None,
        "failover record name in that zone, e.g. app.luneo.app",
        optional(pattern(HOSTNAME, "a DNS name such as app.luneo.app")),
        example="app.example.com",
    ),
    Variable(
        "health_check_path",
        "string",
        "/healthz",
        "HTTPS path the Route53 health checks request",
        pattern(re.compile(r"^/[\w./~%-]*$"), 'a path such as "/healthz"'),
    ),
    Variable(
        "dns_force_failover",
        "bool",
        False,
        "send all traffic to the secondary region: the PRIMARY failover record answers with the secondary "
        "hostname, whatever the health checks say (planned failover, or an outage of the primary region)",
    ),
)

ALARMS = _v(
    "Alarms (prod needs at least one subscriber)",
    Variable(
        "alarm_emails",
        "list(string)",
        REQUIRED,
        "e-mail addresses subscribed to the alarm topics (each confirms once); every environment names who "
        "hears its alarms ([] only with alarm_https_endpoints)",
        each(pattern(EMAIL, "e-mail addresses")),
        example=["oncall@example.com"],
    ),
    Variable(
        "alarm_https_endpoints",
        "list(string)",
        [],
        "HTTPS endpoints (chat-ops webhooks) subscribed to the alarm topics (each confirms once)",
        each(pattern(HTTPS_URL, "https:// URLs")),
        example=["https://hooks.example.com/luneo-alarms"],
    ),
)

OTHER = _v(
    "Assets, migration and tags",
    Variable(
        "assets_aliases",
        "list(string)",
        [],
        "custom domain names of the assets CDN; with assets_certificate_arn they make TLS 1.2+ real "
        "(with the default *.cloudfront.net certificate AWS allows TLSv1)",
        each(pattern(HOSTNAME, "DNS names such as assets.luneo.app")),
        example=["assets.example.com"],
    ),
    Variable(
        "assets_certificate_arn",
        "string",
        None,
        "ACM certificate of assets_aliases; CloudFront takes certificates from us-east-1 only",
        optional(pattern(ACM_US_EAST_1, "an ACM certificate ARN in us-east-1 (arn:aws:acm:us-east-1:...)")),
        example="arn:aws:acm:us-east-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab",
    ),
    Variable(
        "logging_bucket",
        "string",
        None,
        "S3 bucket receiving CloudFront and S3 access logs (optional)",
        optional(pattern(BUCKET, "an S3 bucket name")),
        example="luneo-logs",
    ),
    Variable(
        "existing_encryption",
        "map(string)",
        {},
        'keys db, redis, ecr: the KMS key ARN (or "default") an existing database, cache or repository was '
        "created with; printed by `make migrate-plan`",
        checks.existing_encryption,
        example={"db": "default", "redis": "default", "ecr": "default"},
    ),
    Variable(
        "tags",
        "map(string)",
        {},
        "extra tags on every resource (besides Environment, Project, ManagedBy)",
        checks.tags,
        example={"CostCenter": "platform"},
    ),
)

VARIABLES: tuple[Variable, ...] = STATE + NETWORK + EKS + DATABASE + REDIS + DNS + ALARMS + OTHER
VARIABLES_BY_NAME = {v.name: v for v in VARIABLES}

#: Variables that no longer exist, and what replaces them (a file that still sets one gets this).
REMOVED = {
    "db_manage_master_password": 'replaced by db_master_password_source ("generated" by default; "variable" for '
    "TF_VAR_db_master_password). The RDS-managed password cannot have a read replica "
    "(docs/CONFIGURATION.md)",
}


#: What bootstrap.tfvars may contain (luneo-bootstrap: the state bucket and lock table themselves).
def default(name: str) -> Any:
    """The default of a tfvars variable, for a construct argument that mirrors it. A list
    default comes back as a tuple, so that no caller can change the table."""
    from .bootstrap_variables import BOOTSTRAP_VARIABLES

    value = {v.name: v for v in VARIABLES + BOOTSTRAP_VARIABLES}[name].default
    if value is REQUIRED or value is None:
        raise KeyError(f"{name} has no default")
    return tuple(value) if isinstance(value, list) else value
