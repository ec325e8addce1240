"""RedisGlobalDatastore: a Global Datastore around a primary RedisCluster."""

from __future__ import annotations

from cdktf import TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.elasticache_global_replication_group import ElasticacheGlobalReplicationGroup
from constructs import Construct

from .cluster import RedisCluster


class RedisGlobalDatastore(Construct):
    """An ElastiCache Global Datastore around a primary RedisCluster: a secondary RedisCluster in
    another region joins it (`RedisCluster(..., global_replication_group_id=datastore.id)`) and
    receives every write, read-only until it is promoted (docs/DISASTER_RECOVERY.md).

    Arguments: primary (the RedisCluster, required), suffix (the datastore's name; AWS prefixes it
    with a region code, default: the primary's name), provider (the primary's region).
    Attributes: id (the global replication group id, for the secondary), global_group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        primary: RedisCluster,
        suffix: str | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._membership(primary)
        self.global_group = ElasticacheGlobalReplicationGroup(
            self,
            "datastore",
            global_replication_group_id_suffix=suffix or primary.name,
            global_replication_group_description=f"{primary.name}: a copy in a second region",
            primary_replication_group_id=primary.replication_group.id,
            # Once a member, the primary changes version and node type only through the global group,
            # which changes every member (provider: "the Global Replication Group manages the version
            # of all member replication groups"; a member's own change is "Request rejected", #19929).
            engine_version=primary.engine_version,
            cache_node_type=primary.node_type,
            provider=provider,
            # A promotion (failover-global-replication-group, docs/DISASTER_RECOVERY.md) changes the primary
            # outside Terraform; provider 5.100 would then replace the datastore to change it back
            # (hashicorp/terraform-provider-aws#46121). The primary is chosen once, at creation.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["primary_replication_group_id"]),
        )
        self.id: str = self.global_group.global_replication_group_id

    @staticmethod
    def _membership(primary: RedisCluster) -> None:
        """The primary as a member: no auto_minor_version_upgrade of its own (AWS reports false on
        members: hashicorp/terraform-provider-aws#24919), its version and node type left to the global
        group."""
        group = primary.replication_group
        group.reset_auto_minor_version_upgrade()
        group.add_override("lifecycle.ignore_changes", ["engine_version", "node_type"])
