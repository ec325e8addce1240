"""ElastiCache Redis (replaces `modules/redis`).

HCL it replaces::

    module "redis" {
      source                     = "../../modules/redis"
      name                       = "luneo-prod-redis"
      vpc_id                     = module.vpc.vpc_id
      subnet_ids                 = module.vpc.private_subnets
      node_type                  = "cache.r6g.large"
      num_cache_clusters         = 2
      automatic_failover_enabled = true
      multi_az_enabled           = true
      tags                       = { Environment = "prod" }
    }

Python::

    RedisCluster(stack, "redis", name="luneo-prod-redis", vpc_id=vpc.vpc_id, subnet_ids=vpc.database_subnets,
                 node_type="cache.r6g.large", num_cache_clusters=2, automatic_failover_enabled=True,
                 multi_az_enabled=True, kms_key_arn=redis_key.key_arn, tags={"Environment": "prod"})
"""

from .cluster import PORT, RedisCluster
from .datastore import RedisGlobalDatastore

__all__ = ["PORT", "RedisCluster", "RedisGlobalDatastore"]
