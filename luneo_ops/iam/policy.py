"""The IAM documents of delivery, generated from the synthesized stacks (docs/SECURITY.md,
docs/IAM_POLICIES.md): per environment,

- `iam/<stack>/apply-<n>.json`: the apply role's policy: what the stack's resource types need
  (actions.TYPE_ACTIONS), scoped to the environment's own ARNs where AWS allows it (scope.py), roles
  created and changed only with the environment's permissions boundary, attached only the managed
  policies the stack uses, its own state key and lock items, and merge plans to read;
- `iam/<stack>/plan-<n>.json`: the plan role's: the List/Read actions of the same types (no data
  reads), its own state key read, the lock digest, and merge plans to write (not read);
- `iam/<stack>/workload-boundary.json`: the boundary every role the stack creates carries.

As many managed policies as IAM's 6,144-character limit needs. luneo-bootstrap turns them into the
CI roles (constructs_luneo/ci.py); `make iam-policy` writes them; tests/test_iam_policy.py fails when
they are stale, and parliament and cloudsplaining check each one.
"""

from __future__ import annotations

import json
from pathlib import Path

from constructs_luneo.config import Delivery, DeliveryTarget
from constructs_luneo.support.synthesized import SynthesizedStack

from ..paths import IAM
from . import catalog
from .actions import SERVICE_LINKED_ROLES, TYPE_ACTIONS, feature_actions
from .backend import plan_store_statements, state_statements
from .scope import ENVIRONMENT_TAG, Scope
from .statements import _sid, scoped
from .workload import boundary_policy

OUTPUT_DIR = IAM
#: IAM counts a managed policy's characters without whitespace; 6144 is the limit.
MAX_POLICY_CHARACTERS = 6144
#: Data, not configuration: a plan never reads them (but the documented exception, plan_reads()).
DATA_READS = frozenset(
    {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectAcl",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectTagging",
        "s3:GetObjectVersionTagging",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectAttributes",
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "kms:Decrypt",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
    }
)
#: Where the roles of delivery live: no stack's role (luneo-<env>-...) can be named like them.
CI_PATH = "/luneo-ci/"
GITHUB_OIDC = "token.actions.githubusercontent.com"
#: The AWS services a role the stacks create may be passed to.
PASSED_TO = [
    "ec2.amazonaws.com",
    "eks.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "pods.eks.amazonaws.com",
    "s3.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
]


def ci_role_name(environment: str, kind: str) -> str:
    """`luneo-ci-staging-plan`, `luneo-ci-prod-apply` (under the /luneo-ci/ path)."""
    return f"luneo-ci-{environment}-{kind}"


def resource_types(stack: SynthesizedStack) -> set[str]:
    """Every resource and data source type a stack uses; ephemeral ones as `ephemeral.<type>`."""
    doc = stack.document
    found = {t for kind in ("resource", "data") for t in doc.get(kind, {})}
    return found | {f"ephemeral.{t}" for t in doc.get("ephemeral", {})}


def uncovered(stacks: dict[str, SynthesizedStack]) -> list[str]:
    return sorted({t for stack in stacks.values() for t in resource_types(stack)} - set(TYPE_ACTIONS))


def by_service(stack: SynthesizedStack) -> dict[str, set[str]]:
    missing = uncovered({stack.name: stack})
    if missing:
        raise KeyError(f"no IAM actions known for {missing}: add them to luneo_ops/iam/actions.py TYPE_ACTIONS")
    found: dict[str, set[str]] = {}
    for resource_type in sorted(resource_types(stack)):
        for action in TYPE_ACTIONS[resource_type]:
            found.setdefault(action.split(":")[0], set()).add(action)
    for address, body in stack.items(data=False):
        for action in feature_actions(address.split(".")[0], body):
            found.setdefault(action.split(":")[0], set()).add(action)
    return found


def takes_resources(action: str) -> bool:
    """Every action the name or pattern stands for can be scoped to a resource ARN."""
    return all(catalog.resource_types(a) for a in catalog.expand(action))


def service_statements(service: str, actions: set[str], scope: Scope, verb: str) -> list[dict]:
    """One service's actions: on the environment's ARNs where it has them (scope.resources), the
    rest on "*"."""
    if service == "kms":
        return kms_statements(actions, scope, verb)
    if service == "ec2" and actions & LAUNCH_TEMPLATES:
        return launch_template_statements(actions, scope, verb)
    where = scope.resources(service)
    if where is None or not where[0]:
        return [scoped(actions, "*", _sid(verb, service))]
    arns, condition = where
    on_arns = {a for a in actions if takes_resources(a)}
    out = [scoped(on_arns, arns, _sid(verb, service, "Owned"), condition)] if on_arns else []
    if actions - on_arns:
        out.append(scoped(actions - on_arns, "*", _sid(verb, service, "Unscoped")))
    return out


