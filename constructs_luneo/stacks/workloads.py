"""Who gets what: an AWS identity per workload (`workloads` in the environment file) in each region's
cluster, and its grants, written by the constructs that own the resources (aws-cdk's grant pattern):

- the assets: read and write, on the primary bucket in eu-west-1 and on its copy in us-east-1;
- the cache: its own IAM-authenticated user (`<env>-<workload>`), in the cache of its region (the
  Global Datastore's secondary in us-east-1, prod only);
- the database: `rds-db:connect` as its own PostgreSQL user (`<workload>` with `_`), on the primary,
  and on the us-east-1 replica (or Aurora's secondary cluster).

Both regions hold their grants all the time: a failover promotes the copies, and needs no IAM
change (docs/WORKLOADS.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformOutput

from ..config import ROLES
from ..eks.workload import WorkloadIdentity
from ..support.common import account_context

if TYPE_CHECKING:
    from .environment import LuneoEnvironmentStack


def add_workloads(stack: LuneoEnvironmentStack) -> dict[tuple[str, str], WorkloadIdentity]:
    """(workload, region role) -> its identity, granted what the workload uses in that region."""
    environment = stack.config.environment
    identities: dict[tuple[str, str], WorkloadIdentity] = {}
    for workload, namespace, service_account in stack.config.eks.workloads:
        for role in ROLES:
            region = stack.regions[role]
            identity = WorkloadIdentity(
                stack,
                f"workload-{workload}-{role}",
                name=f"luneo-{environment}-{workload}-{role}"[:64],
                cluster_name=region.eks.cluster_name,
                # Built, not referenced: the role does not depend on the cluster resource (it survives a
                # cluster's replacement, and the local AWS, which cannot create clusters, applies it).
                cluster_arn=account_context(stack, region.provider).arn("eks", f"cluster/{region.eks.name}"),
                namespace=namespace,
                service_account=service_account,
                provider=region.provider,
            )
            _grant(stack, identity, workload, role)
            identities[(workload, role)] = identity
            TerraformOutput(stack, f"workload_{workload.replace('-', '_')}_{role}_role_arn", value=identity.role_arn)
    return identities


def database_user(workload: str) -> str:
    """The PostgreSQL role a workload logs in as: its name with `_` (`luneo_worker_ia`)."""
    return workload.replace("-", "_")


def cache_user(environment: str, workload: str) -> str:
    """The cache user a workload connects as (ElastiCache user ids are per region and account, so the
    environment is part of it): `prod-luneo-worker-ia`."""
    return f"{environment}-{workload}"[:40]


def _grant(stack: LuneoEnvironmentStack, identity: WorkloadIdentity, workload: str, role: str) -> None:
    primary = role == "primary"
    stack.assets.grant_read_write(identity, region="primary" if primary else "secondary")
    cache = stack.redis if primary else stack.redis_secondary
    if cache is not None:
        cache.grant_connect(identity, cache_user(stack.config.environment, workload))
    user = database_user(workload)
    if stack.aurora is not None:
        stack.aurora.grant_connect(identity, user, region=role)
    else:
        # During a restore, the previous pair too: the workloads keep connecting to it until they are
        # pointed at the restored one (docs/OPERATIONS.md, Restores); retiring it removes these grants.
        pairs = [(stack.database, stack.database_replica), stack.previous_database or (None, None)]
        for pair in pairs:
            database = pair[0] if primary else pair[1]
            if database is not None:
                database.grant_connect(identity, user)