#: A launch template decides what a node runs (user data, instance profile): another environment's
#: (tagged with its name) is out of reach. IfExists: the copy EKS makes of a node group's template
#: may not carry our tags.
LAUNCH_TEMPLATES = frozenset(
    {
        "ec2:CreateLaunchTemplate",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:ModifyLaunchTemplate",
        "ec2:DeleteLaunchTemplate",
    }
)


def launch_template_statements(actions: set[str], scope: Scope, verb: str) -> list[dict]:
    templates = actions & LAUNCH_TEMPLATES
    return [
        scoped(actions - templates, "*", _sid(verb, "ec2")),
        scoped(
            templates,
            ["arn:aws:ec2:*:*:launch-template/*"],
            _sid(verb, "ec2-launch-templates"),
            {"StringEqualsIfExists": {ENVIRONMENT_TAG: scope.environment}},
        ),
    ]


def kms_statements(actions: set[str], scope: Scope, verb: str) -> list[dict]:
    """Keys by the Environment tag (a key has no name); creating one only with that tag; the
    stack's aliases by name; tagging and the key policy also while a key is created (no tag yet)."""
    env = {"StringEquals": {ENVIRONMENT_TAG: scope.environment}}
    alias_actions = {a for a in actions if a in ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias")}
    on_create = {a for a in actions if a in ("kms:TagResource", "kms:PutKeyPolicy")}
    unscoped = {a for a in actions if not takes_resources(a)}
    out = []
    if "kms:CreateKey" in unscoped:
        out.append(
            scoped(
                {"kms:CreateKey"},
                "*",
                _sid(verb, "kms-create"),
                {"StringEquals": {"aws:RequestTag/Environment": scope.environment}},
            )
        )
    if unscoped - {"kms:CreateKey"}:
        out.append(scoped(unscoped - {"kms:CreateKey"}, "*", _sid(verb, "kms-unscoped")))
    keys = actions - unscoped - on_create
    if keys:
        out.append(scoped(keys, ["arn:aws:kms:*:*:key/*"], _sid(verb, "kms-keys"), env))
    if on_create:
        out.append(
            scoped(
                on_create,
                ["arn:aws:kms:*:*:key/*"],
                _sid(verb, "kms-keys-on-create"),
                {"StringEqualsIfExists": {ENVIRONMENT_TAG: scope.environment}},
            )
        )
    if alias_actions and scope.kms_aliases():
        out.append(scoped(alias_actions, scope.kms_aliases(), _sid(verb, "kms-aliases")))
    return out


def iam_statements(scope: Scope, stack: SynthesizedStack) -> list[dict]:
    """Roles only `luneo-<env>-*`, created and changed only with the environment's boundary,
    attached only the managed policies the stack uses; the EKS clusters' OIDC providers only;
    and never the boundary, the CI roles or the GitHub OIDC provider (explicit denies)."""
    roles = scope.role_arns()
    boundary = {"StringLike": {"iam:PermissionsBoundary": f"arn:aws:iam::*:policy/{scope.boundary_name}"}}
    out = [
        scoped(
            {"iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"},
            roles,
            "RolesOnlyWithTheBoundary",
            boundary,
        ),
        scoped(
            {"iam:AttachRolePolicy", "iam:DetachRolePolicy"},
            roles,
            "AttachOnlyTheStacksPolicies",
            {**boundary, "ArnEquals": {"iam:PolicyARN": scope.attached_policy_arns()}},
        ),
        scoped(
            {
                "iam:GetRole",
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:GetRolePolicy",
            },
            roles,
            "ManageTheStacksRoles",
        ),
        scoped({"iam:PassRole"}, roles, "PassTheStacksRoles", {"StringEquals": {"iam:PassedToService": PASSED_TO}}),
    ]
    if "aws_iam_openid_connect_provider" in resource_types(stack):
        out += [
            scoped(
                {"iam:*OpenIDConnectProvider*"},
                ["arn:aws:iam::*:oidc-provider/oidc.eks.*.amazonaws.com/id/*"],
                "EksOidcProvidersOnly",
            ),
            scoped({"iam:ListOpenIDConnectProviders"}, "*", "ListOidcProviders"),
        ]
    linked = sorted({n for t in resource_types(stack) for n in SERVICE_LINKED_ROLES.get(t, [])})
    if linked:
        out.append(
            scoped(
                {"iam:CreateServiceLinkedRole"},
                ["arn:aws:iam::*:role/aws-service-role/*"],
                "CreateServiceLinkedRoles",
                {"StringEquals": {"iam:AWSServiceName": linked}},
            )
        )
    return out + self_protection()


def self_protection() -> list[dict]:
    """What no delivery role may do, whatever else it is granted."""
    return [
        {
            "Sid": "NeverRemoveABoundary",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            "Resource": "*",
        },
        {
            "Sid": "NeverEditTheBoundariesOrTheCiPolicies",
            "Effect": "Deny",
            "Action": [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ],
            "Resource": ["arn:aws:iam::*:policy/luneo-*", f"arn:aws:iam::*:policy{CI_PATH}*"],
        },
        {
            "Sid": "NeverTouchTheDeliveryIdentities",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": [f"arn:aws:iam::*:role{CI_PATH}*", f"arn:aws:iam::*:oidc-provider/{GITHUB_OIDC}"],
        },
    ]


def apply_policy(scope: Scope, delivery: Delivery, target: DeliveryTarget, replica_region: str) -> dict:
    stack = scope.stack
    statements = state_statements(target, replica_region, write=True)
    statements += plan_store_statements(delivery, target, read=True)
    services = by_service(stack)
    services.pop("iam", None)
    for service, actions in sorted(services.items()):
        statements += service_statements(service, actions, scope, "manage")
    statements += iam_statements(scope, stack)
    return {"Version": "2012-10-17", "Statement": statements}


def plan_reads(stack: SynthesizedStack) -> dict[str, set[str]]:
    """The List and Read actions of the stack's types, but data reads (DATA_READS)."""
    found: dict[str, set[str]] = {}
    for service, actions in by_service(stack).items():
        for action in actions:
            for exact in catalog.expand(action):
                if catalog.reads(exact) and exact not in DATA_READS:
                    found.setdefault(service, set()).add(exact)
    return found


def plan_policy(scope: Scope, delivery: Delivery, target: DeliveryTarget, replica_region: str) -> dict:
    statements = state_statements(target, replica_region, write=False)
    statements += plan_store_statements(delivery, target, read=False)
    for service, actions in sorted(plan_reads(scope.stack).items()):
        statements += service_statements(service, actions, scope, "read")
    if "aws_secretsmanager_secret_version" in resource_types(scope.stack):
        statements += database_secret_exception(scope)
    if "ephemeral.aws_secretsmanager_random_password" in resource_types(scope.stack):
        statements.append(scoped({"secretsmanager:GetRandomPassword"}, "*", "DrawTheGeneratedPassword"))
    return {"Version": "2012-10-17", "Statement": statements}


def database_secret_exception(scope: Scope) -> list[dict]:
    """The one secret value a plan reads: provider 5.100 refreshes `aws_secretsmanager_secret_version`
    with GetSecretValue even for a write-only value (hashicorp/terraform-provider-aws#44876 replaces
    it with ListSecretVersionIds, in the 6.x line this project cannot install offline), and the
    database's `password_wo` is read back from that secret (ephemeral). docs/SECURITY.md."""
    names = scope.names("aws_secretsmanager_secret", "name")
    return [
        scoped(
            {"secretsmanager:GetSecretValue"},
            [f"arn:aws:secretsmanager:*:*:secret:{n}-*" for n in names],
            "RefreshReadsTheDatabaseSecret",
        ),
        scoped(
            {"kms:Decrypt"},
            ["arn:aws:kms:*:*:key/*"],
            "RefreshDecryptsTheDatabaseSecret",
            {
                "StringEquals": {ENVIRONMENT_TAG: scope.environment},
                "StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"},
            },
        ),
    ]


def split(document: dict) -> list[dict]:
    """Pack the statements into as few documents as IAM's size limit allows."""
    documents: list[dict] = []
    for statement in document["Statement"]:
        for candidate in documents:
            trial = {**candidate, "Statement": candidate["Statement"] + [statement]}
            if len("".join(json.dumps(trial).split())) <= MAX_POLICY_CHARACTERS:
                candidate["Statement"].append(statement)
                break
        else:
            documents.append({"Version": document["Version"], "Statement": [statement]})
    return documents


def render(document: dict) -> str:
    return json.dumps(document, indent=2) + "\n"


def outputs(stacks: dict[str, SynthesizedStack], delivery: Delivery, replica_region: str) -> dict[Path, str]:
    """iam/<stack>/{apply,plan}-<n>.json and workload-boundary.json for every delivered environment."""
    files: dict[Path, str] = {}
    for target in delivery.targets:
        scope = Scope(target.environment, stacks[target.stack_name])
        folder = OUTPUT_DIR / target.stack_name
        for kind, build in (("apply", apply_policy), ("plan", plan_policy)):
            for i, doc in enumerate(split(build(scope, delivery, target, replica_region)), start=1):
                files[folder / f"{kind}-{i}.json"] = render(doc)
        files[folder / "workload-boundary.json"] = render(boundary_policy(scope))
    return files


def stale(files: dict[Path, str]) -> bool:
    """The committed policy files differ from `files` (what the stacks need now)."""
    existing = {p: p.read_text() for p in sorted(OUTPUT_DIR.rglob("*.json"))}
    return existing != files


def write(files: dict[Path, str]) -> list[str]:
    """Replace the committed policy files; one line per file written."""
    for path in set(OUTPUT_DIR.rglob("*.json")) - set(files):
        path.unlink()
    said = []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        said.append(
            f"{path.relative_to(OUTPUT_DIR.parent)}: {len(json.loads(text)['Statement'])} statements, "
            f"{len(''.join(text.split()))} characters (limit {MAX_POLICY_CHARACTERS})"
        )
    return said
